using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    private static readonly string[] ContextFlags = ["--context", "--kube-context", "--kubecontext"];

    /// <summary>
    /// Flags whose value is the endpoint a program without a table (see <see cref="ToolSyntax"/>) will
    /// connect to. Their values get the full egress policy (loopback, unix sockets and <c>allow</c> entries only).
    /// </summary>
    private static readonly string[] EndpointFlags = ["--server", "--kube-apiserver", "--address", "-address", "--host", "-host", "--vault-addr"];

    /// <summary>Operands after which the next operand is a kube (or docker) context name: <c>kubectl config use-context X</c>.</summary>
    private static readonly string[] ContextOperandAfter = ["use-context", "set-context", "delete-context", "rename-context", "get-contexts"];

    /// <summary>Flag checks for a program the guard has no table for: the flags that name kubeconfigs, contexts and endpoints.</summary>
    private void CheckGenericFlags(string exe, List<string> args, int first, string? privateKubeconfig, Action<GuardDecision, string> refuse)
    {
        for (var i = first; i < args.Count; i++)
        {
            var arg = args[i];
            var (flag, value) = SplitFlag(arg, i + 1 < args.Count ? args[i + 1] : null, out _);
            var where = $"argument {i + 1} ('{arg}')";
            if (flag == "--kubeconfig")
            {
                CheckKubeconfigValue(value ?? arg, value is null, privateKubeconfig, where, refuse);
            }
            else if (flag is "--kubeconfig-update-default" or "--kubeconfig-switch-context" && !string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
            {
                refuse(GuardDecision.Block(arg, GuardRules.ForeignKubeconfig, $"{flag} would change the default kubeconfig (~/.kube/config); pass {flag}=false."), where);
            }
            else if (flag is not null && value is not null && (EndpointFlags.Contains(flag) || (exe == "docker" && flag == "-H")))
            {
                var decision = CheckEndpointValue(value);
                if (!decision.Allowed)
                {
                    refuse(decision, where);
                }
            }
            else if (flag is not null && ContextFlags.Contains(flag) && value is not null)
            {
                var decision = CheckKubeContextCore(value);
                if (!decision.Allowed)
                {
                    refuse(decision, where);
                }
            }
        }
    }

    /// <summary>
    /// Checks the arguments of a tool the guard has a table for: every flag must be in the table (in
    /// any spelling: <c>--flag=v</c>, <c>--flag v</c>, <c>-f v</c>, <c>-fv</c>, clustered switches
    /// <c>-it</c>, Go's <c>-flag=v</c>), and each value is judged by what it is.
    /// </summary>
    private void CheckToolArguments(ToolSyntax syntax, List<string> args, int first, string? privateKubeconfig, Action<GuardDecision, string> refuse)
    {
        var flagsEnded = false;
        var endAfterNextOperand = false;
        string? previousOperand = null;
        for (var i = first; i < args.Count; i++)
        {
            var arg = args[i];
            var where = $"argument {i + 1} ('{arg}')";
            if (flagsEnded || arg == "-" || !arg.StartsWith('-') || arg.Length == 1)
            {
                if (!flagsEnded)
                {
                    if (endAfterNextOperand)
                    {
                        // docker run IMAGE CMD...: what follows the image is the container's own command line.
                        flagsEnded = true;
                    }
                    else if (syntax.OperandEndsFlags is { } ends && Array.IndexOf(ends, arg) >= 0)
                    {
                        endAfterNextOperand = true;
                    }
                }

                var kind = previousOperand is not null && Array.IndexOf(ContextOperandAfter, previousOperand) >= 0 ? ArgKind.Context : syntax.Positional;
                if (!flagsEnded || kind == ArgKind.Context)
                {
                    CheckArgumentValue(syntax, kind, "(operand)", arg, privateKubeconfig, where, refuse);
                }

                previousOperand = arg;
                continue;
            }

            if (arg == "--")
            {
                flagsEnded = true;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal) || syntax.GoFlags)
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                var name = eq > 0 ? arg[..eq] : arg;
                if (syntax.GoFlags && name.StartsWith("--", StringComparison.Ordinal))
                {
                    name = name[1..];
                }

                var kind = KindOf(syntax, name, arg, where, refuse);
                var value = eq > 0 ? arg[(eq + 1)..] : null;
                if (kind == ArgKind.Switch)
                {
                    if (name is "--kubeconfig-update-default" or "--kubeconfig-switch-context" && !string.Equals(value, "false", StringComparison.OrdinalIgnoreCase))
                    {
                        refuse(GuardDecision.Block(arg, GuardRules.ForeignKubeconfig, $"{name} would change the default kubeconfig (~/.kube/config); pass {name}=false."), where);
                    }

                    continue;
                }

                value ??= NextValue(syntax, name, kind, args, ref i, where, refuse);
                CheckArgumentValue(syntax, kind, name, value, privateKubeconfig, where, refuse);
                continue;
            }

            // Short flags: -x, clustered switches -xyz, a value joined (-fFILE, -Htcp://…) or following.
            for (var j = 1; j < arg.Length; j++)
            {
                var name = "-" + arg[j];
                var kind = KindOf(syntax, name, arg, where, refuse);
                if (kind == ArgKind.Switch)
                {
                    continue;
                }

                var rest = arg[(j + 1)..];
                if (rest.StartsWith('='))
                {
                    rest = rest[1..];
                }

                var value = rest.Length > 0 ? rest : NextValue(syntax, name, kind, args, ref i, where, refuse);
                CheckArgumentValue(syntax, kind, name, value, privateKubeconfig, where, refuse);
                break;
            }
        }
    }

    private static ArgKind KindOf(ToolSyntax syntax, string name, string arg, string where, Action<GuardDecision, string> refuse)
    {
        if (!syntax.Flags.TryGetValue(name, out var kind))
        {
            refuse(GuardDecision.Block(arg, GuardRules.UnknownArgument, $"'{name}' is not a flag the guard knows for {syntax.Name}; it does not start a tool with an argument it cannot classify."), where);
        }

        if (kind == ArgKind.Refused)
        {
            refuse(GuardDecision.Block(arg, GuardRules.RefusedFlag, $"{syntax.Name} {name} makes the tool read configuration, run a program or follow a target the guard cannot see; it is never passed."), where);
        }

        return kind;
    }

    private static string NextValue(ToolSyntax syntax, string name, ArgKind kind, List<string> args, ref int i, string where, Action<GuardDecision, string> refuse)
    {
        if (i + 1 >= args.Count)
        {
            refuse(GuardDecision.Block(name, GuardRules.UnknownArgument, $"{syntax.Name} {name} needs a value and has none."), where);
        }

        var next = args[i + 1];
        if (next.Length > 1 && next.StartsWith('-') && kind != ArgKind.PostgresOptions && !char.IsAsciiDigit(next[1]))
        {
            refuse(GuardDecision.Block(name, GuardRules.UnknownArgument, $"{syntax.Name} {name} needs a value, but the next argument is the flag '{next}'; a flag is never taken as a value."), where);
        }

        i++;
        return next;
    }

    private void CheckArgumentValue(ToolSyntax syntax, ArgKind kind, string flag, string value, string? privateKubeconfig, string where, Action<GuardDecision, string> refuse)
    {
        void Must(GuardDecision decision)
        {
            if (!decision.Allowed)
            {
                refuse(decision, where);
            }
        }

        switch (kind)
        {
            case ArgKind.Endpoint when value.Trim().Length > 0:
                Must(CheckEndpointValue(value));
                break;
            case ArgKind.HostList:
                foreach (var part in value.Split([':', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (part != "*" && !part.All(char.IsAsciiDigit))
                    {
                        Must(CheckHostCore(part.Trim('[', ']'), part, out _));
                    }
                }

                break;
            case ArgKind.Context:
                Must(CheckKubeContextCore(value));
                break;
            case ArgKind.DockerContext when !string.Equals(value, "default", StringComparison.Ordinal):
                Must(GuardDecision.Block(value, GuardRules.ForeignContext, $"docker {flag} '{value}' would pick an endpoint from a docker context; the sandbox's docker config has only 'default' and passes its endpoint itself."));
                break;
            case ArgKind.DockerConfig when GuardPaths.Normalize(value) != EmptyDockerConfig():
                Must(GuardDecision.Block(value, GuardRules.ForeignContext, $"docker {flag} '{value}' would read another docker config (contexts, credentials); the guard pins its own empty one."));
                break;
            case ArgKind.Kubeconfig:
                CheckKubeconfigValue(value, false, privateKubeconfig, where, refuse);
                break;
            case ArgKind.File when value != "-":
                Must(CheckChildFile(value));
                break;
            case ArgKind.Data:
                foreach (var file in DataFiles(value))
                {
                    Must(CheckChildFile(file));
                }

                break;
            case ArgKind.Volume:
                var source = value.Split(':')[0];
                if (source.StartsWith('/') || source.StartsWith('~') || source.StartsWith('.'))
                {
                    Must(CheckChildFile(source));
                }

                break;
            case ArgKind.Mount:
                foreach (var pair in value.Split(',', StringSplitOptions.TrimEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0 && pair[..eq].ToLowerInvariant() is "source" or "src")
                    {
                        Must(CheckChildFile(pair[(eq + 1)..]));
                    }
                }

                break;
            case ArgKind.ConnInfo when LibpqConnInfo.LooksLikeConnInfo(value):
                Must(CheckConnInfo(value, flag));
                break;
            case ArgKind.PostgresOptions:
                var inner = SplitArguments(value);
                foreach (var piece in inner.SelectMany(Pieces))
                {
                    if (CheckChildValue(piece, privateKubeconfig, GuardPaths.Normalize("~/.kube/config"), fullPolicyForUrls: false) is { } d)
                    {
                        refuse(d, where);
                    }
                }

                CheckToolArguments(ToolSyntax.For("postgres")!, inner, 0, privateKubeconfig, refuse);
                break;
            case ArgKind.ApiPort when value.LastIndexOf(':') > 0:
                var host = value[..value.LastIndexOf(':')];
                Must(CheckHostCore(host.Trim('[', ']'), value, out _));
                break;
        }
    }

    private static void CheckKubeconfigValue(string value, bool missing, string? privateKubeconfig, string where, Action<GuardDecision, string> refuse)
    {
        if (missing || privateKubeconfig is null || !string.Equals(GuardPaths.Normalize(value), privateKubeconfig, StringComparison.Ordinal))
        {
            refuse(GuardDecision.Block(value, GuardRules.ForeignKubeconfig, privateKubeconfig is null
                ? "This command was given no private kubeconfig, so no --kubeconfig is allowed."
                : $"Only the sandbox's private kubeconfig ({privateKubeconfig}) may be used."), where);
        }
    }

    /// <summary>
    /// A file or folder a child would open, mount or read whole: the file guard; never the default
    /// kubeconfig; and never a folder that holds a denylisted file (a mount of <c>/</c>, of the home
    /// directory or of <c>~/.arcodange</c> would expose the key file without naming it).
    /// </summary>
    private GuardDecision CheckChildFile(string path)
    {
        var normalized = GuardPaths.Normalize(path);
        if (string.Equals(normalized, GuardPaths.Normalize("~/.kube/config"), StringComparison.OrdinalIgnoreCase))
        {
            return GuardDecision.Block(path, GuardRules.ForeignKubeconfig, "The default kubeconfig (~/.kube/config) is never read or changed by the sandbox.");
        }

        var file = CheckFileCore(path);
        if (!file.Allowed)
        {
            return file;
        }

        string real;
        try
        {
            real = new DirectoryInfo(normalized).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? normalized;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            real = normalized;
        }

        foreach (var folder in new[] { normalized, real }.Distinct())
        {
            foreach (var rule in _fileRules)
            {
                var denied = rule.Pattern is null ? rule.Normalized : rule.Normalized[..Math.Max(0, rule.Normalized.LastIndexOf('/', rule.Normalized.AsSpan().IndexOfAny("*?[")))];
                if (folder == "/" || denied.StartsWith(folder + "/", StringComparison.OrdinalIgnoreCase))
                {
                    return GuardDecision.Block(path, rule.Rule, $"'{folder}' holds the denylisted production file '{rule.Entry}'; a child reading or mounting it whole would reach that file.");
                }
            }
        }

        return file;
    }

    /// <summary>The files named in curl/helm data values: <c>@FILE</c>, <c>name=@FILE</c>, <c>name=&lt;FILE</c>, <c>name@FILE</c>, helm's <c>key=FILE</c>.</summary>
    private static IEnumerable<string> DataFiles(string value)
    {
        if (value.StartsWith('@'))
        {
            yield return value[1..];
            yield break;
        }

        var eq = value.IndexOf('=', StringComparison.Ordinal);
        var at = value.IndexOf('@', StringComparison.Ordinal);
        if (eq >= 0 && eq + 1 < value.Length && value[eq + 1] is '@' or '<')
        {
            yield return value[(eq + 2)..].Split(';')[0];
        }
        else if (at > 0 && (eq < 0 || at < eq))
        {
            yield return value[(at + 1)..];
        }
        else if (eq > 0 && (value[(eq + 1)..].StartsWith('/') || value[(eq + 1)..].StartsWith('~') || value[(eq + 1)..].StartsWith('.')))
        {
            yield return value[(eq + 1)..];
        }
    }

    /// <summary>
    /// A libpq connection string or URI a child would dial: every <c>host</c>/<c>hostaddr</c> entry gets the
    /// full egress policy (unix socket directories go through the file guard), file parameters go through
    /// the file guard, and a <c>service</c> (parameters read from a file the guard cannot judge) is refused.
    /// </summary>
    private GuardDecision CheckConnInfo(string value, string where)
    {
        if (!LibpqConnInfo.TryParse(value, out var parameters, out var error))
        {
            var named = FirstDenylistedHost(value);
            return named ?? GuardDecision.Block(value, GuardRules.InvalidTarget, $"The connection string in {where} does not parse ({error}), so where it would connect cannot be known; it is refused.");
        }

        foreach (var (key, v) in parameters)
        {
            if (Array.IndexOf(LibpqConnInfo.IndirectKeys, key) >= 0)
            {
                return GuardDecision.Block($"{key}={v}", GuardRules.ConnectionParameter, $"The connection string's {key}= takes host, port and credentials from a service file the guard cannot judge; pass host= and port= instead.");
            }

            if (Array.IndexOf(LibpqConnInfo.HostKeys, key) >= 0)
            {
                foreach (var entry in v.Split(',', StringSplitOptions.TrimEntries))
                {
                    var decision = entry.StartsWith('/') || entry.StartsWith('@')
                        ? (CheckFileCore(entry) is { Allowed: false } f ? f : GuardDecision.Allow(entry, GuardRules.UnixSocket, "A unix socket directory stays on this machine."))
                        : CheckHostCore(entry, entry, out _);
                    if (!decision.Allowed)
                    {
                        return decision with { Detail = $"The connection string's {key}= names '{entry}': {decision.Detail}" };
                    }
                }
            }
            else if (Array.IndexOf(LibpqConnInfo.FileKeys, key) >= 0 && CheckFileCore(v) is { Allowed: false } file)
            {
                return file with { Detail = $"The connection string's {key}= names '{v}': {file.Detail}" };
            }
        }

        return GuardDecision.Allow(value, GuardRules.Loopback, "Every host of the connection string is allowed.");
    }

    /// <summary>For a value that does not parse: the first denylisted host or address in it, so the refusal names it.</summary>
    private GuardDecision? FirstDenylistedHost(string value)
    {
        foreach (var piece in value.Split([' ', '=', ',', '\'', '@', '/', '?', '&'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (CheckChildValue(piece, null, string.Empty, fullPolicyForUrls: false) is { } d)
            {
                return d with { Detail = $"The connection string does not parse, and it names '{d.Target}': {d.Detail}" };
            }
        }

        return null;
    }
}
