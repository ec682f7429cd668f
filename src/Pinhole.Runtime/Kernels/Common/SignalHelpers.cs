namespace Pinhole.Runtime.Kernels;

/// <summary>Helpers of the signal ops: typed output from doubles, and a direct DFT with a twiddle table.</summary>
internal static class SignalHelpers
{
    /// <summary>A tensor of <paramref name="type"/> holding <paramref name="values"/> (float, double, float16, bfloat16 or an integer type).</summary>
    public static Tensor FromDoubles(KernelContext context, int index, DataType type, int[] shape, double[] values)
    {
        var t = context.Output(index, type, shape);
        switch (t.Buffer)
        {
            case float[] a: for (int i = 0; i < a.Length; i++) a[i] = (float)values[i]; break;
            case double[] a: values.AsSpan(0, a.Length).CopyTo(a); break;
            case Half[] a: for (int i = 0; i < a.Length; i++) a[i] = (Half)values[i]; break;
            case BFloat16[] a: for (int i = 0; i < a.Length; i++) a[i] = (BFloat16)(float)values[i]; break;
            case sbyte[] a: for (int i = 0; i < a.Length; i++) a[i] = (sbyte)values[i]; break;
            case byte[] a: for (int i = 0; i < a.Length; i++) a[i] = (byte)values[i]; break;
            case short[] a: for (int i = 0; i < a.Length; i++) a[i] = (short)values[i]; break;
            case ushort[] a: for (int i = 0; i < a.Length; i++) a[i] = (ushort)values[i]; break;
            case int[] a: for (int i = 0; i < a.Length; i++) a[i] = (int)values[i]; break;
            case uint[] a: for (int i = 0; i < a.Length; i++) a[i] = (uint)values[i]; break;
            case long[] a: for (int i = 0; i < a.Length; i++) a[i] = (long)values[i]; break;
            case ulong[] a: for (int i = 0; i < a.Length; i++) a[i] = (ulong)values[i]; break;
            default: throw context.Error($"output type {DataTypes.OnnxName(type)} is not supported");
        }
        return t;
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
