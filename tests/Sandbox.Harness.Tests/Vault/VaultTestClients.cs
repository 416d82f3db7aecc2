using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Vault;

/// <summary>Clients with short timeouts and back-off so the error paths run fast.</summary>
internal static class VaultTestClients
{
    public const string Token = "hvs.TESTTOKENshouldNEVERappear";

    public static readonly VaultClientOptions FastOptions = new()
    {
        ReadAttemptTimeout = TimeSpan.FromSeconds(3),
        ReadTotalTimeout = TimeSpan.FromSeconds(10),
        ReadRetryCount = 2,
        ReadRetryBaseDelay = TimeSpan.FromMilliseconds(10),
        WriteTimeout = TimeSpan.FromSeconds(3),
    };

    public static VaultClient For(LoopbackHttpServer server, HttpClient http, VaultClientOptions? options = null, CapturingLogger? logger = null) =>
        new VaultClient(server.Address, http, TimeProvider.System, logger, options ?? FastOptions).WithToken(Token);

    public static VaultClient For(Uri address, HttpClient http, VaultClientOptions? options = null) =>
        new VaultClient(address, http, TimeProvider.System, null, options ?? FastOptions).WithToken(Token);
}
