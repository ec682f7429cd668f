using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Element type conversion between every stored type (numbers, float16, bfloat16, bool, string), as ONNX Cast does.</summary>
public static class TensorCast
{
    /// <summary>Whether <see cref="Convert"/> handles <paramref name="type"/>.</summary>
    public static bool IsSupported(DataType type) =>
        DataTypes.IsFloatingPoint(type) || DataTypes.IsInteger(type) || type is DataType.Bool or DataType.String
        || IsLowPrecision(type);

    /// <summary>float8, float4 and 2/4-bit integer types (stored one element per byte).</summary>
    public static bool IsLowPrecision(DataType type) =>
        type is DataType.Int4 or DataType.UInt4 or DataType.Int2 or DataType.UInt2 or DataType.Float8E4M3FN
            or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ or DataType.Float4E2M1
            or DataType.Float8E8M0;

    /// <summary>A one-element tensor of <paramref name="type"/> holding 1.</summary>
    public static Tensor One(DataType type)
    {
        var t = Tensor.Zeros(type, [1]);
        Convert(Tensor.FromArray(new[] { 1.0 }, [1]), t);
        return t;
    }

    /// <summary>Writes <paramref name="source"/>'s elements, converted, into <paramref name="destination"/> (same length).</summary>
    public static void Convert(Tensor source, Tensor destination) => Convert(source, destination, true, false);

