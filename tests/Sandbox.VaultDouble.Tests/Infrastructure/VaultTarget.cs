using System.Text.Json.Nodes;

namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>
/// The server under test: by default a fresh double (initialized 1-of-1 and unsealed); with
/// <c>VAULT_ADDR</c> and <c>VAULT_TOKEN</c> set, an existing real Vault (and <c>VAULT_UNSEAL_KEY</c>
/// for the seal tests). Results against the double are results about the double only.
/// </summary>
public sealed class VaultTarget : IAsyncDisposable
{
    private VaultTarget(VaultHttp http, string rootToken, string? unsealKey, DoubleProcess? process)
    {
        Http = http;
        RootToken = rootToken;
        UnsealKey = unsealKey;
        Server = process;
    }

    public static string? RealAddress => Environment.GetEnvironmentVariable("VAULT_ADDR") is { Length: > 0 } a && Environment.GetEnvironmentVariable("VAULT_TOKEN") is { Length: > 0 } ? a : null;

    public static bool UsesRealVault => RealAddress is not null;

    public VaultHttp Http { get; }

    public string RootToken { get; }

    public string? UnsealKey { get; }

    public DoubleProcess? Server { get; }

    public static async Task<VaultTarget> StartAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? environment = null)
    {
        if (RealAddress is { } addr)
        {
            return new VaultTarget(new VaultHttp(new Uri(addr)), Environment.GetEnvironmentVariable("VAULT_TOKEN")!, Environment.GetEnvironmentVariable("VAULT_UNSEAL_KEY"), null);
        }

        var process = await DoubleProcess.StartAsync(cancellationToken, environment: environment);
        var http = new VaultHttp(process.Address);
        var init = await http.PutAsync("sys/init", new JsonObject { ["secret_shares"] = 1, ["secret_threshold"] = 1 }, null, cancellationToken);
        if (init.Code != 200)
        {
            throw new InvalidOperationException("init failed: " + init);
        }

        var key = init.Json!["keys"]![0]!.GetValue<string>();
        var unseal = await http.PutAsync("sys/unseal", new JsonObject { ["key"] = key }, null, cancellationToken);
        if (unseal.Code != 200 || unseal.Json!["sealed"]!.GetValue<bool>())
        {
            throw new InvalidOperationException("unseal failed: " + unseal);
        }

        return new VaultTarget(http, init.Json["root_token"]!.GetValue<string>(), key, process);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
