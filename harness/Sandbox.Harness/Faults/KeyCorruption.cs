namespace Sandbox.Harness.Faults;

/// <summary>How <see cref="FaultKind.CorruptKeyFile"/> damages the key file.</summary>
internal enum KeyCorruption
{
    /// <summary>Cut the file in half. Printed <c>truncate</c>.</summary>
    Truncate,

    /// <summary>Replace the content with random bytes of the same length. Printed <c>garbage</c>.</summary>
    Garbage,

    /// <summary>Flip one bit of the key itself, keeping the file well-formed. Printed <c>flip-bit</c>.</summary>
    FlipBit,
}
