using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using CliWrap.Buffered;
using Sandbox.Harness;
using Sandbox.Harness.Guard;
using Sandbox.Harness.Runtimes.Process;
using Sandbox.Tests.Shared;
using Sandbox.VaultDouble.Tests.Engines;
using Sandbox.VaultDouble.Tests.Infrastructure;

namespace Sandbox.VaultDouble.Tests.Clients;

/// <summary>
/// The compatibility suite with a real third-party client: <c>tests/clients/node/compat.js</c> drives
/// a freshly started, uninitialized double through node-vault and hashi-vault-js (pinned by
/// <c>tests/clients/node/package-lock.json</c>, installed by <c>scripts/setup-machine.sh</c>) the way
/// the lab uses Vault: seal status, init, unseal, seal; KV v1 and v2; transit; policies; tokens and
/// accessors; Kubernetes and JWT logins; database credentials and their lease; error answers. Each
/// check of <c>tests/clients/node/checks.json</c> is one test case here. The stand-ins are the ones
/// the conformance suite uses: a PostgreSQL server, the test RSA key as the JWT issuer and the
/// TokenReview server on loopback. The node child runs through the guard's process API.
/// </summary>
[TestFixture, Category("Node"), Category("Postgres"), Category("DoubleOnly"), NonParallelizable]
public sealed class NodeVaultClientTests
{
    private const string App = "webapp";
    private const string SaUid = "5f0c1a52-1111-4222-8333-444444444444";
    private readonly Dictionary<string, (bool Ok, string Detail)> _results = new(StringComparer.Ordinal);
    private DoubleProcess? _double;
    private PostgresServer? _postgres;
    private FakeTokenReviewServer? _tokenReview;
    private string _runProblem = "the client script did not run";

    private static string? NodeFolder
        => SandboxCheckout.FindRoot(AppContext.BaseDirectory) is { } root ? Path.Combine(root, "tests", "clients", "node") : null;

    /// <summary>One case per line of checks.json, in its order (read at discovery).</summary>
    public static IEnumerable<TestCaseData> Checks()
    {
        var manifest = NodeFolder is { } folder ? Path.Combine(folder, "checks.json") : null;
        if (manifest is null || !File.Exists(manifest))
        {
            yield return new TestCaseData("checks.json").SetName("ClientCheck(checks.json missing)");
            yield break;
        }

        foreach (var name in JsonSerializer.Deserialize<string[]>(File.ReadAllText(manifest)) ?? [])
        {
            yield return new TestCaseData(name).SetName($"ClientCheck({name})");
        }
    }

    [OneTimeSetUp]
    public async Task RunTheClientAsync()
    {
        var folder = NodeFolder;
        Requires.Tool("node", "apt-get install -y nodejs npm (scripts/setup-machine.sh does it)");
        Requires.That(
            folder is not null && File.Exists(Path.Combine(folder, "node_modules", "node-vault", "package.json")),
            "the npm packages of tests/clients/node (node-vault)",
            "cd tests/clients/node && npm ci (scripts/setup-machine.sh does it)");
        Requires.That(
            Directory.Exists("/usr/lib/postgresql") && Directory.EnumerateFiles("/usr/lib/postgresql", "initdb", SearchOption.AllDirectories).Any(),
            "PostgreSQL server binaries (/usr/lib/postgresql/*/bin)",
            "apt-get install -y postgresql");

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cts.Token;
        _double = await DoubleProcess.StartAsync(ct);
        _postgres = await PostgresServer.StartNewAsync(Path.Combine(Path.GetTempPath(), "vault-double-pg-" + Guid.NewGuid().ToString("N")[..8]), cancellationToken: ct);
        _tokenReview = new FakeTokenReviewServer { Respond = _ => (201, FakeTokenReviewServer.Authenticated(App, App, SaUid, "vault")) };

        // the input carries the stand-ins' secrets: a file only this user can read, removed with the double's folder
        var inputPath = Path.Combine(_double.Folder, "client-input.json");
        await File.WriteAllTextAsync(inputPath, Input().ToJsonString(), ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(inputPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var guard = new SandboxGuard(Denylist.Resolve(null), GuardAuditLog.InMemory());
        var command = guard.GuardCommand(
            Cli.Wrap("node").WithArguments(["compat.js", inputPath]).WithWorkingDirectory(folder!).WithValidation(CommandResultValidation.None),
            "client-compat");
        var result = await command.ExecuteBufferedAsync(ct);
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var node = JsonNode.Parse(line)!;
            _results[node["check"]!.GetValue<string>()] = (node["ok"]!.GetValue<bool>(), node["detail"]!.GetValue<string>());
        }

        _runProblem = $"node compat.js exited {result.ExitCode} without reporting this check; stderr: {Tail(result.StandardError)}";
    }

    private JsonObject Input()
    {
        var gitea = TestJwt.Claims(aud: "https://vault.sandbox", iss: "https://gitea.sandbox");
        gitea["repository"] = $"arcodange/{App}";
        gitea["exp"] = TestJwt.Now(900);
        var wrong = gitea.DeepClone().AsObject();
        wrong["repository"] = "arcodange/other";
        var sa = new JsonObject
        {
            ["iss"] = "https://kubernetes.default.svc.cluster.local",
            ["aud"] = new JsonArray("vault"),
            ["iat"] = TestJwt.Now(-5),
            ["exp"] = TestJwt.Now(900),
            ["kubernetes.io"] = new JsonObject { ["namespace"] = App, ["serviceaccount"] = new JsonObject { ["name"] = App, ["uid"] = SaUid } },
        };
        return new JsonObject
        {
            ["addr"] = _double!.Address.ToString().TrimEnd('/'),
            ["app"] = App,
            ["postgres"] = new JsonObject
            {
                ["host"] = _postgres!.Host,
                ["port"] = _postgres.Port,
                ["username"] = _postgres.SuperuserName,
                ["password"] = _postgres.SuperuserPassword,
            },
            ["jwt"] = new JsonObject
            {
                ["publicKeyPem"] = TestKeys.Rsa.ExportSubjectPublicKeyInfoPem(),
                ["issuer"] = "https://gitea.sandbox",
                ["audience"] = "https://vault.sandbox",
                ["repository"] = $"arcodange/{App}",
                ["token"] = TestJwt.Sign(TestKeys.Rsa, gitea),
                ["wrongRepositoryToken"] = TestJwt.Sign(TestKeys.Rsa, wrong),
            },
            ["kubernetes"] = new JsonObject
            {
                ["host"] = _tokenReview!.Url,
                ["caCert"] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                ["saJwt"] = TestJwt.Sign(TestKeys.Rsa, sa),
            },
        };
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "(empty)" : string.Join(" | ", lines.TakeLast(5));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_tokenReview is not null)
        {
            await _tokenReview.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_double is not null)
        {
            await _double.DisposeAsync();
        }
    }

    [TestCaseSource(nameof(Checks)), CancelAfter(10_000)]
    public void ClientCheck(string check)
    {
        Assert.That(_results.TryGetValue(check, out var r), Is.True, _runProblem);
        Assert.That(r.Ok, Is.True, $"client check '{check}' failed: {r.Detail}");
    }

    [Test, CancelAfter(10_000)]
    public void TheScriptReportsExactlyTheListedChecks()
    {
        var listed = Checks().Select(c => (string)c.Arguments[0]!).ToHashSet(StringComparer.Ordinal);
        Assert.That(_results.Keys, Is.EquivalentTo(listed), "compat.js and checks.json disagree");
    }
}
