using System.Text.RegularExpressions;
using Sandbox.Harness.Tests.Fuzz;
using Sandbox.VaultDouble.Config;

namespace Sandbox.VaultDouble.Tests.Core;

/// <summary>
/// The double's server config loader survives 10,000 mutated configs (HCL structure, truncations, byte
/// flips): it accepts them or refuses them with a <see cref="ConfigException"/> naming the file, the
/// line and the column — never another exception, which would end the double with a stack trace.
/// </summary>
[TestFixture]
[Category("Fuzz")]
public sealed class ConfigLoaderFuzzTests
{
    private const string ProcessRuntimeConfig = """
        # Written by Sandbox for sandbox 'fuzz'. Loopback only, file storage, not dev mode.
        storage "file" {
          path = "vault-data"
        }
        listener "tcp" {
          address     = "127.0.0.1:8200"
          tls_disable = true
        }
        api_addr      = "http://127.0.0.1:8200"
        disable_mlock = true
        ui            = false

        """;

    private const string RichConfig = """
        # comment
        storage "file" { path = "data" }   // relative to the config file
        /* block
           comment */
        listener "tcp" { address = "[::1]:8300" tls_disable = "true" max_request_size = 1024 }
        api_addr = "http://[::1]:8300"
        default_lease_ttl = "1h"
        max_lease_ttl = 7200
        disable_mlock = true
        ui = false
        cluster_name = "ignored"
        telemetry {
          note = <<EOF
        kept
        EOF
        }
        """;

    [Test]
    [CancelAfter(300_000)]
    public void Load_MutatedConfigs_AreAcceptedOrRefusedWithAConfigException(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("vault-double-fuzz-").FullName;
        try
        {
            var file = Path.Combine(folder, "fuzzed-vault.hcl");
            var outcome = LoaderFuzz.Run(
                [ProcessRuntimeConfig, RichConfig],
                InputDialect.Hcl,
                text =>
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    LoaderFuzz.WriteFile(file, text);
                    _ = ConfigLoader.Load(file);
                },
                e => e is ConfigException);

            Assert.Multiple(() =>
            {
                Assert.That(outcome.Crashes, Is.Empty, outcome.Report());
                Assert.That(outcome.Refused, Is.GreaterThan(LoaderFuzz.Inputs / 10), "the mutations reach the loader's error paths: " + outcome.Report());
                Assert.That(outcome.Messages.Where(m => !Regex.IsMatch(m, "^" + Regex.Escape(file) + @":[1-9][0-9]*:[1-9][0-9]*: \S")).Take(5), Is.Empty, "every refusal starts with file:line:column");
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
