using Sandbox.Harness.Reporting;
using Sandbox.Harness.Runtimes;

namespace Sandbox.Harness.Lab;

/// <summary>
/// What produced a report folder's scenarios (the command, the runtime and the Vault), from
/// <see cref="VaultSandbox.DescribeRun"/>. It outlives the sandbox, so a suite can compose its
/// report after every sandbox was disposed (e.g. in <c>[OneTimeTearDown]</c>).
/// </summary>
public sealed class RunDescription
{
    internal RunDescription(string command, RuntimeKind runtime, VaultFlavor vault)
    {
        Command = command;
        Runtime = runtime;
        Vault = vault;
    }

    /// <summary>What produced the run, e.g. <c>dotnet test</c>, shown in the report header.</summary>
    public string Command { get; }

    /// <summary>The runtime the sandbox ran on.</summary>
    public RuntimeKind Runtime { get; }

    /// <summary>Which Vault ran (the double says it is the double).</summary>
    public VaultFlavor Vault { get; }

    /// <summary>
    /// Composes a report folder into the evidence pack (<c>summary.json</c>, <c>junit.xml</c>,
    /// <c>report.html</c>), with every scenario recorded there by <see cref="ScenarioRecorder"/>.
    /// </summary>
    /// <param name="reportDirectory">The report folder (<see cref="VaultSandbox.ReportDirectory"/>).</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>What was written.</returns>
    public Task<EvidencePackResult> ComposeReportAsync(string reportDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reportDirectory);
        return EvidencePack.ComposeAsync(reportDirectory, ToRunInfo(), cancellationToken);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Command} on the {Runtime.ToString().ToLowerInvariant()} runtime against {Vault.Describe()}";

    internal RunInfo ToRunInfo() => new()
    {
        Command = Command,
        Runtime = Runtime.ToString().ToLowerInvariant(),
        Vault = Rehearsal.RehearsalRunner.ToVaultInfo(Vault),
    };
}
