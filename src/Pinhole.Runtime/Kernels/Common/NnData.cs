using System.Numerics;
using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>Conversions the nn kernels (pooling, normalization, reductions) use to compute in float32 or float64.</summary>
internal static class NnData
{
    /// <summary>The elements of any numeric or bool tensor as float32 (a view for float tensors, else a copy).</summary>
    public static ReadOnlySpan<float> Floats(Tensor t) => t.Storage switch
    {
        ElementStorage.Float => t.ReadOnlySpan<float>(),
        ElementStorage.BFloat16 or ElementStorage.Half or ElementStorage.Double => FloatConversion.ToFloat(t).ReadOnlySpan<float>(),
        _ => ToFloatArray(t),
    };

    /// <summary>Any numeric or bool tensor as a new float32 array.</summary>
    public static float[] ToFloatArray(Tensor t)
    {
        var r = new float[t.Length];
        switch (t.Storage)
        {
            case ElementStorage.Float: t.ReadOnlySpan<float>().CopyTo(r); break;
            case ElementStorage.Half: TensorPrimitives.ConvertToSingle(t.ReadOnlySpan<Half>(), r); break;
            case ElementStorage.Double: Convert(t.ReadOnlySpan<double>(), r.AsSpan()); break;
            case ElementStorage.SByte: Convert(t.ReadOnlySpan<sbyte>(), r.AsSpan()); break;
            case ElementStorage.Byte: Convert(t.ReadOnlySpan<byte>(), r.AsSpan()); break;
            case ElementStorage.Int16: Convert(t.ReadOnlySpan<short>(), r.AsSpan()); break;
            case ElementStorage.UInt16: Convert(t.ReadOnlySpan<ushort>(), r.AsSpan()); break;
            case ElementStorage.Int32: Convert(t.ReadOnlySpan<int>(), r.AsSpan()); break;
            case ElementStorage.UInt32: Convert(t.ReadOnlySpan<uint>(), r.AsSpan()); break;
            case ElementStorage.Int64: Convert(t.ReadOnlySpan<long>(), r.AsSpan()); break;
            case ElementStorage.UInt64: Convert(t.ReadOnlySpan<ulong>(), r.AsSpan()); break;
            default:
                for (int i = 0; i < r.Length; i++) r[i] = (float)t.GetDouble(i);
                break;
        }
        return r;
    }

    /// <summary>Any numeric or bool tensor as a new float64 array.</summary>
    public static double[] ToDoubleArray(Tensor t)
    {
        var r = new double[t.Length];
        switch (t.Storage)
        {
            case ElementStorage.Double: t.ReadOnlySpan<double>().CopyTo(r); break;
            case ElementStorage.Float: Convert(t.ReadOnlySpan<float>(), r.AsSpan()); break;
            case ElementStorage.Half: Convert(t.ReadOnlySpan<Half>(), r.AsSpan()); break;
            case ElementStorage.SByte: Convert(t.ReadOnlySpan<sbyte>(), r.AsSpan()); break;
            case ElementStorage.Byte: Convert(t.ReadOnlySpan<byte>(), r.AsSpan()); break;
            case ElementStorage.Int16: Convert(t.ReadOnlySpan<short>(), r.AsSpan()); break;
            case ElementStorage.UInt16: Convert(t.ReadOnlySpan<ushort>(), r.AsSpan()); break;
            case ElementStorage.Int32: Convert(t.ReadOnlySpan<int>(), r.AsSpan()); break;
            case ElementStorage.UInt32: Convert(t.ReadOnlySpan<uint>(), r.AsSpan()); break;
            case ElementStorage.Int64: Convert(t.ReadOnlySpan<long>(), r.AsSpan()); break;
            case ElementStorage.UInt64: Convert(t.ReadOnlySpan<ulong>(), r.AsSpan()); break;
            default:
                for (int i = 0; i < r.Length; i++) r[i] = t.GetDouble(i);
                break;
        }
        return r;
    }

