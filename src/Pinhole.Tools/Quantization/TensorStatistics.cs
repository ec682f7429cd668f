using System.Numerics.Tensors;

namespace Pinhole.Tools.Quantization;

/// <summary>
/// What calibration observed of one tensor: the exact minimum and maximum, and optionally a histogram over [-a, a]
/// (2 × bins equal bins, a the largest magnitude seen so far). When a larger magnitude arrives the range doubles as many
/// times as needed and adjacent bins merge exactly, so earlier samples are never re-read.
/// </summary>
public sealed class TensorStatistics
{
    private readonly long[]? _counts;
    private readonly int _binsPerSide;

    public TensorStatistics(int binsPerSide = 0)
    {
        if (binsPerSide < 0) throw new ArgumentOutOfRangeException(nameof(binsPerSide));
        _binsPerSide = binsPerSide;
        if (binsPerSide > 0) _counts = new long[2 * binsPerSide];
    }

    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public long Count { get; private set; }

    /// <summary>Half-width of the histogram's range (0 until a non-zero value is seen).</summary>
    public double Bound { get; private set; }

    /// <summary>Counts of the bins over [-Bound, Bound], lowest first; empty without a histogram.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    public bool HasHistogram => _counts is not null;

    public void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        float min = TensorPrimitives.Min(values), max = TensorPrimitives.Max(values);
        if (float.IsNaN(min) || float.IsNaN(max) || float.IsInfinity(min) || float.IsInfinity(max)) values = Finite(values, out min, out max);
        if (values.IsEmpty) return;
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
        Count += values.Length;
        if (_counts is null) return;

        double magnitude = Math.Max(-(double)min, max);
        if (magnitude > Bound) Grow(magnitude);
        if (Bound == 0) { _counts[_binsPerSide] += values.Length; return; }
        int bins = _counts.Length;
        float perUnit = (float)(bins / (2 * Bound)), offset = (float)Bound;
        foreach (float v in values)
        {
            int i = (int)((v + offset) * perUnit);
            _counts[Math.Clamp(i, 0, bins - 1)]++;
        }
    }

    private static float[] Finite(ReadOnlySpan<float> values, out float min, out float max)
    {
        var list = new List<float>(values.Length);
        foreach (float v in values) if (float.IsFinite(v)) list.Add(v);
        min = list.Count > 0 ? list.Min() : 0;
        max = list.Count > 0 ? list.Max() : 0;
        return [.. list];
    }

    private void Grow(double magnitude)
    {
        var counts = _counts!;
        if (Bound == 0)
        {
            // Values seen so far were all zero: they sit in the bin just above zero.
            long zeros = counts[_binsPerSide];
            Bound = magnitude;
            Array.Clear(counts);
            counts[_binsPerSide] = zeros;
            return;
        }
        int doublings = 0;
        double bound = Bound;
        while (bound < magnitude) { bound *= 2; doublings++; }
        if (doublings >= 31) { Array.Clear(counts); Bound = magnitude; return; }
        var merged = new long[counts.Length];
        int start = _binsPerSide - (_binsPerSide >> doublings);
        for (int i = 0; i < counts.Length; i++) merged[start + (i >> doublings)] += counts[i];
        merged.CopyTo(counts, 0);
        Bound = bound;
    }
}
