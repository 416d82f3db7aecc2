namespace Sandbox.Harness.Faults.Internal;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014; Vigna's reference constants): a tiny PRNG whose
/// output is fully specified, so a chaos seed gives the same plan on every machine and .NET
/// version. <see cref="Random"/>'s algorithm is unspecified and has changed between releases.
/// Not for cryptography.
/// </summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        unchecked
        {
            _state += 0x9E3779B97F4A7C15UL;
            var z = _state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias (rejection sampling).</summary>
    public int NextBelow(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var n = (ulong)bound;
        var threshold = unchecked(0UL - n) % n; // 2^64 mod n: the short first bucket to reject.
        while (true)
        {
            var x = NextUInt64();
            if (x >= threshold)
            {
                return (int)(x % n);
            }
        }
    }

    /// <summary>A uniform integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int NextInclusive(int min, int max) => min + NextBelow(max - min + 1);
}
