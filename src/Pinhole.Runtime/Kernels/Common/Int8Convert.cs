using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>Vectorized float to 8-bit quantization: y = clamp(round_half_even(v op scale) + zp, min, max).</summary>
internal static unsafe class Int8Convert
{
    /// <summary>
    /// y = clamp(round_half_even(x / scale) + zp, min, max), QuantizeLinear's definition (a true division, as the reference).
    /// The clamp to min - zp .. max - zp comes before rounding (integer bounds, so the two commute) to keep the conversion in range.
    /// </summary>
    public static void Quantize(float* x, int count, float scale, int zp, int min, int max, byte* y)
    {
        float lo = min - zp, hi = max - zp;
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var vs = Vector512.Create(scale);
            var vlo = Vector512.Create(lo);
            var vhi = Vector512.Create(hi);
            var vz = Vector512.Create(zp);
            for (; i + 16 <= count; i += 16)
            {
                // VMAXPS/VMINPS return their second operand when one is NaN: x second, so NaN stays NaN (converted as the reference does).
                var f = Avx512F.Min(vhi, Avx512F.Max(vlo, Vector512.Load(x + i) / vs));
                Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f) + vz).Store(y + i);
            }
        }
        for (; i < count; i++) y[i] = (byte)((int)MathF.Round(Math.Clamp(x[i] / scale, lo, hi)) + zp);
    }

    /// <summary>y = clamp(round_half_even(v * scale) + zp, min, max) for float accumulators v.</summary>
    public static void Requantize(float* v, int count, float scale, int zp, int min, int max, byte* y)
    {
        float lo = min - zp, hi = max - zp;
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var vs = Vector512.Create(scale);
            var vlo = Vector512.Create(lo);
            var vhi = Vector512.Create(hi);
            var vz = Vector512.Create(zp);
            for (; i + 16 <= count; i += 16)
            {
                var f = Avx512F.Min(Avx512F.Max(Vector512.Load(v + i) * vs, vlo), vhi);
                Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f) + vz).Store(y + i);
            }
        }
        for (; i < count; i++) y[i] = (byte)((int)MathF.Round(Math.Clamp(v[i] * scale, lo, hi)) + zp);
    }

    /// <summary>
    /// c = quantize(dequantize(a) + dequantize(b)) element by element with the reference's float operations in its order:
    /// ((float)a - za) * sa + ((float)b - zb) * sb, divided by sc, rounded half to even, plus zc, saturated.
    /// </summary>
    public static void Add(byte* a, byte* b, int count, bool signed, float sa, int za, float sb, int zb, float sc, int zc, int min, int max, byte* c)
    {
        float lo = min - zc, hi = max - zc;
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var vsa = Vector512.Create(sa);
            var vsb = Vector512.Create(sb);
            var vza = Vector512.Create((float)za);
            var vzb = Vector512.Create((float)zb);
            var vsc = Vector512.Create(sc);
            var vlo = Vector512.Create(lo);
            var vhi = Vector512.Create(hi);
            var vzc = Vector512.Create(zc);
            for (; i + 16 <= count; i += 16)
            {
                var ia = signed ? Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)a + i)) : Avx512F.ConvertToVector512Int32(Vector128.Load(a + i));
                var ib = signed ? Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)b + i)) : Avx512F.ConvertToVector512Int32(Vector128.Load(b + i));
                var sum = ((Vector512.ConvertToSingle(ia) - vza) * vsa) + ((Vector512.ConvertToSingle(ib) - vzb) * vsb);
                var f = Avx512F.Min(Avx512F.Max(sum / vsc, vlo), vhi);
                Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f) + vzc).Store(c + i);
            }
        }
        for (; i < count; i++)
        {
            float fa = signed ? ((sbyte*)a)[i] : a[i], fb = signed ? ((sbyte*)b)[i] : b[i];
            float sum = ((fa - za) * sa) + ((fb - zb) * sb);
            c[i] = (byte)((int)MathF.Round(Math.Clamp(sum / sc, lo, hi)) + zc);
        }
    }
}
