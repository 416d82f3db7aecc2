using System.Globalization;

namespace Sandbox.Harness.Reporting;

/// <summary>
/// When a timing measured several times before and several times after a change counts as a
/// regression. A single sample each side says nothing on a busy machine (one slow scheduler slice
/// turns 122 ms into 460 ms), so the rule needs repeated samples and flags a regression only when
/// <b>all</b> of these hold:
/// <list type="number">
/// <item>each side has at least <see cref="MinimumSamples"/> samples (fewer: the noise cannot be
/// measured, the timing is shown but not judged);</item>
/// <item>the after median is at least <see cref="Factor"/> × the before median, and at least
/// <see cref="MinimumIncreaseMs"/> above it (the size of the change that matters);</item>
/// <item>the two sides do not overlap, with a margin: the <b>fastest</b> after sample exceeds the
/// <b>slowest</b> before sample by more than <see cref="NoiseMultiplier"/> × the measured noise,
/// where the noise is the larger of the two sides' scaled median absolute deviations
/// (1.4826 × MAD, a robust estimate of the standard deviation that one outlier does not move).</item>
/// </list>
/// The third condition is what makes it hold under noise: with 5 samples a side drawn from the same
/// distribution, the chance that every after sample is slower than every before sample is
/// 1 in C(10,5) = 252 (the exact one-sided Mann–Whitney test at U = 0) even before the margin, and a
/// single slow sample on the after side (or a single fast one before) is enough to keep the verdict.
/// </summary>
internal sealed record TimingRule
{
    /// <summary>The scale that turns a median absolute deviation into a standard-deviation estimate for normal data.</summary>
    public const double MadScale = 1.4826;

    /// <summary>Samples each side needs before a timing is judged. The default value is 3.</summary>
    public int MinimumSamples { get; init; } = 3;

    /// <summary>The after median must reach this multiple of the before median. The default value is 1.5.</summary>
    public double Factor { get; init; } = 1.5;

    /// <summary>…and exceed it by at least this many milliseconds. The default value is 250.</summary>
    public double MinimumIncreaseMs { get; init; } = 250;

    /// <summary>The margin between the sides, in units of the measured noise. The default value is 3.</summary>
    public double NoiseMultiplier { get; init; } = 3;

    /// <summary>Judges one timing.</summary>
    /// <param name="scenario">The scenario the timing belongs to.</param>
    /// <param name="timing">The timing's name.</param>
    /// <param name="before">The baseline samples, in milliseconds.</param>
    /// <param name="after">The samples after the change, in milliseconds.</param>
    /// <returns>The regression, or <see langword="null"/> when the rule does not flag one.</returns>
    /// <exception cref="ArgumentException">The rule's settings are out of range.</exception>
    public TimingRegression? Judge(string scenario, string timing, IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Validate();
        if (before.Count < MinimumSamples || after.Count < MinimumSamples)
        {
            return null;
        }

        var beforeMedian = Median(before);
        var afterMedian = Median(after);
        var noise = MadScale * Math.Max(MedianAbsoluteDeviation(before), MedianAbsoluteDeviation(after));
        var separated = after.Min() > before.Max() + (NoiseMultiplier * noise);
        if (afterMedian < beforeMedian * Factor || afterMedian - beforeMedian < MinimumIncreaseMs || !separated)
        {
            return null;
        }

        return new TimingRegression(scenario, timing, beforeMedian, afterMedian)
        {
            BeforeSamplesMs = [.. before],
            AfterSamplesMs = [.. after],
            NoiseMs = Math.Round(noise, 3),
        };
    }

    /// <summary>The rule in one line, for reasons and reports.</summary>
    /// <returns>The description.</returns>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"median at least {Factor:0.##}× and {MinimumIncreaseMs:0} ms slower, and the fastest sample after slower than the slowest before by more than {NoiseMultiplier:0.##}× the noise (1.4826 × MAD), with at least {MinimumSamples} samples a side");

    /// <summary>The median of the samples.</summary>
    /// <param name="samples">At least one sample.</param>
    /// <returns>The median.</returns>
    public static double Median(IReadOnlyList<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            throw new ArgumentException("The median of no samples is undefined.", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The median absolute deviation from the median (unscaled).</summary>
    /// <param name="samples">At least one sample.</param>
    /// <returns>The MAD.</returns>
    public static double MedianAbsoluteDeviation(IReadOnlyList<double> samples)
    {
        var median = Median(samples);
        return Median([.. samples.Select(s => Math.Abs(s - median))]);
    }

    private void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumSamples, 2, nameof(MinimumSamples));
        ArgumentOutOfRangeException.ThrowIfLessThan(Factor, 1.0, nameof(Factor));
        ArgumentOutOfRangeException.ThrowIfNegative(MinimumIncreaseMs, nameof(MinimumIncreaseMs));
        ArgumentOutOfRangeException.ThrowIfNegative(NoiseMultiplier, nameof(NoiseMultiplier));
    }
}