    /// <summary>Writes float32 values into a tensor of any numeric or bool type (integers saturate after truncation).</summary>
    public static void Store(ReadOnlySpan<float> values, Tensor destination)
    {
        switch (destination.Storage)
        {
            case ElementStorage.Float or ElementStorage.Half or ElementStorage.BFloat16 or ElementStorage.Double: FloatConversion.FromFloat(values, destination); break;
            case ElementStorage.SByte: Saturate(values, destination.Span<sbyte>()); break;
            case ElementStorage.Byte: Saturate(values, destination.Span<byte>()); break;
            case ElementStorage.Int16: Saturate(values, destination.Span<short>()); break;
            case ElementStorage.UInt16: Saturate(values, destination.Span<ushort>()); break;
            case ElementStorage.Int32: Saturate(values, destination.Span<int>()); break;
            case ElementStorage.UInt32: Saturate(values, destination.Span<uint>()); break;
            case ElementStorage.Int64: Saturate(values, destination.Span<long>()); break;
            case ElementStorage.UInt64: Saturate(values, destination.Span<ulong>()); break;
            case ElementStorage.Bool:
                {
                    var d = destination.Span<bool>();
                    for (int i = 0; i < d.Length; i++) d[i] = values[i] != 0;
                    break;
                }
            default: throw new ArgumentException($"cannot store float into {DataTypes.OnnxName(destination.Type)}");
        }
    }

    /// <summary>Writes float64 values into a tensor of any numeric or bool type (integers saturate after truncation).</summary>
    public static void Store(ReadOnlySpan<double> values, Tensor destination)
    {
        switch (destination.Storage)
        {
            case ElementStorage.Double: values.CopyTo(destination.Span<double>()); break;
            case ElementStorage.Float: Saturate(values, destination.Span<float>()); break;
            case ElementStorage.Half: Saturate(values, destination.Span<Half>()); break;
            case ElementStorage.BFloat16:
                {
                    var d = destination.Span<BFloat16>();
                    for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)(float)values[i];
                    break;
                }
            case ElementStorage.SByte: Saturate(values, destination.Span<sbyte>()); break;
            case ElementStorage.Byte: Saturate(values, destination.Span<byte>()); break;
            case ElementStorage.Int16: Saturate(values, destination.Span<short>()); break;
            case ElementStorage.UInt16: Saturate(values, destination.Span<ushort>()); break;
            case ElementStorage.Int32: Saturate(values, destination.Span<int>()); break;
            case ElementStorage.UInt32: Saturate(values, destination.Span<uint>()); break;
            case ElementStorage.Int64: Saturate(values, destination.Span<long>()); break;
            case ElementStorage.UInt64: Saturate(values, destination.Span<ulong>()); break;
            case ElementStorage.Bool:
                {
                    var d = destination.Span<bool>();
                    for (int i = 0; i < d.Length; i++) d[i] = values[i] != 0;
                    break;
                }
            default: throw new ArgumentException($"cannot store double into {DataTypes.OnnxName(destination.Type)}");
        }
    }

    /// <summary>Whether the nn float kernels accept this element type.</summary>
    public static bool IsFloat(DataType t) => DataTypes.IsFloatingPoint(t);

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>, or returns -1 when out of range.</summary>
    public static int Axis(long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a < 0 || a >= rank ? -1 : (int)a;
    }

    /// <summary>Product of shape[from..to).</summary>
    public static int Product(ReadOnlySpan<int> shape, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }

    private static void Convert<TFrom, TTo>(ReadOnlySpan<TFrom> s, Span<TTo> d)
        where TFrom : INumberBase<TFrom> where TTo : INumberBase<TTo> =>
        TensorPrimitives.ConvertTruncating(s, d);

    private static void Saturate<TFrom, TTo>(ReadOnlySpan<TFrom> s, Span<TTo> d)
        where TFrom : INumberBase<TFrom> where TTo : INumberBase<TTo> =>
        TensorPrimitives.ConvertSaturating(s, d);
}
