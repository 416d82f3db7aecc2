using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using Sandbox.Harness.Keys;
using Sandbox.Harness.Lab;
using Sandbox.Harness.Runtimes;
using Sandbox.Harness.Vault;

namespace LabScenarios;

/// <summary>
/// Three scenarios an operator of the lab writes for themselves, each on a sandbox of its own
/// (process runtime: a machine with PostgreSQL's server binaries and .NET is enough), each
/// recorded in one report folder that the last step composes into the evidence pack.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LabScenarioTests
{
    private static readonly string ReportFolder = Path.Combine(Path.GetTempPath(), "lab-scenarios-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly string Home = Path.Combine(Path.GetTempPath(), "lab-home-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly List<string> Recorded = [];
    private static RunDescription? _run;

    private static VaultSandboxBuilder Lab() => new VaultSandboxBuilder()
        .WithRuntime(RuntimeKind.Process)
        .WithHome(Home)
        .WithReportDirectory(ReportFolder);

    [Test]
    [CancelAfter(180_000)]
    public async Task Webapp_DatabaseCredentials_SurviveAVaultRestart(CancellationToken cancellationToken)
    {
        await using var lab = await Lab().StartAsync(cancellationToken);
        _run ??= lab.DescribeRun("dotnet test samples/LabScenarios");
        var scenario = lab.BeginScenario("lab/webapp-db-creds-survive-restart");
        var passed = false;
        try
        {
            var app = await lab.LoginAsAppAsync("webapp", cancellationToken);
            var before = await lab.IssueDatabaseCredentialsAsync("webapp", app, cancellationToken);
            Assert.That(await lab.TryDatabaseLoginAsync(before, cancellationToken), Is.Null, "webapp logs in to PostgreSQL");

            scenario.Fault("kill -9 Vault");
            scenario.Mark("killed");
            await lab.RestartVaultAsync(kill: true, cancellationToken);
            Assert.That((await lab.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.True, "Vault comes back sealed");
            Assert.That(await lab.TryDatabaseLoginAsync(before, cancellationToken), Is.Null, "credentials issued before the restart still log in while Vault is sealed");

            await lab.UnsealFromKeyFileAsync(cancellationToken);
            scenario.Mark("unsealed");
            scenario.Measure("time_sealed", "killed", "unsealed");
            var again = await lab.LoginAsAppAsync("webapp", cancellationToken);
            var after = await lab.IssueDatabaseCredentialsAsync("webapp", again, cancellationToken);
            Assert.That(await lab.TryDatabaseLoginAsync(after, cancellationToken), Is.Null, "new credentials after the unseal log in");
            scenario.Asserted("old and new credentials log in; Vault unsealed from the key file");
            passed = true;
        }
        finally
        {
            await CompleteAsync(scenario, passed);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Ci_WritesItsOwnConfig_ButCannotReadAnotherApps(CancellationToken cancellationToken)
    {
        await using var lab = await Lab().StartAsync(cancellationToken);
        _run ??= lab.DescribeRun("dotnet test samples/LabScenarios");
        var scenario = lab.BeginScenario("lab/ci-writes-own-config-only");
        var passed = false;
        try
        {
            var ci = await lab.LoginAsCiAsync("webapp", cancellationToken);
            await ci.KvV2WriteAsync("kvv2", "webapp/config", new JsonObject { ["FEATURE_FLAG"] = "on" }, cancellationToken: cancellationToken);
            var read = await ci.KvV2ReadAsync("kvv2", "webapp/config", cancellationToken: cancellationToken);
            Assert.That(read?.Data?["FEATURE_FLAG"]?.GetValue<string>(), Is.EqualTo("on"), "gitea_cicd_webapp writes and reads kvv2/webapp/config");

            var denied = Assert.ThrowsAsync<VaultApiException>(() => ci.KvV2ReadAsync("kvv2", "erp/config", cancellationToken: cancellationToken));
            Assert.That((int)denied!.StatusCode, Is.EqualTo(403), "gitea_cicd_webapp cannot read erp's config");
            scenario.Asserted("CI of webapp: write+read own config, 403 on erp's");
            passed = true;
        }
        finally
        {
            await CompleteAsync(scenario, passed);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task LostKeyFile_LeavesVaultSealed_AndSaysWhichFile(CancellationToken cancellationToken)
    {
        await using var lab = await Lab().WithoutReplay().StartAsync(cancellationToken);
        _run ??= lab.DescribeRun("dotnet test samples/LabScenarios");
        var scenario = lab.BeginScenario("lab/lost-key-stays-sealed");
        var passed = false;
        try
        {
            scenario.Fault("the key file is lost, then Vault restarts");
            lab.LoseKeyFile();
            await lab.RestartVaultAsync(cancellationToken: cancellationToken);

            var error = Assert.ThrowsAsync<KeyFileException>(() => lab.UnsealFromKeyFileAsync(cancellationToken));
            Assert.That(error!.Message, Does.Contain(lab.KeyFile), "the error names the key file");
            Assert.That((await lab.Unauthenticated.GetSealStatusAsync(cancellationToken)).Sealed, Is.True, "without its key, Vault stays sealed");
            scenario.Asserted("unseal refused naming the key file; Vault sealed");
            passed = true;
        }
        finally
        {
            await CompleteAsync(scenario, passed);
        }
    }

    [OneTimeTearDown]
    public async Task TheReportHoldsEveryScenario()
    {
        try
        {
            if (_run is null)
            {
                return;
            }

            var pack = await _run.ComposeReportAsync(ReportFolder);
            using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(pack.SummaryPath));
            var names = summary.RootElement.GetProperty("scenarios").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
            Assert.That(names, Is.SupersetOf(Recorded), "every recorded scenario is in summary.json");
        }
        finally
        {
            if (Directory.Exists(Home))
            {
                Directory.Delete(Home, recursive: true);
            }
        }
    }

    private static async Task CompleteAsync(ScenarioRecorder scenario, bool passed)
    {
        await scenario.CompleteAsync(passed, passed ? null : TestContext.CurrentContext.Result.Message);
        Recorded.Add(scenario.Name);
    }
}
