namespace Pinhole.Tools.Quantization;

/// <summary>
/// MSE calibration: among symmetric clipping thresholds at 1/200 steps of the largest magnitude, the one whose
/// quantization grid (as the options build it) gives the least expected squared error over the histogram, counting both
/// the rounding inside the range and the clipping outside.
/// </summary>
internal static class MseRange
{
    private const int Candidates = 200;

    public static TensorRange Estimate(TensorStatistics stats, QuantizationOptions options)
    {
        var counts = stats.Counts;
        double binWidth = 2 * stats.Bound / counts.Length;
        var best = new TensorRange(stats.Min, stats.Max);
        double bestError = double.PositiveInfinity;
        for (int k = Candidates; k >= 1; k--)
        {
            var range = RangeEstimator.Clip(stats, stats.Bound * k / Candidates);
            var p = QuantizationParameters.FromRange(range.Min, range.Max, options.ActivationType, options.Symmetric);
            double error = 0;
            for (int i = 0; i < counts.Length; i++)
            {
                if (counts[i] == 0) continue;
                double center = -stats.Bound + (i + 0.5) * binWidth;
                double d = center - p.Dequantize(p.Quantize(center));
                error += counts[i] * d * d;
            }
            if (error < bestError)
            {
                bestError = error;
                best = range;
            }
        }
        return best;
    }
}
