namespace Sandbox.Harness.Tests.Topology;

/// <summary>
/// A temporary folder holding a topology file and copies of the lab's policy templates, so
/// each test can write one broken file; deleted on dispose.
/// </summary>
internal sealed class TopologyWorkspace : IDisposable
{
    public TopologyWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "sandbox-topology-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "policies"));
        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot, "fixtures", "policies")))
        {
            File.Copy(file, Path.Combine(Root, "policies", Path.GetFileName(file)));
        }
    }

    public string Root { get; }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sandbox.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Sandbox.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string FixtureTopology => Path.Combine(RepoRoot, "fixtures", "topology.yaml");

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }

    /// <summary>A minimal valid topology; <paramref name="apps"/> is the YAML of the apps list body.</summary>
    public static string Minimal(string apps = "  - slug: webapp\n", string extra = "") => """
        version: 1
        mounts:
          kvv2: { type: kv, version: 2 }
          transit: { type: transit }
          postgres: { type: database }
        database:
          defaultTtl: 1h
          maxTtl: 24h
        auth:
          kubernetes: {}
          jwt:
            userClaim: sub
            boundAudiences: [https://gitea.example]
            boundClaims:
              repository: "org/{{app}}"
        policies:
          runtime: policies/app.hcl
          ops: policies/app-ops.hcl

        """.ReplaceLineEndings("\n") + extra + "apps:\n" + apps;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: the folder is under the temp directory
        }
    }
}
