using System.Collections;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    private static readonly string[] Shells = ["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish", "csh", "tcsh", "pwsh"];

    /// <summary>Programs that start another program the guard would then not see (with no argument, <c>env</c> only prints).</summary>
    private static readonly string[] Wrappers = ["env", "xargs", "nohup", "timeout", "nice", "ionice", "stdbuf", "sudo", "su", "doas", "chroot", "unshare", "nsenter", "flock", "watch", "strace", "ltrace"];

    private static readonly string[] Interpreters = ["python", "python3", "perl", "ruby", "node"];

    private readonly Lock _privateLock = new();
    private string? _privateFolder;
    private string? _denylistFile;

    /// <summary>
    /// The environment overrides for a child process that is not one of the tools the guard knows
    /// (see <see cref="ChildEnvironment(string, string?)"/>).
    /// </summary>
    /// <param name="kubeconfigPath">The sandbox's private kubeconfig, or <see langword="null"/>.</param>
    /// <exception cref="GuardBlockedException">The kubeconfig path is denylisted.</exception>
    public IReadOnlyDictionary<string, string?> ChildEnvironment(string? kubeconfigPath) => ChildEnvironment(ChildTools.Other.Name, kubeconfigPath);

    /// <summary>
    /// The environment overrides for a child process, as CliWrap takes them (a <see langword="null"/>
    /// value removes the variable). The environment is an <b>allow-list per tool</b>: every inherited
    /// variable the tool does not need is removed (tokens, proxies, resolver and TLS overrides, CI
    /// credentials — whatever their name). <c>HOME</c> is the account's home from the password
    /// database; <c>KUBECONFIG</c> (kubectl, helm, k3d) is the private kubeconfig or an empty
    /// sandbox-owned file; <c>DOCKER_CONFIG</c> (docker, k3d) is an empty sandbox-owned folder, so
    /// no current context or credential of the user's is read; <c>SANDBOX_DENYLIST</c> (the Vault
    /// double, dotnet) names a file with this guard's whole denylist, so a <c>--denylist</c> given
    /// to the CLI reaches them too.
    /// </summary>
    /// <param name="tool">The program's file name (<c>docker</c>, <c>kubectl</c>, <c>vault</c>, <c>postgres</c>, ...).</param>
    /// <param name="kubeconfigPath">The sandbox's private kubeconfig, or <see langword="null"/>.</param>
    /// <exception cref="GuardBlockedException"><c>DOCKER_HOST</c> points at a refused endpoint, or the kubeconfig path is denylisted.</exception>
    public IReadOnlyDictionary<string, string?> ChildEnvironment(string tool, string? kubeconfigPath)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var known = tool == ChildTools.VaultDouble.Name ? ChildTools.VaultDouble : ChildTools.For(tool, []);
        return ChildEnvironmentFor(known, kubeconfigPath, "child-environment");
    }

    private Dictionary<string, string?> ChildEnvironmentFor(ChildTool tool, string? kubeconfigPath, string caller)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            // A tool's allow-list lets a variable through; a denylist 'env' entry and the 'never' list
            // still win, and the built-in scrub list wins unless the tool names the variable exactly
            // (VAULT_LICENSE for the Vault binary, DOCKER_HOST for docker).
            var named = Array.IndexOf(tool.Allowed, name) >= 0;
            if (!tool.Allows(name) || ChildTools.Matches(ChildTools.Never, name) || Denylist.MatchEnv(name) || (!named && IsScrubbed(name)))
            {
                result[name] = null;
            }
        }

        // Removed whether or not this process has them, so a caller's own value cannot slip in later.
        foreach (var fixedName in new[] { "VAULT_ADDR", "VAULT_TOKEN", "BAO_ADDR", "BAO_TOKEN", "KUBECONFIG", "PGHOST", "PGPASSWORD", Denylist.EnvironmentVariable })
        {
            result[fixedName] = null;
        }

        result["HOME"] = GuardPaths.Home;

        if (tool.Allows("DOCKER_HOST"))
        {
            var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
            if (!string.IsNullOrWhiteSpace(dockerHost))
            {
                var decision = Record(caller, CheckUrlText(dockerHost) with { Target = dockerHost });
                if (!decision.Allowed)
                {
                    throw GuardBlockedException.ChildRefused(decision, caller, tool.Name, "the variable DOCKER_HOST");
                }
            }
        }

        if (kubeconfigPath is not null)
        {
            EnsureFileAllowed(kubeconfigPath, caller);
            result["KUBECONFIG"] = GuardPaths.Normalize(kubeconfigPath);
        }
        else if (tool.PinsKubeconfig)
        {
            result["KUBECONFIG"] = EmptyKubeconfig();
        }

        if (tool.PinsDockerConfig)
        {
            result["DOCKER_CONFIG"] = EmptyDockerConfig();
        }

        if (tool.GetsDenylist && !ReferenceEquals(Denylist, Denylist.BuiltIn))
        {
            result[Denylist.EnvironmentVariable] = DenylistFile();
        }

        return result;
    }

    /// <summary>
    /// Who a command really starts: the program itself, or — through <c>runuser</c> or <c>setsid</c> —
    /// the program they run, with the index of its first argument. A shell is refused however it is
    /// started (a command string, a script): what it would run cannot be judged. The process runtime
    /// starts its detached Vault without one (<see cref="GuardDetachedLaunch"/>).
    /// </summary>
    private static (ChildTool Tool, string Program, int FirstArgument) ClassifyChild(string exe, List<string> args, Action<GuardDecision, string> refuse)
    {
        var program = exe;
        var start = 0;
        for (var depth = 0; depth < 4; depth++)
        {
            if (Array.IndexOf(Shells, program) >= 0)
            {
                refuse(GuardDecision.Block(program, GuardRules.ShellCommand, $"A shell ('{program}') is never started by the sandbox, with a command string or a script: what it would run cannot be judged. Start the program itself."), "the program");
            }

            if (Array.IndexOf(Wrappers, program) >= 0 && args.Count > start)
            {
                refuse(GuardDecision.Block(program, GuardRules.ShellCommand, $"'{program}' would start another program the guard does not see; start that program itself."), "the program");
            }

            if (Array.IndexOf(Interpreters, program) >= 0)
            {
                // An interpreter may run a script file (which the file guard checks), never a program
                // given on its command line (-c, -e, --eval, -p, --print) or read from standard input.
                var script = args.Skip(start).FirstOrDefault(a => !a.StartsWith('-'));
                var inline = args.Skip(start).TakeWhile(a => a.StartsWith('-')).Any(a => a is "-c" or "-e" or "-E" or "-p" or "-r" or "--eval" or "--print" or "--command" or "-Command" or "-i" || (a.StartsWith("-c", StringComparison.Ordinal) && !a.StartsWith("--", StringComparison.Ordinal)));
                if (inline || script is null)
                {
                    refuse(GuardDecision.Block(program, GuardRules.ShellCommand, $"An interpreter ('{program}') is never started with a program on its command line or its standard input: what it would run cannot be judged. Give it a script file."), "the arguments");
                }

                return (ChildTools.Other, program, start);
            }

            if (program == "runuser")
            {
                var sep = args.IndexOf("--", start);
                if (sep < 0 || sep + 1 >= args.Count)
                {
                    refuse(GuardDecision.Block(program, GuardRules.UnknownArgument, "runuser is started only as 'runuser -u USER -- PROGRAM ARGS...'."), "the arguments");
                }

                program = Path.GetFileName(args[sep + 1]);
                start = sep + 2;
                continue;
            }

            if (program == "setsid")
            {
                var i = start;
                while (i < args.Count && args[i].StartsWith('-'))
                {
                    i++;
                }

                if (i >= args.Count)
                {
                    return (ChildTools.Other, program, start);
                }

                program = Path.GetFileName(args[i]);
                start = i + 1;
                continue;
            }

            break;
        }

        return (ChildTools.For(program, args.Skip(start).ToList()), program, start);
    }

    /// <summary>
    /// This guard's folder: <c>$TMPDIR/sandbox-guard-UID</c>, mode 0700. It holds the empty docker
    /// config folder, the empty kubeconfig and the denylist file children are given.
    /// </summary>
    private string PrivateFolder()
    {
        lock (_privateLock)
        {
            if (_privateFolder is not null)
            {
                return _privateFolder;
            }

            var folder = Path.Combine(Path.GetTempPath(), $"sandbox-guard-{Posix.EffectiveUserId}");
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                if (new DirectoryInfo(folder).LinkTarget is not null)
                {
                    throw new IOException($"{folder} is a symlink; the guard's private folder must be a real directory. Remove it.");
                }

                // Fails unless this account owns the folder, so nobody else's folder is used.
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            _privateFolder = folder;
            return folder;
        }
    }

    private string EmptyDockerConfig()
    {
        var folder = Path.Combine(PrivateFolder(), "docker-config");
        lock (_privateLock)
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.CreateDirectory(folder);
        }

        return folder;
    }

    private string EmptyKubeconfig()
    {
        var file = Path.Combine(PrivateFolder(), "kubeconfig-empty");
        lock (_privateLock)
        {
            if (!File.Exists(file) || new FileInfo(file).Length != 0)
            {
                File.WriteAllBytes(file, []);
            }
        }

        return file;
    }

    /// <summary>This guard's whole denylist as a YAML file (built-in entries included, which a child merges away).</summary>
    private string DenylistFile()
    {
        lock (_privateLock)
        {
            if (_denylistFile is not null && File.Exists(_denylistFile))
            {
                return _denylistFile;
            }

            var yaml = new StringBuilder("# The denylist of a Sandbox guard, handed to its child processes. Generated; do not edit.\n");
            foreach (var (key, values) in new[]
            {
                ("hosts", Denylist.Hosts), ("addresses", Denylist.Addresses), ("urls", Denylist.Urls),
                ("kubeContexts", Denylist.KubeContexts), ("files", Denylist.Files), ("env", Denylist.Env), ("allow", Denylist.Allow),
            })
            {
                yaml.Append(key).Append(": [").AppendJoin(", ", values.Select(v => JsonSerializer.Serialize(v))).Append("]\n");
            }

            var text = yaml.ToString();
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
            var file = Path.Combine(PrivateFolder(), $"denylist-{hash}.yaml");
            if (!File.Exists(file) || File.ReadAllText(file) != text)
            {
                var temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
                File.WriteAllText(temp, text);
                File.Move(temp, file, overwrite: true);
            }

            _denylistFile = file;
            return file;
        }
    }
}