    /// <summary>
    /// Like <see cref="Convert(Tensor, Tensor)"/>; <paramref name="saturate"/> clamps out-of-range values when narrowing to
    /// float8, <paramref name="roundUp"/> rounds up (rather than to nearest) when narrowing to float8e8m0.
    /// </summary>
    public static void Convert(Tensor source, Tensor destination, bool saturate, bool roundUp)
    {
        if (source.Length != destination.Length) throw new ArgumentException("cast between tensors of different lengths");
        if (!IsSupported(source.Type) || !IsSupported(destination.Type))
            throw new NotSupportedException($"cast from {DataTypes.OnnxName(source.Type)} to {DataTypes.OnnxName(destination.Type)} is not supported");
        if (source.Type == destination.Type)
        {
            Array.Copy(source.Buffer, source.Offset, destination.Buffer, destination.Offset, source.Length);
            return;
        }
        if (IsLowPrecision(source.Type) || IsLowPrecision(destination.Type))
        {
            LowPrecision.Convert(source, destination, saturate, roundUp);
            return;
        }
        if (destination.Type == DataType.String)
        {
            ToStrings(source, destination.Span<string>());
            return;
        }
        if (source.Type == DataType.String)
        {
            var values = ParseStrings(source.ReadOnlySpan<string>(), destination.Type);
            Convert(values, destination);
            return;
        }
        if (source.Type == DataType.Bool)
        {
            var bytes = new byte[source.Length];
            MemoryMarshal.Cast<bool, byte>(source.ReadOnlySpan<bool>()).CopyTo(bytes);
            Convert(Tensor.FromArray(bytes, source.Shape), destination);
            return;
        }
        if (destination.Type == DataType.Bool)
        {
            var d = destination.Span<bool>();
            if (source.Type == DataType.Float)
            {
                var s = source.ReadOnlySpan<float>();
                for (int i = 0; i < d.Length; i++) d[i] = s[i] != 0;
                return;
            }
            var wide = Tensor.Zeros(DataType.Double, source.Shape);
            Convert(source, wide);
            var w = wide.ReadOnlySpan<double>();
            for (int i = 0; i < d.Length; i++) d[i] = w[i] != 0;
            return;
        }
        if (source.Type == DataType.BFloat16)
        {
            var s = source.ReadOnlySpan<BFloat16>();
            var f = new float[s.Length];
            for (int i = 0; i < f.Length; i++) f[i] = (float)s[i];
            Convert(Tensor.FromArray(f, source.Shape), destination);
            return;
        }
        if (destination.Type == DataType.BFloat16)
        {
            var f = source.Type == DataType.Float ? source : Tensor.Zeros(DataType.Float, source.Shape);
            if (!ReferenceEquals(f, source)) Convert(source, f);
            var s = f.ReadOnlySpan<float>();
            var d = destination.Span<BFloat16>();
            for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)s[i];
            return;
        }
        var outer = new Outer(source, destination);
        TypeDispatch.Numeric(source.Type, ref outer);
    }

    private readonly struct Outer(Tensor source, Tensor destination) : INumericAction
    {
        public void Invoke<TFrom>() where TFrom : unmanaged, INumber<TFrom>
        {
            var inner = new Inner<TFrom>(source, destination);
            TypeDispatch.Numeric(destination.Type, ref inner);
        }
    }

    private readonly struct Inner<TFrom>(Tensor source, Tensor destination) : INumericAction where TFrom : unmanaged, INumber<TFrom>
    {
        public void Invoke<TTo>() where TTo : unmanaged, INumber<TTo> =>
            TensorPrimitives.ConvertTruncating(source.ReadOnlySpan<TFrom>(), destination.Span<TTo>());
    }

    private static Tensor ParseStrings(ReadOnlySpan<string> s, DataType target)
    {
        if (target is DataType.Int64 or DataType.UInt64 or DataType.Int32 or DataType.UInt32)
        {
            bool unsigned = target is DataType.UInt64 or DataType.UInt32;
            var longs = new long[s.Length];
            var ulongs = unsigned ? new ulong[s.Length] : null;
            bool allIntegers = true;
            for (int i = 0; i < s.Length && allIntegers; i++)
            {
                var text = s[i].Trim();
                if (unsigned) allIntegers = ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulongs![i]);
                else allIntegers = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out longs[i]);
            }
            if (allIntegers) return unsigned ? Tensor.FromArray(ulongs!, [s.Length]) : Tensor.FromArray(longs, [s.Length]);
        }
        var values = new double[s.Length];
        for (int i = 0; i < s.Length; i++) values[i] = ParseNumber(s[i]);
        return Tensor.FromArray(values, [s.Length]);
    }

    private static double ParseNumber(string text)
    {
        var t = text.Trim();
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        switch (t.ToUpperInvariant())
        {
            case "INF" or "+INF" or "INFINITY" or "+INFINITY": return double.PositiveInfinity;
            case "-INF" or "-INFINITY": return double.NegativeInfinity;
            case "NAN" or "+NAN" or "-NAN": return double.NaN;
            case "TRUE": return 1;
            case "FALSE": return 0;
            default: throw new ArgumentException($"cannot parse \"{text}\" as a number");
        }
    }

    private static string Format(double v, string shortest)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "INF";
        if (double.IsNegativeInfinity(v)) return "-INF";
        return shortest;
    }

    private static void ToStrings(Tensor source, Span<string> d)
    {
        var c = CultureInfo.InvariantCulture;
        switch (source.Storage)
        {
            case ElementStorage.Float:
                {
                    var s = source.ReadOnlySpan<float>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format(s[i], s[i].ToString("R", c));
                    break;
                }
            case ElementStorage.Double:
                {
                    var s = source.ReadOnlySpan<double>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format(s[i], s[i].ToString("R", c));
                    break;
                }
            case ElementStorage.Half:
                {
                    var s = source.ReadOnlySpan<Half>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format((double)s[i], s[i].ToString(c));
                    break;
                }
            case ElementStorage.BFloat16:
                {
                    var s = source.ReadOnlySpan<BFloat16>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format((float)s[i], s[i].ToString());
                    break;
                }
            case ElementStorage.Bool:
                {
                    var s = source.ReadOnlySpan<bool>();
                    for (int i = 0; i < d.Length; i++) d[i] = s[i] ? "1" : "0";
                    break;
                }
            case ElementStorage.UInt64:
                {
                    var s = source.ReadOnlySpan<ulong>();
                    for (int i = 0; i < d.Length; i++) d[i] = s[i].ToString(c);
                    break;
                }
            default:
                for (int i = 0; i < d.Length; i++) d[i] = source.GetInt64(i).ToString(c);
                break;
        }
    }
}

