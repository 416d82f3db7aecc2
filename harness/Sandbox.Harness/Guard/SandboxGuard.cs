using System.Net;
using System.Net.Sockets;
using Sandbox.Harness.Guard.Internal;

namespace Sandbox.Harness.Guard;

/// <summary>
/// The fail-closed production guard. Every HTTP, PostgreSQL and child-process client the harness
/// makes comes from here, and every file the harness opens on a user's behalf is checked here.
/// Default egress is loopback (127.0.0.0/8, ::1) and unix sockets only; other hosts and addresses
/// need an <c>allow</c> entry, and a denylist match always wins over an allow. Every decision is
/// recorded in <see cref="Audit"/>. There is no switch, flag or variable that turns it off.
/// </summary>
internal sealed partial class SandboxGuard
{
    private const string LoopbackDetail = "The address is loopback (127.0.0.0/8 or ::1).";

    private readonly TimeProvider _time;
    private readonly List<FileRule> _fileRules;
    private readonly List<((ulong Device, ulong Inode) Identity, string Rule)> _deniedIdentities;

    /// <summary>Creates the guard.</summary>
    /// <param name="denylist">The denylist (see <see cref="Denylist.Resolve"/>).</param>
    /// <param name="audit">Where decisions are recorded.</param>
    /// <param name="timeProvider">The clock for audit entries. The default value is <see cref="TimeProvider.System"/>.</param>
    public SandboxGuard(Denylist denylist, GuardAuditLog audit, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(denylist);
        ArgumentNullException.ThrowIfNull(audit);
        Denylist = denylist;
        Audit = audit;
        _time = timeProvider ?? TimeProvider.System;
        _fileRules = ResolveFileRules(denylist.FileRules);
        _deniedIdentities = DeniedIdentities(_fileRules);
    }

    /// <summary>The denylist in force.</summary>
    public Denylist Denylist { get; }

    /// <summary>The audit log every decision is written to.</summary>
    public GuardAuditLog Audit { get; }

    /// <summary>Checks a URL (scheme, host after canonicalisation, address forms and URL prefixes).</summary>
    /// <param name="url">The URL.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckUrl(Uri url, string caller)
    {
        ArgumentNullException.ThrowIfNull(url);
        return Record(caller, CheckUrlCore(url, url.OriginalString));
    }

    /// <summary>Checks a URL given as text; a URL that does not parse is blocked.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckUrl(string url, string caller) => Record(caller, CheckUrlText(url));

    /// <summary>Checks a host name or address literal in any spelling.</summary>
    /// <param name="host">The host.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckHost(string host, string caller) => Record(caller, CheckHostCore(host, host, out _));

