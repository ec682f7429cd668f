namespace Pinhole.Tools.Quantization;

/// <summary>An activation range chosen from a tensor's statistics.</summary>
public readonly record struct TensorRange(double Min, double Max)
{
    public static TensorRange Union(TensorRange a, TensorRange b) => new(Math.Min(a.Min, b.Min), Math.Max(a.Max, b.Max));
}

/// <summary>Chooses a tensor's range by the calibration method; the histogram methods fall back to min/max without a histogram.</summary>
public static class RangeEstimator
{
    public static TensorRange Estimate(TensorStatistics stats, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(options);
        if (stats.Count == 0) return new TensorRange(0, 0);
        var minMax = new TensorRange(stats.Min, stats.Max);
        if (!stats.HasHistogram || stats.Bound == 0) return minMax;
        return options.Method switch
        {
            CalibrationMethod.MinMax => minMax,
            CalibrationMethod.Percentile => PercentileRange.Estimate(stats, options.Percentile, options.Symmetric),
            CalibrationMethod.Entropy => EntropyRange.Estimate(stats, Levels(stats, options)),
            CalibrationMethod.Mse => MseRange.Estimate(stats, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Method, "unknown calibration method"),
        };
    }

    /// <summary>Quantization levels available to the magnitudes: all 256 for a one-sided tensor on an asymmetric grid, else 128.</summary>
    private static int Levels(TensorStatistics stats, QuantizationOptions options) => stats.Min >= 0 && !options.Symmetric ? 256 : 128;

    /// <summary>The magnitudes |x| folded into bins over [0, Bound].</summary>
    internal static long[] Folded(TensorStatistics stats)
    {
        var counts = stats.Counts;
        int half = counts.Length / 2;
        var folded = new long[half];
        for (int i = 0; i < half; i++) folded[i] = counts[half + i] + counts[half - 1 - i];
        return folded;
    }

    /// <summary>The range clipped symmetrically at a magnitude threshold, never wider than what was observed.</summary>
    internal static TensorRange Clip(TensorStatistics stats, double threshold) =>
        new(Math.Max(stats.Min, -threshold), Math.Min(stats.Max, threshold));
}
