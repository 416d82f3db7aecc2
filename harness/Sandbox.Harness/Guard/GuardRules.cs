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

    /// <summary>A <c>kill</c> target other than a pid above 0 or a process group above 1: every process (<c>-1</c>), the caller's own group (<c>0</c>), a job (<c>%1</c>) or a name.</summary>
    public const string KillTarget = "kill-target";

    /// <summary>A flag the guard never passes to that tool (it would read configuration, run a program or follow a target the guard cannot see).</summary>
    public const string RefusedFlag = "refused-flag";

    /// <summary>A docker context or docker config other than the sandbox's own.</summary>
    public const string ForeignContext = "foreign-context";

    /// <summary>A connection-string parameter that takes the target from somewhere the guard cannot judge (a libpq <c>service</c>).</summary>
    public const string ConnectionParameter = "connection-parameter";

    /// <summary>
    /// Config guard: a value the sandbox Vault dials itself names a host and port that the sandbox does not
    /// run (any other loopback port included: whatever listens there, a redirect to production among them,
    /// is outside the guard's reach once Vault dials it).
    /// </summary>
    public const string ConfigNotSandboxEndpoint = "config-guard:not-sandbox-endpoint";

    /// <summary>Config guard: a <c>*.localhost</c> name, which the sandbox Vault would resolve with its own resolver.</summary>
    public const string ConfigLocalhostName = "config-guard:localhost-name";

    /// <summary>Config guard: a connection string with more than one host, address or port (libpq and pgx try each in turn).</summary>
    public const string ConfigMultiHost = "config-guard:multi-host";

    /// <summary>Config guard: a connection-string parameter that names a file (<c>sslrootcert</c>, <c>sslcert</c>, <c>sslkey</c>, <c>passfile</c>, <c>servicefile</c>, ...).</summary>
    public const string ConfigFileParameter = "config-guard:connection-file-parameter";

    /// <summary>Config guard: a connection-string <c>service</c>, whose host and port come from a service file.</summary>
    public const string ConfigServiceParameter = "config-guard:connection-service";

    /// <summary>Config guard: a connection string that names no host (the driver would pick one from its environment or a default socket).</summary>
    public const string ConfigNoHost = "config-guard:no-host";

    /// <summary>Config guard: a value that is neither an absolute URL nor a connection string the guard can read.</summary>
    public const string ConfigNotAUrl = "config-guard:not-a-url";

    /// <summary>Config guard: the value names an endpoint the sandbox itself runs (allowed).</summary>
    public const string ConfigSandboxEndpoint = "config-guard:sandbox-endpoint";

    /// <summary>Prefix of the rules that come from a denylist <c>allow</c> entry.</summary>
    public const string AllowPrefix = "allow:";

    /// <summary>A request body names a value a Vault dials itself in a form the config guard cannot read.</summary>
    public const string ConfigUncheckedWrite = "config-guard:unchecked-write";
}
