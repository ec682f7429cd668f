namespace Pinhole.Runtime.Kernels;

/// <summary>Helpers of the signal ops: typed output from doubles, and a direct DFT with a twiddle table.</summary>
internal static class SignalHelpers
{
    /// <summary>A tensor of <paramref name="type"/> holding <paramref name="values"/> (float, double, float16, bfloat16 or an integer type).</summary>
    public static Tensor FromDoubles(KernelContext context, int index, DataType type, int[] shape, double[] values)
    {
        var t = context.Output(index, type, shape);
        switch (t.Storage)
        {
            case ElementStorage.Float: Fill(t.Span<float>(), values, v => (float)v); break;
            case ElementStorage.Double: values.AsSpan(0, t.Length).CopyTo(t.Span<double>()); break;
            case ElementStorage.Half: Fill(t.Span<Half>(), values, v => (Half)v); break;
            case ElementStorage.BFloat16: Fill(t.Span<BFloat16>(), values, v => (BFloat16)(float)v); break;
            case ElementStorage.SByte: Fill(t.Span<sbyte>(), values, v => (sbyte)v); break;
            case ElementStorage.Byte: Fill(t.Span<byte>(), values, v => (byte)v); break;
            case ElementStorage.Int16: Fill(t.Span<short>(), values, v => (short)v); break;
            case ElementStorage.UInt16: Fill(t.Span<ushort>(), values, v => (ushort)v); break;
            case ElementStorage.Int32: Fill(t.Span<int>(), values, v => (int)v); break;
            case ElementStorage.UInt32: Fill(t.Span<uint>(), values, v => (uint)v); break;
            case ElementStorage.Int64: Fill(t.Span<long>(), values, v => (long)v); break;
            case ElementStorage.UInt64: Fill(t.Span<ulong>(), values, v => (ulong)v); break;
            default: throw context.Error($"output type {DataTypes.OnnxName(type)} is not supported");
        }
        return t;
    }

    private static void Fill<T>(Span<T> destination, double[] values, Func<double, T> convert)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = convert(values[i]);
    }

    /// <summary>A scalar (or one-element) integer input as a long.</summary>
    public static long ScalarInt(KernelContext context, Tensor t, string name)
    {
        if (t.Length != 1) throw context.Error($"{name} must be a scalar, has shape {Tensor.FormatShape(t.Shape)}");
        return t.GetInt64(0);
    }

    /// <summary>Cos and sin of 2πk/n for k in [0, n).</summary>
    public static (double[] Cos, double[] Sin) Twiddles(int n)
    {
        var c = new double[n];
        var s = new double[n];
        for (int k = 0; k < n; k++)
        {
            double a = 2 * Math.PI * k / n;
            c[k] = Math.Cos(a);
            s[k] = Math.Sin(a);
        }
        return (c, s);
    }

    /// <summary>
    /// Bins [0, bins) of the length-n DFT of (re, im) (zero beyond their length): X[k] = Σ x[j]·e^(∓2πi·kj/n),
    /// the sign + and the 1/n factor for the inverse.
    /// </summary>
    public static void Dft(ReadOnlySpan<double> re, ReadOnlySpan<double> im, int n, int bins, bool inverse,
        (double[] Cos, double[] Sin) tw, Span<double> outRe, Span<double> outIm)
    {
        int m = Math.Min(re.Length, n);
        double sign = inverse ? 1 : -1;
        double scale = inverse ? 1.0 / n : 1.0;
        for (int k = 0; k < bins; k++)
        {
            double sr = 0, si = 0;
            long idx = 0;
            for (int j = 0; j < m; j++)
            {
                double c = tw.Cos[idx], s = sign * tw.Sin[idx];
                sr += re[j] * c - im[j] * s;
                si += re[j] * s + im[j] * c;
                idx += k;
                if (idx >= n) idx -= n;
            }
            outRe[k] = sr * scale;
            outIm[k] = si * scale;
        }
    }
}
