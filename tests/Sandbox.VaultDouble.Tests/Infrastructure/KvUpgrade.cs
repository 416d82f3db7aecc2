namespace Sandbox.VaultDouble.Tests.Infrastructure;

/// <summary>
/// A freshly enabled kv v2 mount upgrades itself in the background and answers 400
/// <see cref="Message"/> meanwhile (vault-plugin-secrets-kv upgrade.go). Tests that write right
/// after enabling one wait here, as a client of real Vault must.
/// </summary>
public static class KvUpgrade
{
    /// <summary>Vault's exact text.</summary>
    public const string Message = "Upgrading from non-versioned to versioned data. This backend will be unavailable for a brief period and will resume service shortly.";

    /// <summary>Polls <c>GET mount/config</c> until it is no longer the upgrade answer; returns how many upgrade answers were seen.</summary>
    public static async Task<int> WaitAsync(VaultHttp http, string token, string mount, CancellationToken ct)
    {
        for (var seen = 0; ; seen++)
        {
            var r = await http.GetAsync(mount.TrimEnd('/') + "/config", token, ct);
            if (!(r.Code == 400 && r.Errors.Contains(Message)))
            {
                return seen;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), ct);
        }
    }
}
