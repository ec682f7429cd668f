namespace Pinhole.Tools.Quantization;

/// <summary>
/// Percentile calibration: the range keeps <c>percentile</c> percent of the observed values. Asymmetric grids clip
/// (100 - p) / 2 percent of the values from each tail; symmetric grids clip the largest (100 - p) percent of magnitudes.
/// </summary>
internal static class PercentileRange
{
    public static TensorRange Estimate(TensorStatistics stats, double percentile, bool symmetric)
    {
        if (percentile is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "must be in (0, 100]");
        double binWidth = 2 * stats.Bound / stats.Counts.Length;
        if (symmetric)
        {
            var folded = RangeEstimator.Folded(stats);
            long total = folded.Sum();
            long keep = (long)Math.Ceiling(total * percentile / 100);
            long seen = 0;
            for (int i = 0; i < folded.Length; i++)
            {
                seen += folded[i];
                if (seen >= keep) return RangeEstimator.Clip(stats, (i + 1) * binWidth);
            }
            return new TensorRange(stats.Min, stats.Max);
        }
        var counts = stats.Counts;
        long all = 0;
        foreach (long c in counts) all += c;
        long tail = (long)Math.Floor(all * (100 - percentile) / 100 / 2);
        int low = 0, high = counts.Length - 1;
        for (long below = 0; low < counts.Length - 1 && below + counts[low] <= tail; low++) below += counts[low];
        for (long above = 0; high > 0 && above + counts[high] <= tail; high--) above += counts[high];
        double lower = -stats.Bound + low * binWidth, upper = -stats.Bound + (high + 1) * binWidth;
        return new TensorRange(Math.Max(stats.Min, lower), Math.Min(stats.Max, Math.Max(upper, lower)));
    }
}