    /// <summary>Checks an IP address.</summary>
    /// <param name="address">The address.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckAddress(IPAddress address, string caller)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Record(caller, CheckAddressCore(address, address.ToString()));
    }

    /// <summary>
    /// Checks a connection about to be made: the host name that was asked for and the address
    /// it resolved to. Both must pass; a name allowed by an <c>allow</c> entry may resolve to a
    /// non-loopback address unless that address is denylisted.
    /// </summary>
    /// <param name="host">The name (or literal) that was asked for.</param>
    /// <param name="connected">The address about to be dialled.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckEndPoint(string host, IPAddress connected, string caller)
    {
        ArgumentNullException.ThrowIfNull(connected);
        return Record(caller, CheckEndPointCore(host, connected));
    }

    /// <summary>Checks a kube context name against the <c>kubeContexts</c> globs.</summary>
    /// <param name="context">The context name.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckKubeContext(string context, string caller) => Record(caller, CheckKubeContextCore(context));

    /// <summary>
    /// Checks a file path against the <c>files</c> entries, after <c>~</c> expansion, normalisation
    /// and resolution of symlinks in its parent directories. A path that is denylisted as written is
    /// refused without any file-system call; the denied file itself is never touched.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckFile(string path, string caller) => Record(caller, CheckFileCore(path));

    /// <summary>
    /// Checks a target written as on the command line: a URL (<c>scheme://…</c>), a host, an IP
    /// address, <c>host:port</c>, <c>[v6]:port</c>, <c>context:NAME</c> or <c>file:PATH</c>.
    /// </summary>
    /// <param name="target">The target.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    public GuardDecision CheckTarget(string target, string caller)
    {
        ArgumentNullException.ThrowIfNull(target);
        var t = target.Trim();
        GuardDecision decision;
        if (t.StartsWith("context:", StringComparison.OrdinalIgnoreCase))
        {
            decision = CheckKubeContextCore(t["context:".Length..]);
        }
        else if (t.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !t.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            decision = CheckFileCore(t["file:".Length..]);
        }
        else if (t.Contains("://", StringComparison.Ordinal))
        {
            decision = CheckUrlText(t);
        }
        else
        {
            decision = CheckHostCore(StripPort(t), t, out _);
        }

        return Record(caller, decision with { Target = target });
    }

    /// <summary>Throws when <paramref name="decision"/> refuses its target.</summary>
    /// <param name="decision">A decision from one of the Check methods.</param>
    /// <exception cref="GuardBlockedException">The decision is a refusal.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the guard's instance API on purpose: callers hold a guard, not a type.")]
    public void Ensure(GuardDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.Allowed)
        {
            throw GuardBlockedException.Blocked(decision, "the harness");
        }
    }

    internal static void Ensure(GuardDecision decision, string caller)
    {
        if (!decision.Allowed)
        {
            throw GuardBlockedException.Blocked(decision, caller);
        }
    }

    internal GuardDecision Record(string caller, GuardDecision decision)
    {
        Audit.Record(_time.GetUtcNow(), caller, decision);
        return decision;
    }

    private GuardDecision CheckUrlText(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return GuardDecision.Block(url ?? string.Empty, GuardRules.InvalidTarget, "An empty URL cannot be checked.");
        }

        if (Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            return CheckUrlCore(uri, url);
        }

        // Not parseable as written. Decode once to learn whether it hides a denylisted target (to
        // name the right rule); it is blocked either way.
        var decoded = Uri.UnescapeDataString(url.Trim());
        if (decoded != url && Uri.TryCreate(decoded, UriKind.Absolute, out var decodedUri))
        {
            var inner = CheckUrlCore(decodedUri, url);
            if (!inner.Allowed && inner.Rule != GuardRules.DefaultDeny)
            {
                return inner;
            }
        }

        return GuardDecision.Block(url, GuardRules.InvalidTarget, "The URL does not parse, so where it would go cannot be known; it is refused.");
    }

    private GuardDecision CheckUrlCore(Uri uri, string target)
    {
        if (!uri.IsAbsoluteUri)
        {
            return GuardDecision.Block(target, GuardRules.InvalidTarget, "A relative URL has no host to check.");
        }

        var scheme = uri.Scheme.ToLowerInvariant();
        switch (scheme)
        {
            case "unix":
                var socketPath = Uri.UnescapeDataString(uri.AbsolutePath);
                var file = CheckFileCore(socketPath);
                return file.Allowed
                    ? GuardDecision.Allow(target, GuardRules.UnixSocket, "A unix domain socket stays on this machine.")
                    : file with { Target = target };
            case "file":
                return CheckFileCore(uri.LocalPath) with { Target = target };
        }

        if (Array.IndexOf(UrlKey.NetworkSchemes, scheme) < 0)
        {
            return GuardDecision.Block(target, GuardRules.UnsupportedScheme, $"The guard only judges {string.Join(", ", UrlKey.NetworkSchemes)}, unix and file URLs; '{scheme}' is refused.");
        }

        var host = CheckHostCore(uri.Host, target, out _, out var canonicalHost);
        if (!host.Allowed && host.Rule != GuardRules.DefaultDeny)
        {
            return host;
        }

        // The full canonical URL (path decoding, dot segments) is only built when a URL rule names this host.
        if (Denylist.HasUrlRules && Denylist.HasUrlRuleFor(canonicalHost) && UrlKey.TryCreate(uri, out var key, out _) && Denylist.MatchUrl(key, out var rule))
        {
            return GuardDecision.Block(target, rule, $"The URL starts with a denylisted production prefix ({key.Scheme}://{key.Host}:{key.Port}{key.Path}).");
        }

        return host;
    }

    private GuardDecision CheckHostCore(string? host, string target, out IPAddress? address) =>
        CheckHostCore(host, target, out address, out _);

    private GuardDecision CheckHostCore(string? host, string target, out IPAddress? address, out string canonical)
    {
        if (!HostCanonicalizer.TryCanonicalize(host, out canonical, out address))
        {
            return GuardDecision.Block(target, GuardRules.InvalidTarget, $"'{host}' is not a host name or address the guard can read; it is refused.");
        }

        if (address is not null)
        {
            return CheckAddressCore(address, target);
        }

        if (Denylist.MatchHost(canonical, out var rule))
        {
            return GuardDecision.Block(target, rule, $"'{canonical}' is a denylisted production host.");
        }

        if (canonical == "localhost" || canonical.EndsWith(".localhost", StringComparison.Ordinal))
        {
            return GuardDecision.Allow(target, GuardRules.Loopback, "localhost names loopback; the connected address is checked again at connect time.");
        }

        if (Denylist.MatchAllowHost(canonical, out rule))
        {
            return GuardDecision.Allow(target, rule, $"'{canonical}' is explicitly allowed; its addresses are checked at connect time.");
        }

        return GuardDecision.Block(target, GuardRules.DefaultDeny, $"'{canonical}' is not loopback and not in the denylist's 'allow' list; the sandbox reaches only loopback and unix sockets by default.");
    }

    private GuardDecision CheckAddressCore(IPAddress raw, string target)
    {
        var address = HostCanonicalizer.Normalize(raw);
        if (Denylist.MatchAddress(address, out var rule))
        {
            return GuardDecision.Block(target, rule, $"{address} is a denylisted production address.");
        }

        var embedded = HostCanonicalizer.EmbeddedIPv4(address);
        if (embedded is not null && Denylist.MatchAddress(embedded, out rule))
        {
            return GuardDecision.Block(target, rule, $"{address} embeds the denylisted production address {embedded} (IPv4-compatible, NAT64 or 6to4 form).");
        }

        if (IPAddress.IsLoopback(address))
        {
            return GuardDecision.Allow(target, GuardRules.Loopback, LoopbackDetail);
        }

        if (Denylist.MatchAllowAddress(address, out rule))
        {
            return GuardDecision.Allow(target, rule, $"{address} is explicitly allowed.");
        }

        var why = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            ? "the unspecified address reaches this machine through an address nobody chose"
            : "it is not loopback and not in the denylist's 'allow' list";
        return GuardDecision.Block(target, GuardRules.DefaultDeny, $"{address} is refused: {why}; the sandbox reaches only loopback and unix sockets by default.");
    }

    private GuardDecision CheckEndPointCore(string host, IPAddress connected)
    {
        var byName = CheckHostCore(host, host, out var literal);
        if (!byName.Allowed)
        {
            return byName;
        }

        var target = $"{host} -> {connected}";
        var byAddress = CheckAddressCore(connected, target);
        if (byAddress.Allowed)
        {
            return byAddress;
        }

        if (byAddress.Rule == GuardRules.DefaultDeny && literal is null && byName.Rule.StartsWith(GuardRules.AllowPrefix, StringComparison.Ordinal))
        {
            return GuardDecision.Allow(target, byName.Rule, $"'{host}' is explicitly allowed and {connected} is not denylisted.");
        }

        return byAddress;
    }

    private GuardDecision CheckKubeContextCore(string? context)
    {
        var c = context?.Trim() ?? string.Empty;
        if (c.Length == 0)
        {
            return GuardDecision.Block(c, GuardRules.InvalidTarget, "An empty kube context name cannot be checked.");
        }

        return Denylist.MatchKubeContext(c, out var rule)
            ? GuardDecision.Block(c, rule, $"'{c}' is a production kube context; use the sandbox's private kubeconfig and its own context.")
            : GuardDecision.Allow(c, GuardRules.NotDenylisted, $"'{c}' matches no denylisted context.");
    }

    private static string StripPort(string t)
    {
        if (t.StartsWith('['))
        {
            var close = t.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? t[..(close + 1)] : t;
        }

        var colon = t.LastIndexOf(':');
        if (colon > 0 && t.IndexOf(':', StringComparison.Ordinal) == colon && t[(colon + 1)..].All(char.IsAsciiDigit))
        {
            return t[..colon];
        }

        return t;
    }
}
