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
        DataTypes.IsFloatingPoint(type) || DataTypes.IsInteger(type) || type is DataType.Bool or DataType.String;

    /// <summary>A one-element tensor of <paramref name="type"/> holding 1.</summary>
    public static Tensor One(DataType type)
    {
        var t = Tensor.Zeros(type, [1]);
        Convert(Tensor.FromArray(new[] { 1.0 }, [1]), t);
        return t;
    }

    /// <summary>Writes <paramref name="source"/>'s elements, converted, into <paramref name="destination"/> (same length).</summary>
    public static void Convert(Tensor source, Tensor destination)
    {
        if (source.Length != destination.Length) throw new ArgumentException("cast between tensors of different lengths");
        if (!IsSupported(source.Type) || !IsSupported(destination.Type))
            throw new NotSupportedException($"cast from {DataTypes.OnnxName(source.Type)} to {DataTypes.OnnxName(destination.Type)} is not supported");
        if (source.Type == destination.Type)
        {
            Array.Copy(source.Buffer, destination.Buffer, source.Length);
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
        switch (source.Buffer)
        {
            case float[]:
                {
                    var s = source.ReadOnlySpan<float>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format(s[i], s[i].ToString("R", c));
                    break;
                }
            case double[]:
                {
                    var s = source.ReadOnlySpan<double>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format(s[i], s[i].ToString("R", c));
                    break;
                }
            case Half[]:
                {
                    var s = source.ReadOnlySpan<Half>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format((double)s[i], s[i].ToString(c));
                    break;
                }
            case BFloat16[]:
                {
                    var s = source.ReadOnlySpan<BFloat16>();
                    for (int i = 0; i < d.Length; i++) d[i] = Format((float)s[i], s[i].ToString());
                    break;
                }
            case bool[]:
                {
                    var s = source.ReadOnlySpan<bool>();
                    for (int i = 0; i < d.Length; i++) d[i] = s[i] ? "1" : "0";
                    break;
                }
            case ulong[]:
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
