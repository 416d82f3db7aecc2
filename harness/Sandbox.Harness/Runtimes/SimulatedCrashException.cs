namespace Sandbox.Harness.Runtimes;

/// <summary>Thrown by a test's step hook to abandon <c>up</c> as a kill -9 would: nothing is torn down.</summary>
internal sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException(UpStep step)
        : base($"simulated crash at {step}")
    {
        Step = step;
    }

    public SimulatedCrashException()
    {
    }

    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public UpStep Step { get; }
}
