namespace Pinhole.Runtime.Kernels;

/// <summary>Float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ) and float4 (E2M1) decoding and round-to-nearest-even encoding, through 256-entry tables.</summary>
internal static class QuantizationFloat8
{
    private static readonly float[] E4M3FN = Build(4, 3, 7, fnuz: false, ieee: false);
    private static readonly float[] E4M3FNUZ = Build(4, 3, 8, fnuz: true, ieee: false);
    private static readonly float[] E5M2 = Build(5, 2, 15, fnuz: false, ieee: true);
    private static readonly float[] E5M2FNUZ = Build(5, 2, 16, fnuz: true, ieee: false);
    private static readonly float[] E2M1 = BuildFloat4();

    public static bool IsFloat8(DataType type) =>
        type is DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ
            or DataType.Float4E2M1;

    /// <summary>The 256 values of <paramref name="type"/>, indexed by code.</summary>
    public static float[] Table(DataType type) => type switch
    {
        DataType.Float8E4M3FN => E4M3FN,
        DataType.Float8E4M3FNUZ => E4M3FNUZ,
        DataType.Float8E5M2 => E5M2,
        DataType.Float8E5M2FNUZ => E5M2FNUZ,
        DataType.Float4E2M1 => E2M1,
        _ => throw new ArgumentException($"{DataTypes.OnnxName(type)} is not a float8 type"),
    };

    /// <summary>Decodes a float8 tensor into float32.</summary>
    public static float[] Decode(Tensor t)
    {
        var table = Table(t.Type);
        var src = t.ReadOnlySpan<byte>();
        var r = new float[src.Length];
        for (int i = 0; i < r.Length; i++) r[i] = table[src[i] & (table.Length - 1)];
        return r;
    }

    /// <summary>Encodes float32 values into float8 codes, rounding to nearest even; out-of-range values saturate or become inf/NaN.</summary>
    public static void Encode(ReadOnlySpan<float> values, DataType type, bool saturate, Span<byte> destination)
    {
        var table = Table(type);
        bool fnuz = type is DataType.Float8E4M3FNUZ or DataType.Float8E5M2FNUZ;
        int maxCode = type switch { DataType.Float8E4M3FN => 0x7E, DataType.Float8E5M2 => 0x7B, DataType.Float4E2M1 => 0x7, _ => 0x7F };
        int signBit = type == DataType.Float4E2M1 ? 0x8 : 0x80;
        if (type == DataType.Float4E2M1) saturate = true;
        byte nan = type == DataType.Float4E2M1 ? (byte)0x7 : fnuz ? (byte)0x80 : (byte)0x7F;
        float max = table[maxCode];
        float halfUlp = (max - table[maxCode - 1]) / 2;
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            if (float.IsNaN(x)) { destination[i] = nan; continue; }
            bool negative = x < 0 || (x == 0 && float.IsNegative(x));
            float a = Math.Abs(x);
            int code;
            if (a >= max)
            {
                if (saturate || a == max || (a < max + halfUlp && !float.IsInfinity(a))) code = maxCode;
                else if (type == DataType.Float8E5M2) code = 0x7C;
                else { destination[i] = negative && !fnuz ? (byte)0xFF : nan; continue; }
            }
            else
            {
                int lo = 0, hi = maxCode;
                while (hi - lo > 1)
                {
                    int mid = (lo + hi) >> 1;
                    if (table[mid] <= a) lo = mid; else hi = mid;
                }
                float dl = a - table[lo], dh = table[hi] - a;
                code = dl < dh ? lo : dh < dl ? hi : (lo & 1) == 0 ? lo : hi;
            }
            if (negative && !((fnuz || type == DataType.Float4E2M1) && code == 0)) code |= signBit;
            destination[i] = (byte)code;
        }
    }

    private static float[] BuildFloat4()
    {
        float[] magnitudes = [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f];
        var t = new float[16];
        for (int code = 0; code < 16; code++) t[code] = (code & 8) != 0 ? -magnitudes[code & 7] : magnitudes[code & 7];
        return t;
    }

    private static float[] Build(int expBits, int mantBits, int bias, bool fnuz, bool ieee)
    {
        var t = new float[256];
        int expMax = (1 << expBits) - 1, mantMask = (1 << mantBits) - 1;
        for (int code = 0; code < 256; code++)
        {
            int sign = code >> 7, e = (code >> mantBits) & expMax, f = code & mantMask;
            float v;
            if (fnuz && code == 0x80) v = float.NaN;
            else if (ieee && e == expMax) v = f == 0 ? float.PositiveInfinity : float.NaN;
            else if (!fnuz && !ieee && e == expMax && f == mantMask) v = float.NaN;
            else if (e == 0) v = f * MathF.Pow(2, 1 - bias - mantBits);
            else v = (1 + f / (float)(1 << mantBits)) * MathF.Pow(2, e - bias);
            t[code] = sign == 1 && !float.IsNaN(v) ? -v : v;
        }
        return t;
    }
}
