using Npgsql;
using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Lab;

/// <summary>
/// The production guard of one <see cref="VaultSandbox"/>, for the user's own code: the same checks
/// the sandbox's processes, clients and files go through, with every decision written to the
/// sandbox's guard audit log. It cannot be switched off or loosened from here.
/// </summary>
public sealed class VaultSandboxGuard
{
    private readonly SandboxGuard _guard;

    internal VaultSandboxGuard(SandboxGuard guard)
    {
        _guard = guard;
    }

    /// <summary>Checks a URL (scheme, host after canonicalisation, address forms and URL prefixes).</summary>
    /// <param name="url">The URL.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    /// <returns>The verdict; <see cref="GuardDecision.Allowed"/> is <see langword="false"/> for production.</returns>
    public GuardDecision CheckUrl(Uri url, string caller) => _guard.CheckUrl(url, caller);

    /// <summary>Checks a URL given as text; a URL that does not parse is refused.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="caller">Who asks, for the audit log.</param>
    /// <returns>The verdict.</returns>
    public GuardDecision CheckUrl(string url, string caller) => _guard.CheckUrl(url, caller);

    /// <summary>
    /// An <see cref="HttpClient"/> that checks every request URL and every address it dials, and
    /// follows redirects only to allowed targets (dropping credentials when the host changes). A
    /// refused target raises <see cref="GuardBlockedException"/>; no byte is sent to it.
    /// </summary>
    /// <param name="caller">Who the client is for, for the audit log.</param>
    /// <param name="timeout">The request timeout. The default value is 100 seconds.</param>
    /// <returns>The client; dispose it.</returns>
    public HttpClient CreateHttpClient(string caller, TimeSpan? timeout = null) => _guard.CreateHttpClient(caller, timeout);

    /// <summary>
    /// A <see cref="SocketsHttpHandler"/> that checks the host and every address before dialling
    /// (no proxy, no redirects), for an <see cref="HttpClient"/> of the user's own.
    /// </summary>
    /// <param name="caller">Who the connections are for, for the audit log.</param>
    /// <returns>The handler.</returns>
    public SocketsHttpHandler CreateHttpHandler(string caller) => _guard.CreateHttpHandler(caller);

    /// <summary>An Npgsql data source that can only dial hosts and addresses the guard approved.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="caller">Who the data source is for, for the audit log.</param>
    /// <returns>The data source; dispose it.</returns>
    /// <exception cref="GuardBlockedException">A host, address or file is refused.</exception>
    public NpgsqlDataSource CreateNpgsqlDataSource(string connectionString, string caller) => _guard.CreateNpgsqlDataSource(connectionString, caller);
}
