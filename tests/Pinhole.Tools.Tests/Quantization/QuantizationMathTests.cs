using CsCheck;
using Pinhole.Tools.Quantization;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class QuantizationMathTests
{
    [Fact]
    public void Asymmetric_uint8_spans_the_range_and_keeps_zero_exact()
    {
        var p = QuantizationParameters.FromRange(-1, 3, DataType.UInt8, symmetric: false);
        Assert.Equal(4f / 255, p.Scale, 6);
        Assert.Equal(64, p.ZeroPoint);
        Assert.Equal(0, p.Dequantize(p.ZeroPoint));
        Assert.Equal(0, p.Quantize(-5));
        Assert.Equal(255, p.Quantize(100));
    }

    [Fact]
    public void Symmetric_int8_has_zero_point_zero_and_scale_from_the_larger_magnitude()
    {
        var p = QuantizationParameters.FromRange(-2, 1, DataType.Int8, symmetric: true);
        Assert.Equal(0, p.ZeroPoint);
        Assert.Equal(2f / 127, p.Scale, 6);
        var u = QuantizationParameters.FromRange(-2, 1, DataType.UInt8, symmetric: true);
        Assert.Equal(128, u.ZeroPoint);
    }

    [Fact]
    public void A_range_without_zero_is_widened_and_a_zero_range_gets_scale_one()
    {
        var p = QuantizationParameters.FromRange(2, 5, DataType.UInt8, symmetric: false);
        Assert.Equal(0, p.ZeroPoint);
        Assert.Equal(5f / 255, p.Scale, 6);
        var z = QuantizationParameters.FromRange(0, 0, DataType.Int8, symmetric: false);
        Assert.Equal(1f, z.Scale);
        Assert.Throws<ArgumentException>(() => QuantizationParameters.FromRange(1, 0, DataType.UInt8, false));
        Assert.Throws<ArgumentException>(() => QuantizationParameters.FromRange(0, 1, DataType.Int16, false));
    }

    [Fact]
    public void Round_trip_error_is_at_most_half_a_step_inside_the_range() =>
        Gen.Select(Gen.Double[-100, 0], Gen.Double[0.001, 100], Gen.Double[0, 1], Gen.Bool, Gen.Bool).Sample((min, max, at, signed, symmetric) =>
        {
            var p = QuantizationParameters.FromRange(min, max, signed ? DataType.Int8 : DataType.UInt8, symmetric);
            double x = p.Lowest + at * (p.Highest - p.Lowest);
            double error = Math.Abs(x - p.Dequantize(p.Quantize(x)));
            return error <= p.Scale / 2 * (1 + 1e-6) && p.Quantize(p.Dequantize(p.ZeroPoint)) == p.ZeroPoint;
        });

    [Fact]
    public void Histogram_growth_merges_bins_exactly()
    {
        const int bins = 64;
        double fine = 2.0 / (2 * bins);
        var grown = new TensorStatistics(bins);
        var direct = new TensorStatistics(bins);
        // Values at the centres of the bins over [-1, 1], then one of magnitude 4: the range doubles twice.
        var first = Enumerable.Range(0, 2 * bins).Select(i => (float)(-1 + (i + 0.5) * fine)).Append(-1f).ToArray();
        grown.Add(first);
        grown.Add([4f]);
        direct.Add([4f]);
        direct.Add(first);
        Assert.Equal(4, grown.Bound);
        Assert.Equal(direct.Counts.ToArray(), grown.Counts.ToArray());
        Assert.Equal(2 * bins + 2, grown.Count);
        Assert.Equal(first.Min(), grown.Min, 6);
        Assert.Equal(4, grown.Max);
    }

    [Fact]
    public void Statistics_ignore_non_finite_values()
    {
        var s = new TensorStatistics(16);
        s.Add([1f, float.NaN, -2f, float.PositiveInfinity]);
        Assert.Equal(-2, s.Min);
        Assert.Equal(1, s.Max);
        Assert.Equal(2, s.Count);
    }

    private static TensorStatistics GaussianWithOutliers(int seed, int count = 200_000, float outlier = 50f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        for (int i = 0; i < 5; i++) values[i] = outlier;
        var s = new TensorStatistics(2048);
        s.Add(values);
        return s;
    }

    [Fact]
    public void Minmax_keeps_the_outliers()
    {
        var s = GaussianWithOutliers(1);
        var r = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.MinMax });
        Assert.Equal(50, r.Max);
        Assert.Equal(s.Min, r.Min);
    }

    [Fact]
    public void Percentile_clips_each_tail_of_a_gaussian_where_the_normal_quantile_says()
    {
        var s = GaussianWithOutliers(2);
        // 99% kept: 0.5% per tail, at 2.576 standard deviations.
        var r = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99 });
        Assert.InRange(r.Max, 2.576 * 0.95, 2.576 * 1.05);
        Assert.InRange(-r.Min, 2.576 * 0.95, 2.576 * 1.05);
        // Symmetric: the 99th percentile of |x| is also at 2.576.
        var sym = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99, Symmetric = true });
        Assert.InRange(sym.Max, 2.576 * 0.95, 2.576 * 1.05);
    }

    [Fact]
    public void Entropy_clips_rare_outliers_but_keeps_the_bulk()
    {
        var s = GaussianWithOutliers(3);
        var r = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.Entropy });
        Assert.InRange(r.Max, 2.5, 12);
        Assert.InRange(-r.Min, 2.5, 12);
    }

    [Fact]
    public void Mse_range_has_less_error_than_minmax_with_outliers()
    {
        // Clipping the outlier at t costs (40 - t)^2 once; keeping it costs every value ((t + 1)/255)^2/12 of rounding:
        // with a million values a clipped range wins.
        var random = new Random(4);
        var values = Enumerable.Range(0, 1_000_000).Select(_ => (float)(random.NextDouble() * 2 - 1)).Concat([40f]).ToArray();
        var s = new TensorStatistics(2048);
        s.Add(values);
        double Error(TensorRange r)
        {
            var p = QuantizationParameters.FromRange(r.Min, r.Max, DataType.UInt8, false);
            return values.Sum(v => Math.Pow(v - p.Dequantize(p.Quantize(v)), 2));
        }
        var mse = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.Mse });
        var minMax = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.MinMax });
        Assert.True(Error(mse) < Error(minMax) * 0.8, $"mse range {mse} error {Error(mse)}, minmax {Error(minMax)}");
        Assert.InRange(mse.Max, 1, 39);
    }

    [Fact]
    public void Entropy_on_a_one_sided_distribution_starts_at_zero()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 100_000).Select(_ => (float)-Math.Log(1 - random.NextDouble())).ToArray();
        var s = new TensorStatistics(2048);
        s.Add(values);
        var r = RangeEstimator.Estimate(s, new QuantizationOptions { Method = CalibrationMethod.Entropy });
        Assert.True(r.Min >= 0);
        Assert.InRange(r.Max, 3, values.Max());
    }

    [Fact]
    public void Weights_quantize_per_channel_along_the_axis()
    {
        // [2 output channels, 1, 1, 3]: channel 0 up to 1.27, channel 1 up to 0.254.
        var w = Tensor.FromArray(new float[] { 1.27f, -0.5f, 0, 0.254f, 0.1f, -0.127f }, [2, 1, 1, 3]);
        var (q, scales) = WeightQuantizer.Quantize(w, axis: 0, reduceRange: false);
        Assert.Equal([0.01f, 0.002f], scales.Select(s => MathF.Round(s, 6)));
        Assert.Equal(new sbyte[] { 127, -50, 0, 127, 50, -64 }, q.ReadOnlySpan<sbyte>().ToArray());
        // A [K, N] MatMul weight per column (axis 1), 7-bit.
        var m = Tensor.FromArray(new float[] { 1.5f, -4.2f, 2, 8 }, [2, 2]);
        var (q7, s7) = WeightQuantizer.Quantize(m, axis: 1, reduceRange: true);
        Assert.Equal([2f / 63, 8f / 63], s7);
        Assert.Equal(new sbyte[] { 47, -33, 63, 63 }, q7.ReadOnlySpan<sbyte>().ToArray());
        // An all-zero channel gets scale 1.
        var (_, zs) = WeightQuantizer.Quantize(Tensor.FromArray(new float[2], [2, 1]), 0, false);
        Assert.Equal([1f, 1f], zs);
    }

    [Fact]
    public void Bias_scale_is_input_scale_times_weight_scale()
    {
        var (q, scales) = WeightQuantizer.QuantizeBias(Tensor.Vector(1f, -0.5f), 0.1f, [0.01f, 0.02f]);
        Assert.Equal(0.001f, scales[0], 1e-9f);
        Assert.Equal(0.002f, scales[1], 1e-9f);
        Assert.Equal(new[] { 1000, -250 }, q.ReadOnlySpan<int>().ToArray());
    }
}
