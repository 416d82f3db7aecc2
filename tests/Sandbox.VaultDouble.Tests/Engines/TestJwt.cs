using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Sandbox.VaultDouble.Tests.Engines;

/// <summary>Mints compact JWS tokens by hand, so tests control every header and claim.</summary>
internal static class TestJwt
{
    public static string Sign(RSA key, JsonObject claims, string alg = "RS256", string? kid = null)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        var signingInput = Base64UrlEncoder.Encode(header.ToJsonString()) + "." + Base64UrlEncoder.Encode(claims.ToJsonString());
        if (alg == "none")
        {
            return signingInput + ".";
        }

        var hash = alg switch
        {
            "RS384" or "PS384" => HashAlgorithmName.SHA384,
            "RS512" or "PS512" => HashAlgorithmName.SHA512,
            _ => HashAlgorithmName.SHA256,
        };
        var padding = alg.StartsWith("PS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), hash, padding);
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    public static long Now(int offsetSeconds = 0) => DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offsetSeconds;

    public static JsonObject Claims(string sub = "repo:app:ref:refs/heads/main", string aud = "https://vault.sandbox", string iss = "https://gitea.sandbox")
        => new()
        {
            ["iss"] = iss,
            ["sub"] = sub,
            ["aud"] = aud,
            ["repository"] = "arcodange/app",
            ["actor"] = "alice",
            ["iat"] = Now(-5),
            ["nbf"] = Now(-5),
            ["exp"] = Now(300),
        };
}

/// <summary>Keys generated once per test run (RSA generation is slow).</summary>
internal static class TestKeys
{
    public static RSA Rsa { get; } = RSA.Create(2048);

    public static RSA OtherRsa { get; } = RSA.Create(2048);
}
