using System.Collections;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>
    /// Variables removed from every child process besides the denylist's <c>env</c> entries
    /// (a trailing <c>*</c> is a prefix): Vault/OpenBao addresses and tokens, kube and Helm
    /// context selection, PostgreSQL connection defaults, Docker context and TLS selection,
    /// proxies (they would carry the child's traffic elsewhere) and CI OIDC token endpoints
    /// (they could mint a production JWT). <c>DOCKER_HOST</c> is kept when the guard allows it
    /// (a unix socket or loopback TCP) and refused otherwise; <c>HOME</c> is left alone.
    /// </summary>
    public static readonly IReadOnlyList<string> BuiltInScrubbedVariables =
    [
        "VAULT_*", "BAO_*", "KUBECONFIG", "HELM_KUBE*", "PG*",
        "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY",
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy",
        "ACTIONS_ID_TOKEN_REQUEST_*",
    ];

    private static readonly Glob[] BuiltInScrubGlobs = [.. BuiltInScrubbedVariables.Select(p => { Glob.TryCreate(p, out var g, out _); return g!; })];

    private static readonly Regex HostLike = new(@"[A-Za-z0-9\u0080-\uFFFF%](?:[A-Za-z0-9\u0080-\uFFFF%._-]*[A-Za-z0-9\u0080-\uFFFF])?", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// Returns <paramref name="command"/> with the per-tool environment of <see cref="ChildEnvironment(string, string?)"/>
    /// (variables the caller set explicitly on the command are kept after they are checked), or
    /// refuses it when an argument or an explicit variable names a denylisted host, address, URL,
    /// kube context or file; uses a kubeconfig other than <paramref name="kubeconfigPath"/> or the
    /// default <c>~/.kube/config</c>; or asks k3d to update the default kubeconfig or switch its context.
    /// </summary>
    /// <param name="command">The CliWrap command to guard.</param>
    /// <param name="caller">Who runs it, for the audit log.</param>
    /// <param name="kubeconfigPath">The sandbox's private kubeconfig, or <see langword="null"/> when the command needs none.</param>
    /// <exception cref="GuardBlockedException">The command is refused; it was not started.</exception>
    public Command GuardCommand(Command command, string caller, string? kubeconfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        var args = SplitArguments(command.Arguments);
        var environment = JudgeChild(command.TargetFilePath, args, command.EnvironmentVariables, command.WorkingDirPath, caller, kubeconfigPath);
        Record(caller, GuardDecision.Allow(Path.GetFileName(command.TargetFilePath), GuardRules.ChildProcess, $"{args.Count} arguments checked; environment scrubbed."));
        return command.WithEnvironmentVariables(environment);
    }

    /// <summary>
    /// Judges a program the process runtime starts detached (its own session, output appended to
    /// <paramref name="logFile"/>, no shell in between) by that program's own rules, exactly as
    /// <see cref="GuardCommand"/> judges it, and returns the <b>whole</b> environment it is to be
    /// started with: this process's variables with the per-tool allow-list of
    /// <see cref="ChildEnvironment(string, string?)"/> applied, plus <c>PWD</c> = the working
    /// directory (what a shell exported to the programs it started). The log file and the working
    /// directory pass the file guard first. The decision is recorded in the audit log.
    /// </summary>
    /// <param name="program">The executable (a path, or a name looked up on <c>PATH</c>).</param>
    /// <param name="arguments">Its arguments, without the program itself.</param>
    /// <param name="logFile">The file its standard output and error are appended to.</param>
    /// <param name="workingDirectory">The folder it starts in.</param>
    /// <param name="caller">Who starts it, for the audit log.</param>
    /// <exception cref="GuardBlockedException">The program, an argument, the log file or the working directory is refused; nothing was started.</exception>
    public IReadOnlyDictionary<string, string> GuardDetachedLaunch(string program, IReadOnlyList<string> arguments, string logFile, string workingDirectory, string caller)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrEmpty(logFile);
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        var exe = Path.GetFileName(program);
        foreach (var (path, where) in new[] { (logFile, "the log file"), (workingDirectory, "the working directory") })
        {
            var file = CheckChildFile(path);
            if (!file.Allowed)
            {
                throw GuardBlockedException.ChildRefused(Record(caller, file), caller, exe, $"{where} ('{path}')");
            }
        }

        var args = arguments.ToList();
        var overrides = JudgeChild(program, args, new Dictionary<string, string?>(), workingDirectory, caller, kubeconfigPath: null);
        var environment = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!overrides.ContainsKey(name))
            {
                environment[name] = (string?)entry.Value ?? string.Empty;
            }
        }

        foreach (var (name, value) in overrides)
        {
            if (value is not null)
            {
                environment[name] = value;
            }
        }

        environment["PWD"] = Path.GetFullPath(workingDirectory);
        Record(caller, GuardDecision.Allow(exe, GuardRules.ChildProcess, $"Detached launch: {args.Count} arguments checked; environment scrubbed; log file and working directory checked."));
        return environment;
    }

    /// <summary>
    /// The judgement <see cref="GuardCommand"/> and <see cref="GuardDetachedLaunch"/> share: refuses the
    /// program or one of its arguments or explicit variables, else returns the environment overrides
    /// (a <see langword="null"/> value removes the variable). Records refusals only.
    /// </summary>
    private Dictionary<string, string?> JudgeChild(string targetFilePath, List<string> args, IReadOnlyDictionary<string, string?> explicitVariables, string? workingDirectory, string caller, string? kubeconfigPath)
    {
        var exe = Path.GetFileName(targetFilePath);
        var privateKubeconfig = kubeconfigPath is null ? null : GuardPaths.Normalize(kubeconfigPath);
        var defaultKubeconfig = GuardPaths.Normalize("~/.kube/config");

        void Refuse(GuardDecision decision, string where)
        {
            throw GuardBlockedException.ChildRefused(Record(caller, decision), caller, exe, where);
        }

        var (tool, program, first) = ClassifyChild(exe, args, Refuse);
        var syntax = ToolSyntax.For(program);
        if (Array.IndexOf(Interpreters, program) >= 0 && args.Skip(first).FirstOrDefault(a => !a.StartsWith('-')) is { } script)
        {
            var decision = CheckChildFile(script);
            if (!decision.Allowed)
            {
                Refuse(decision, $"the script ('{script}')");
            }
        }

        if (tool == ChildTools.VaultDouble)
        {
            // dotnet …/Sandbox.VaultDouble.dll ARGS: the double takes Vault's flags.
            syntax = ToolSyntax.For("vault");
            first++;
        }

        // Every argument, as written and canonicalised (NFKC case folding: 'vault.ⓐrcodange.lab' is
        // 'vault.arcodange.lab' to a child that maps it), is checked against the denylist.
        for (var i = 0; i < args.Count; i++)
        {
            var where = $"argument {i + 1} ('{args[i]}')";
            var folded = Uts46.Fold(args[i]);
            if (folded is null)
            {
                Refuse(GuardDecision.Block(args[i], GuardRules.InvalidTarget, "The argument has non-ASCII characters and the system's ICU (libicuuc), which the guard maps them with, is missing; install libicu."), where);
            }

            foreach (var text in folded == args[i] ? [args[i]] : new[] { args[i], folded! })
            {
                foreach (var piece in Pieces(text))
                {
                    var decision = CheckChildValue(piece, privateKubeconfig, defaultKubeconfig, fullPolicyForUrls: false);
                    if (decision is not null)
                    {
                        Refuse(decision, where);
                    }
                }
            }
        }

        if (program == "kill")
        {
            CheckKillArguments(args, first, Refuse);
        }
        else if (program == "chown")
        {
            CheckChownArguments(args, first, Refuse);
        }
        else if (syntax is null)
        {
            CheckGenericFlags(exe, args, first, privateKubeconfig, Refuse);
        }
        else
        {
            CheckToolArguments(syntax, args, first, privateKubeconfig, Refuse);
        }

        if (tool == ChildTools.Dotnet)
        {
            CheckNuGetConfiguration(args, first, string.IsNullOrEmpty(workingDirectory) ? Directory.GetCurrentDirectory() : workingDirectory, GuardPaths.Home, Refuse);
        }

        if (program is "k3d" && args.Count >= first + 2 && args[first] == "cluster" && args[first + 1] == "create"
            && !args.Any(a => a.Equals("--kubeconfig-update-default=false", StringComparison.OrdinalIgnoreCase)))
        {
            Refuse(GuardDecision.Block("k3d cluster create", GuardRules.ForeignKubeconfig, "k3d updates ~/.kube/config by default; pass --kubeconfig-update-default=false --kubeconfig-switch-context=false."), "the arguments");
        }

        var environment = ChildEnvironmentFor(tool, privateKubeconfig, caller);
        foreach (var (name, value) in explicitVariables)
        {
            var where = $"the variable {name}";
            if (value is not null)
            {
                if (name == "KUBECONFIG" && (privateKubeconfig is null || !string.Equals(GuardPaths.Normalize(value), privateKubeconfig, StringComparison.Ordinal)))
                {
                    Refuse(GuardDecision.Block(value, GuardRules.ForeignKubeconfig, "KUBECONFIG may only name the sandbox's private kubeconfig."), where);
                }

                foreach (var piece in value.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
                {
                    var decision = CheckChildValue(piece, privateKubeconfig, defaultKubeconfig, fullPolicyForUrls: true);
                    if (decision is not null)
                    {
                        Refuse(decision, where);
                    }
                }
            }

            environment[name] = value;
        }

        return environment;
    }

    private bool IsScrubbed(string name)
    {
        foreach (var glob in BuiltInScrubGlobs)
        {
            if (glob.IsMatch(name))
            {
                return true;
            }
        }

        return Denylist.MatchEnv(name);
    }

    /// <summary>Returns a refusing decision when <paramref name="piece"/> names something refused, else null.</summary>
    private GuardDecision? CheckChildValue(string piece, string? privateKubeconfig, string defaultKubeconfig, bool fullPolicyForUrls)
    {
        if (piece.Length == 0)
        {
            return null;
        }

        if (piece.Contains("://", StringComparison.Ordinal))
        {
            var url = CheckUrlText(piece);
            var denyRule = url.Rule.Contains(':', StringComparison.Ordinal) && !url.Rule.StartsWith(GuardRules.AllowPrefix, StringComparison.Ordinal);
            if (!url.Allowed && (fullPolicyForUrls || denyRule))
            {
                return url;
            }
        }

        if (piece.StartsWith('/') || piece.StartsWith('~'))
        {
            var normalized = GuardPaths.Normalize(piece);
            if (string.Equals(normalized, defaultKubeconfig, StringComparison.OrdinalIgnoreCase) && normalized != privateKubeconfig)
            {
                return GuardDecision.Block(piece, GuardRules.ForeignKubeconfig, "The default kubeconfig (~/.kube/config) is never read or changed by the sandbox.");
            }

            var file = CheckFileCore(piece);
            if (!file.Allowed && file.Rule != GuardRules.InvalidTarget)
            {
                return file;
            }
        }

        foreach (Match m in HostLike.Matches(piece))
        {
            var candidate = m.Value;
            if (!candidate.Contains('.', StringComparison.Ordinal) && !(candidate.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || (candidate.Length >= 8 && candidate.All(char.IsAsciiDigit))))
            {
                continue;
            }

            if (HostCanonicalizer.TryCanonicalize(candidate, out var host, out var address))
            {
                if (address is not null)
                {
                    var a = CheckAddressCore(address, candidate);
                    if (!a.Allowed && a.Rule.StartsWith("addresses:", StringComparison.Ordinal))
                    {
                        return a;
                    }
                }
                else if (Denylist.MatchHost(host, out var hostRule))
                {
                    return GuardDecision.Block(candidate, hostRule, $"'{host}' is a denylisted production host.");
                }
            }
        }

        foreach (var v6 in piece.Split(['[', ']', '/', '=', ',', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (v6.Count(c => c == ':') >= 2 && IPAddress.TryParse(v6.Split('%')[0], out var address))
            {
                var a = CheckAddressCore(address, v6);
                if (!a.Allowed && a.Rule.StartsWith("addresses:", StringComparison.Ordinal))
                {
                    return a;
                }
            }
        }

        return null;
    }

    private static IEnumerable<string> Pieces(string arg)
    {
        yield return arg;
        foreach (var part in arg.Split(['=', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part != arg)
            {
                yield return part;
            }
        }
    }

    /// <summary>The full egress policy for an endpoint flag's value: a URL, host[:port] or unix socket path.</summary>
    private GuardDecision CheckEndpointValue(string value)
    {
        var v = value.Trim();
        if (v.StartsWith('/'))
        {
            var file = CheckFileCore(v);
            return file.Allowed ? GuardDecision.Allow(v, GuardRules.UnixSocket, "A unix socket path stays on this machine.") : file;
        }

        return v.Contains("://", StringComparison.Ordinal) ? CheckUrlText(v) : CheckHostCore(StripPort(v), v, out _);
    }

    private static (string? Flag, string? Value) SplitFlag(string arg, string? next, out bool consumesNext)
    {
        consumesNext = false;
        if (!arg.StartsWith('-') || arg == "-" || arg == "--")
        {
            return (null, null);
        }

        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            return (arg[..eq], arg[(eq + 1)..]);
        }

        if (next is not null && !next.StartsWith('-'))
        {
            consumesNext = true;
            return (arg, next);
        }

        return (arg, null);
    }

    /// <summary>Splits a CliWrap argument string the way CliWrap escaped it (double quotes, backslash escapes).</summary>
    internal static List<string> SplitArguments(string arguments)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var inQuotes = false;
        var any = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            var c = arguments[i];
            if (c == '\\' && i + 1 < arguments.Length && arguments[i + 1] is '"' or '\\')
            {
                current.Append(arguments[++i]);
                any = true;
            }
            else if (c == '"')
            {
                inQuotes = !inQuotes;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !inQuotes)
            {
                if (any)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (any)
        {
            result.Add(current.ToString());
        }

        return result;
    }
}
