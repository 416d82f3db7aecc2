using System.Security.Cryptography;
using Sandbox.Harness.Keys;

namespace Sandbox.Harness.Tests.Keys;

/// <summary>Random, valid key sets (never real keys) and their JSON.</summary>
internal static class KeyFileSamples
{
    public static SandboxKeys Random(int shares, int threshold, string rootToken = "hvs.sandboxroottoken")
    {
        var keys = Enumerable.Range(0, shares).Select(i => RandomNumberGenerator.GetBytes(shares == 1 ? 32 : 33)).ToArray();
        return new SandboxKeys
        {
            UnsealKeysB64 = keys.Select(Convert.ToBase64String).ToArray(),
            UnsealKeysHex = keys.Select(k => Convert.ToHexStringLower(k)).ToArray(),
            UnsealShares = shares,
            UnsealThreshold = threshold,
            RootToken = rootToken,
        };
    }

    /// <summary>A file as 'vault operator init -format=json' prints it for one share.</summary>
    public static string VaultCliOutput(string hex, string b64) => $$"""
        {
          "unseal_keys_b64": [
            "{{b64}}"
          ],
          "unseal_keys_hex": [
            "{{hex}}"
          ],
          "unseal_shares": 1,
          "unseal_threshold": 1,
          "recovery_keys_b64": [],
          "recovery_keys_hex": [],
          "recovery_keys_shares": 0,
          "recovery_keys_threshold": 0,
          "root_token": "hvs.CAESIexample"
        }
        """;
}