/// <summary>Conversions to and from float8, float4 and 2/4-bit integer types.</summary>
internal static class LowPrecision
{
    private sealed record Format(float[] Decode, Dictionary<float, byte> Encode, float Max, byte Nan, byte PositiveOverflow, bool NegativeZero, int MBits, int MinNormalExponent);

    private static readonly Dictionary<DataType, Format> Formats = new()
    {
        [DataType.Float8E4M3FN] = Build(4, 3, 7, code => (code & 0x7F) == 0x7F, false, true, 0x7F, 0x7F),
        [DataType.Float8E4M3FNUZ] = Build(4, 3, 8, code => code == 0x80, false, false, 0x80, 0x80),
        [DataType.Float8E5M2] = Build(5, 2, 15, code => (code & 0x7F) > 0x7C, true, true, 0x7E, 0x7C),
        [DataType.Float8E5M2FNUZ] = Build(5, 2, 16, code => code == 0x80, false, false, 0x80, 0x80),
        [DataType.Float4E2M1] = Build(2, 1, 1, _ => false, false, true, 0x8, 0x7),
    };

    private static Format Build(int ebits, int mbits, int bias, Func<int, bool> isNan, bool hasInf, bool negativeZero, byte nan, byte overflow)
    {
        int bits = 1 + ebits + mbits;
        var decode = new float[1 << bits];
        var encode = new Dictionary<float, byte>();
        float max = 0;
        for (int code = 0; code < decode.Length; code++)
        {
            int sign = code >> (bits - 1), e = (code >> mbits) & ((1 << ebits) - 1), m = code & ((1 << mbits) - 1);
            float v;
            if (isNan(code)) v = float.NaN;
            else if (hasInf && e == (1 << ebits) - 1) v = m == 0 ? float.PositiveInfinity : float.NaN;
            else if (e == 0) v = MathF.ScaleB(m, 1 - bias - mbits);
            else v = MathF.ScaleB((1 << mbits) + m, e - bias - mbits);
            if (sign != 0) v = -v;
            if (!negativeZero && code == 1 << (bits - 1)) v = float.NaN;
            decode[code] = v;
            if (float.IsFinite(v))
            {
                if (v != 0 || sign == 0) encode.TryAdd(v, (byte)code);
                max = Math.Max(max, v);
            }
        }
        return new Format(decode, encode, max, nan, overflow, negativeZero, mbits, 1 - bias);
    }

