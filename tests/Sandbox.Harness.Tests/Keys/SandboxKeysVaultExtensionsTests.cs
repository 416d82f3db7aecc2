using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Tests.Support;
using Sandbox.Harness.Vault;

namespace Sandbox.Harness.Tests.Keys;

[TestFixture]
public sealed class SandboxKeysVaultExtensionsTests
{
    private static string Status(bool sealedState, int progress) =>
        $$"""{"type":"shamir","initialized":true,"sealed":{{(sealedState ? "true" : "false")}},"t":3,"n":5,"progress":{{progress}},"nonce":""}""";

    [Test]
    [CancelAfter(10_000)]
    public async Task UnsealWith_SendsThresholdSharesInOrder_AndStopsWhenUnsealed(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer((_, index, _) => Task.FromResult(CannedResponse.Json(200, Status(index < 3, index % 3))));
        using var http = new HttpClient();
        var keys = KeyFileSamples.Random(5, 3);

        var status = await new VaultClient(server.Address, http).UnsealWithAsync(keys, cancellationToken);

        Assert.That(status.Sealed, Is.False);
        Assert.That(server.Requests.Select(r => JsonNode.Parse(r.Body)!["key"]!.GetValue<string>()), Is.EqualTo(keys.UnsealKeysB64.Take(3)));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task UnsealWith_AWrongKey_SurfacesVaultsErrorAfterOneCall(CancellationToken cancellationToken)
    {
        await using var server = new LoopbackHttpServer(_ => CannedResponse.Json(400, """{"errors":["unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: cipher: message authentication failed"]}"""));
        using var http = new HttpClient();

        var ex = Assert.ThrowsAsync<VaultApiException>(() => new VaultClient(server.Address, http).UnsealWithAsync(KeyFileSamples.Random(1, 1), cancellationToken));

        Assert.That(ex!.HasError("invalid key"), Is.True);
        Assert.That(server.RequestCount, Is.EqualTo(1));
        await Task.CompletedTask;
    }
}
