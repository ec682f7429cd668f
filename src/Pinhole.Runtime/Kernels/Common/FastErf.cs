using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Vectorized float32 erf: the odd rational approximation on x clamped to [-4, 4] used by Eigen (absolute error a few
/// 1e-7), in Vector512 / Vector256 with a scalar tail of the same formula; NaN propagates. The reference is MathErf.
/// </summary>
internal static class FastErf
{
    private const float A1 = -1.60960333262415e-02f, A3 = -2.95459980854025e-03f, A5 = -7.34990630326855e-04f,
        A7 = -5.69250639462346e-05f, A9 = -2.10102402082508e-06f, A11 = 2.77068142495902e-08f, A13 = -2.72614225801306e-10f;
    private const float B0 = -1.42647390514189e-02f, B2 = -7.37332916720468e-03f, B4 = -1.68282697438203e-03f,
        B6 = -2.13374055278905e-04f, B8 = -1.45660718464996e-05f;

    /// <summary>erf(x) in float32 by the rational approximation.</summary>
    public static float Erf(float x)
    {
        if (float.IsNaN(x)) return x;
        x = Math.Clamp(x, -4f, 4f);
        float x2 = x * x;
        float p = MathF.FusedMultiplyAdd(x2, A13, A11);
        p = MathF.FusedMultiplyAdd(p, x2, A9);
        p = MathF.FusedMultiplyAdd(p, x2, A7);
        p = MathF.FusedMultiplyAdd(p, x2, A5);
        p = MathF.FusedMultiplyAdd(p, x2, A3);
        p = MathF.FusedMultiplyAdd(p, x2, A1);
        float q = MathF.FusedMultiplyAdd(x2, B8, B6);
        q = MathF.FusedMultiplyAdd(q, x2, B4);
        q = MathF.FusedMultiplyAdd(q, x2, B2);
        q = MathF.FusedMultiplyAdd(q, x2, B0);
        return p * x / q;
    }

    /// <summary>destination[i] = erf(x[i]) or, with <paramref name="gelu"/>, 0.5 x (1 + erf(x / sqrt 2)).</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> destination, bool gelu) =>
        Apply(x, destination, gelu, NnFast.Use512 ? 512 : NnFast.Use256 ? 256 : 0);

    /// <summary><see cref="Apply(ReadOnlySpan{float}, Span{float}, bool)"/> with vectors of at most <paramref name="width"/> bits (0: scalar; for tests).</summary>
    internal static void Apply(ReadOnlySpan<float> x, Span<float> destination, bool gelu, int width)
    {
        if (destination.Length < x.Length) throw new ArgumentException("destination is too short");
        int i = 0, n = x.Length;
        ref float src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        if (width >= 512 && Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref src, (nuint)i);
                Vector512.StoreUnsafe(gelu ? Gelu512(v) : Erf512(v), ref dst, (nuint)i);
            }
        if (width >= 256 && Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref src, (nuint)i);
                Vector256.StoreUnsafe(gelu ? Gelu256(v) : Erf256(v), ref dst, (nuint)i);
            }
        for (; i < n; i++)
        {
            float v = x[i];
            destination[i] = gelu ? 0.5f * v * (1f + Erf(v * 0.70710678118654752f)) : Erf(v);
        }
    }

    private static Vector512<float> Erf512(Vector512<float> v)
    {
        var x = Vector512.Min(Vector512.Max(v, Vector512.Create(-4f)), Vector512.Create(4f));
        var x2 = x * x;
        var p = Vector512.FusedMultiplyAdd(x2, Vector512.Create(A13), Vector512.Create(A11));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A9));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A7));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A5));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A3));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(A1));
        var q = Vector512.FusedMultiplyAdd(x2, Vector512.Create(B8), Vector512.Create(B6));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(B4));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(B2));
        q = Vector512.FusedMultiplyAdd(q, x2, Vector512.Create(B0));
        return Vector512.ConditionalSelect(Vector512.Equals(v, v), p * x / q, v);
    }

    private static Vector512<float> Gelu512(Vector512<float> v)
    {
        var half = Vector512.Create(0.5f);
        return half * v * (Vector512<float>.One + Erf512(v * Vector512.Create(0.70710678118654752f)));
    }

    private static Vector256<float> Erf256(Vector256<float> v)
    {
        var x = Vector256.Min(Vector256.Max(v, Vector256.Create(-4f)), Vector256.Create(4f));
        var x2 = x * x;
        var p = Vector256.FusedMultiplyAdd(x2, Vector256.Create(A13), Vector256.Create(A11));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A9));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A7));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A5));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A3));
        p = Vector256.FusedMultiplyAdd(p, x2, Vector256.Create(A1));
        var q = Vector256.FusedMultiplyAdd(x2, Vector256.Create(B8), Vector256.Create(B6));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B4));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B2));
        q = Vector256.FusedMultiplyAdd(q, x2, Vector256.Create(B0));
        return Vector256.ConditionalSelect(Vector256.Equals(v, v), p * x / q, v);
    }

    private static Vector256<float> Gelu256(Vector256<float> v)
    {
        var half = Vector256.Create(0.5f);
        return half * v * (Vector256<float>.One + Erf256(v * Vector256.Create(0.70710678118654752f)));
    }
}