    public static void Convert(Tensor source, Tensor destination, bool saturate, bool roundUp)
    {
        var src = source.Type;
        var dst = destination.Type;
        if (src is DataType.Int4 or DataType.Int2)
        {
            TensorCast.Convert(Tensor.View(DataType.Int8, source.Buffer, source.Offset, source.Shape), destination, saturate, roundUp);
            return;
        }
        if (src is DataType.UInt4 or DataType.UInt2)
        {
            TensorCast.Convert(Tensor.View(DataType.UInt8, source.Buffer, source.Offset, source.Shape), destination, saturate, roundUp);
            return;
        }
        if (IsFloatCode(src))
        {
            var codes = source.ReadOnlySpan<byte>();
            var values = new float[codes.Length];
            if (src == DataType.Float8E8M0)
                for (int i = 0; i < values.Length; i++) values[i] = codes[i] == 0xFF ? float.NaN : MathF.ScaleB(1, codes[i] - 127);
            else
            {
                var f = Formats[src];
                int mask = f.Decode.Length - 1;
                for (int i = 0; i < values.Length; i++) values[i] = f.Decode[codes[i] & mask];
            }
            TensorCast.Convert(Tensor.FromArray(values, source.Shape), destination, saturate, roundUp);
            return;
        }
        // Narrowing: go through float (double for integer targets, to keep integers exact).
        if (dst is DataType.Int4 or DataType.UInt4 or DataType.Int2 or DataType.UInt2)
        {
            var wide = Tensor.Zeros(DataType.Double, source.Shape);
            TensorCast.Convert(source, wide);
            var w = wide.ReadOnlySpan<double>();
            // Round to nearest even, then keep the low bits (two's complement for the signed types), as for other fixed-point narrowing.
            int bits = dst is DataType.Int4 or DataType.UInt4 ? 4 : 2;
            bool signed = dst is DataType.Int4 or DataType.Int2;
            var d = signed ? default : destination.Span<byte>();
            var sd = signed ? destination.Span<sbyte>() : default;
            for (int i = 0; i < w.Length; i++)
            {
                double r = double.IsNaN(w[i]) ? 0 : Math.Round(w[i], MidpointRounding.ToEven);
                long v = (long)Math.Clamp(r, long.MinValue, long.MaxValue) & ((1 << bits) - 1);
                if (signed) sd[i] = (sbyte)(v >= 1 << (bits - 1) ? v - (1 << bits) : v);
                else d[i] = (byte)v;
            }
            return;
        }
        var single = Tensor.Zeros(DataType.Float, source.Shape);
        TensorCast.Convert(source, single);
        var s = single.ReadOnlySpan<float>();
        var codesOut = destination.Span<byte>();
        if (dst == DataType.Float8E8M0)
        {
            for (int i = 0; i < s.Length; i++) codesOut[i] = EncodeE8M0(s[i], saturate, roundUp);
            return;
        }
        var format = Formats[dst];
        for (int i = 0; i < s.Length; i++) codesOut[i] = Encode(format, s[i], saturate, dst == DataType.Float8E5M2);
    }

    private static bool IsFloatCode(DataType t) =>
        t is DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ
            or DataType.Float4E2M1 or DataType.Float8E8M0;

    private static byte Encode(Format f, float x, bool saturate, bool hasInf)
    {
        int bits = f.Decode.Length == 16 ? 4 : 8;
        byte signBit = (byte)(1 << (bits - 1));
        if (float.IsNaN(x)) return f.NegativeZero && float.IsNegative(x) && bits == 8 && !hasInf ? (byte)(f.Nan | signBit) : f.Nan;
        bool negative = float.IsNegative(x);
        float a = Math.Abs(x);
        byte sign = negative ? signBit : (byte)0;
        if (float.IsPositiveInfinity(a))
        {
            if (saturate) return (byte)(f.Encode[f.Max] | sign);
            return f.NegativeZero ? (byte)(f.PositiveOverflow | sign) : f.Nan;
        }
        if (a == 0) return f.NegativeZero ? sign : (byte)0;
        // Round to nearest even on the target's grid: the quantum is fixed below the smallest normal, else 2^(e - mbits).
        int e = Math.Max(Math.ILogB(a), f.MinNormalExponent);
        double quantum = Math.ScaleB(1.0, e - f.MBits);
        double r = Math.Round(a / quantum, MidpointRounding.ToEven) * quantum;
        if (r > f.Max)
        {
            if (saturate) return (byte)(f.Encode[f.Max] | sign);
            return f.NegativeZero ? (byte)(f.PositiveOverflow | sign) : f.Nan;
        }
        if (r == 0) return f.NegativeZero ? sign : (byte)0;
        return (byte)(f.Encode[(float)r] | sign);
    }

    private static byte EncodeE8M0(float x, bool saturate, bool roundUp)
    {
        if (float.IsNaN(x)) return 0xFF;
        if (float.IsInfinity(x)) return saturate ? (byte)0xFE : (byte)0xFF;
        if (x <= 0) return saturate ? (byte)0 : (byte)0xFF;
        int e = Math.ILogB(x);
        double mantissa = x / Math.ScaleB(1.0, e);
        if (mantissa > 1 && (roundUp || mantissa > 1.5 || (mantissa == 1.5 && ((e + 127) & 1) != 0))) e++;
        int code = e + 127;
        if (code > 254) return saturate ? (byte)0xFE : (byte)0xFF;
        if (code < 0) return 0;
        return (byte)code;
    }
}
