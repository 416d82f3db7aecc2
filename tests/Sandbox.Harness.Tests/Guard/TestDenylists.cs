using Sandbox.Harness.Guard;

namespace Sandbox.Harness.Tests.Guard;

/// <summary>The denylist the guard tests run against: the lab's production entries plus test-only ones.</summary>
internal static class TestDenylists
{
    public const string Yaml = """
        hosts: [vault.arcodange.lab, gitea.arcodange.lab, "*.arcodange.lab", prod-db.internal]
        addresses: [192.168.1.0/24, 10.43.0.10, "fd00::/8", 127.0.0.2, 10.42.0.0/16]
        urls: ["https://gitea.arcodange.lab/api/", "http://127.0.0.1:8300/v1/sys/"]
        kubeContexts: ["arcodange*", prod]
        files: ["~/.arcodange/cluster-keys.json", "/etc/vault.d/"]
        env: [VAULT_ADDR, "GITEA_*", SANDBOX_TEST_SECRET]
        allow: [build-cache.internal, 203.0.113.0/24, "*.allowed.test", 192.168.1.77]
        """;

    public static Denylist Lab() => Denylist.Parse(Yaml, "test-denylist.yaml");

    public static SandboxGuard Guard(Denylist? denylist = null) => new(denylist ?? Lab(), GuardAuditLog.InMemory());
}
