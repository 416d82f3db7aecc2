namespace Sandbox.Harness.Guard;

/// <summary>
/// The names of the guard's built-in rules, as they appear in <see cref="GuardDecision.Rule"/>
/// and in the audit log. Denylist matches use <c>KEY:ENTRY</c> instead (for example
/// <c>hosts:*.arcodange.lab</c>), allow-list matches use <c>allow:ENTRY</c>.
/// </summary>
internal static class GuardRules
{
    /// <summary>A loopback address (127.0.0.0/8, ::1) or the name <c>localhost</c>.</summary>
    public const string Loopback = "loopback";

    /// <summary>A unix domain socket (<c>unix://</c> URL or a socket path).</summary>
    public const string UnixSocket = "unix-socket";

    /// <summary>Not loopback and not in the denylist's <c>allow</c> list: refused by default.</summary>
    public const string DefaultDeny = "default-deny";

    /// <summary>The target could not be parsed into something the guard can judge: refused.</summary>
    public const string InvalidTarget = "invalid-target";

    /// <summary>A URL scheme the guard does not know how to judge: refused.</summary>
    public const string UnsupportedScheme = "unsupported-scheme";

    /// <summary>A kube context or file that no denylist entry matches.</summary>
    public const string NotDenylisted = "not-denylisted";

    /// <summary>The user's default kubeconfig (<c>~/.kube/config</c>) or a kubeconfig other than the sandbox's own.</summary>
    public const string ForeignKubeconfig = "foreign-kubeconfig";

    /// <summary>An argument or variable of a child process that the guard refused.</summary>
    public const string ChildProcess = "child-process";

    /// <summary>A shell (or another interpreter) started with a command string or a script: refused, what it would run cannot be judged.</summary>
    public const string ShellCommand = "shell-command";

    /// <summary>A child-process argument the guard cannot classify for that tool (an unknown flag): refused.</summary>
    public const string UnknownArgument = "unknown-argument";

    /// <summary>A flag the guard never passes to that tool (it would read configuration, run a program or follow a target the guard cannot see).</summary>
    public const string RefusedFlag = "refused-flag";

    /// <summary>A docker context or docker config other than the sandbox's own.</summary>
    public const string ForeignContext = "foreign-context";

    /// <summary>A connection-string parameter that takes the target from somewhere the guard cannot judge (a libpq <c>service</c>).</summary>
    public const string ConnectionParameter = "connection-parameter";

    /// <summary>Prefix of the rules that come from a denylist <c>allow</c> entry.</summary>
    public const string AllowPrefix = "allow:";
}
