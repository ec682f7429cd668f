using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// GridSample (opset 16: bilinear/nearest/bicubic on 4-D; opset 20+: linear/nearest/cubic on N-D): samples X at normalized
/// grid positions with zeros, border or reflection padding.
/// </summary>
internal sealed class GridSample : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GridSample", 16, info => new GridSample(info));

    private readonly int _mode; // 0 nearest, 1 linear, 2 cubic
    private readonly int _padding; // 0 zeros, 1 border, 2 reflection
    private readonly bool _alignCorners;

    private GridSample(KernelInfo info)
    {
        _mode = info.GetString("mode", info.OpsetVersion < 20 ? "bilinear" : "linear") switch
        {
            "nearest" => 0,
            "linear" or "bilinear" => 1,
            "cubic" or "bicubic" => 2,
            var s => throw info.Invalid($"unknown mode '{s}'"),
        };
        _padding = info.GetString("padding_mode", "zeros") switch
        {
            "zeros" => 0,
            "border" => 1,
            "reflection" => 2,
            var s => throw info.Invalid($"unknown padding_mode '{s}'"),
        };
        _alignCorners = info.GetInt("align_corners", 0) != 0;
    }

    public override void Execute(KernelContext context)
    {
        var xT = context.Input(0);
        var gT = context.Input(1);
        int r = xT.Rank - 2;
        if (r < 1 || gT.Rank != r + 2 || gT.Shape[0] != xT.Shape[0] || gT.Shape[^1] != r)
            throw context.Error($"X {Tensor.FormatShape(xT.Shape)} and grid {Tensor.FormatShape(gT.Shape)} do not match");
        int batch = xT.Shape[0], channels = xT.Shape[1];
        var inSize = xT.Shape.AsSpan(2).ToArray();
        var outSpatial = gT.Shape.AsSpan(1, r).ToArray();
        int inCount = Tensor.ElementCount(inSize), outCount = Tensor.ElementCount(outSpatial);
        var x = xT.Type == DataType.Float ? xT.ReadOnlySpan<float>() : ToFloats(xT);
        var g = gT.Type == DataType.Float ? gT.ReadOnlySpan<float>() : ToFloats(gT);
        int taps = _mode switch { 0 => 1, 1 => 2, _ => 4 };
        // Per output point and spatial dim: tap indices (-1 for zero padding) and weights.
        var idx = new int[r * taps];
        var wts = new double[r * taps];
        var strides = new int[r];
        for (int d = r - 1, s = 1; d >= 0; d--) { strides[d] = s; s *= inSize[d]; }
        int combos = 1;
        for (int d = 0; d < r; d++) combos *= taps;
        var y = new float[batch * channels * outCount];
        var digit = new int[r];
        for (int n = 0; n < batch; n++)
            for (int p = 0; p < outCount; p++)
            {
                int gb = (n * outCount + p) * r;
                for (int d = 0; d < r; d++)
                {
                    int size = inSize[d];
                    double coord = g[gb + (r - 1 - d)];
                    double v = _alignCorners ? (coord + 1) / 2 * (size - 1) : ((coord + 1) * size - 1) / 2;
                    double lo = _alignCorners ? 0 : -0.5, hi = _alignCorners ? size - 1 : size - 0.5;
                    if (_padding == 1) v = Math.Clamp(v, 0, size - 1);
                    else if (_padding == 2) v = Reflect(v, lo, hi);
                    Taps(v, size, lo, hi, idx.AsSpan(d * taps, taps), wts.AsSpan(d * taps, taps));
                }
                for (int c = 0; c < channels; c++)
                {
                    int xb = (n * channels + c) * inCount;
                    double acc = 0;
                    Array.Clear(digit);
                    for (int k = 0; k < combos; k++)
                    {
                        double w = 1;
                        int off = 0;
                        bool zero = false;
                        for (int d = 0; d < r; d++)
                        {
                            int i = idx[d * taps + digit[d]];
                            if (i < 0) { zero = true; break; }
                            w *= wts[d * taps + digit[d]];
                            off += i * strides[d];
                        }
                        if (!zero && w != 0) acc += w * x[xb + off];
                        for (int d = r - 1; d >= 0; d--)
                        {
                            if (++digit[d] < taps) break;
                            digit[d] = 0;
                        }
                    }
                    y[(n * channels + c) * outCount + p] = (float)acc;
                }
            }
        var yT = context.Output(0, xT.Type, [batch, channels, .. outSpatial]);
        if (xT.Type == DataType.Float) y.CopyTo(yT.Span<float>());
        else if (DataTypes.IsFloatingPoint(xT.Type)) FloatConversion.FromFloat(y, yT);
        else
        {
            var values = new double[y.Length];
            for (int i = 0; i < y.Length; i++) values[i] = Math.Round(y[i]);
            SignalHelpers.FromDoubles(context, 0, xT.Type, yT.Shape, values);
        }
    }

    private static float[] ToFloats(Tensor t)
    {
        var r = new float[t.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)t.GetDouble(i);
        return r;
    }

    private void Taps(double v, int size, double lo, double hi, Span<int> idx, Span<double> w)
    {
        if (_mode == 0)
        {
            w[0] = 1;
            idx[0] = Index((int)Math.Round(v, MidpointRounding.ToEven), size, lo, hi);
            return;
        }
        double f = Math.Floor(v);
        double t = v - f;
        int i0 = (int)f;
        if (_mode == 1)
        {
            w[0] = 1 - t; w[1] = t;
            idx[0] = Index(i0, size, lo, hi);
            idx[1] = Index(i0 + 1, size, lo, hi);
            return;
        }
        const double A = -0.75;
        w[0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
        w[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
        w[2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
        w[3] = ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A;
        for (int k = 0; k < 4; k++) idx[k] = Index(i0 - 1 + k, size, lo, hi);
    }

    /// <summary>The source index of tap <paramref name="i"/> under the padding mode; -1 means a zero.</summary>
    private int Index(int i, int size, double lo, double hi)
    {
        if (i >= 0 && i < size) return i;
        return _padding switch
        {
            0 => -1,
            1 => Math.Clamp(i, 0, size - 1),
            _ => Math.Clamp((int)Reflect(i, lo, hi), 0, size - 1),
        };
    }

    private static double Reflect(double x, double lo, double hi)
    {
        double range = hi - lo;
        if (range <= 0) return 0;
        if (x < lo)
        {
            double dx = lo - x;
            int n = (int)(dx / range);
            double r = dx - n * range;
            return n % 2 == 0 ? lo + r : hi - r;
        }
        if (x > hi)
        {
            double dx = x - hi;
            int n = (int)(dx / range);
            double r = dx - n * range;
            return n % 2 == 0 ? hi - r : lo + r;
        }
        return x;
    }
}
