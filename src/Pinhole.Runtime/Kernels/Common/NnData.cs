using System.Numerics;
using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>Conversions the nn kernels (pooling, normalization, reductions) use to compute in float32 or float64.</summary>
internal static class NnData
{
    /// <summary>The elements of any numeric or bool tensor as float32 (a view for float tensors, else a copy).</summary>
    public static ReadOnlySpan<float> Floats(Tensor t) => t.Buffer switch
    {
        float[] => t.ReadOnlySpan<float>(),
        BFloat16[] or Half[] or double[] => FloatConversion.ToFloat(t).ReadOnlySpan<float>(),
        _ => ToFloatArray(t),
    };

    /// <summary>Any numeric or bool tensor as a new float32 array.</summary>
    public static float[] ToFloatArray(Tensor t)
    {
        var r = new float[t.Length];
        switch (t.Buffer)
        {
            case float[]: t.ReadOnlySpan<float>().CopyTo(r); break;
            case Half[]: TensorPrimitives.ConvertToSingle(t.ReadOnlySpan<Half>(), r); break;
            case double[]: Convert(t.ReadOnlySpan<double>(), r.AsSpan()); break;
            case sbyte[]: Convert(t.ReadOnlySpan<sbyte>(), r.AsSpan()); break;
            case byte[]: Convert(t.ReadOnlySpan<byte>(), r.AsSpan()); break;
            case short[]: Convert(t.ReadOnlySpan<short>(), r.AsSpan()); break;
            case ushort[]: Convert(t.ReadOnlySpan<ushort>(), r.AsSpan()); break;
            case int[]: Convert(t.ReadOnlySpan<int>(), r.AsSpan()); break;
            case uint[]: Convert(t.ReadOnlySpan<uint>(), r.AsSpan()); break;
            case long[]: Convert(t.ReadOnlySpan<long>(), r.AsSpan()); break;
            case ulong[]: Convert(t.ReadOnlySpan<ulong>(), r.AsSpan()); break;
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
        switch (t.Buffer)
        {
            case double[]: t.ReadOnlySpan<double>().CopyTo(r); break;
            case float[]: Convert(t.ReadOnlySpan<float>(), r.AsSpan()); break;
            case Half[]: Convert(t.ReadOnlySpan<Half>(), r.AsSpan()); break;
            case sbyte[]: Convert(t.ReadOnlySpan<sbyte>(), r.AsSpan()); break;
            case byte[]: Convert(t.ReadOnlySpan<byte>(), r.AsSpan()); break;
            case short[]: Convert(t.ReadOnlySpan<short>(), r.AsSpan()); break;
            case ushort[]: Convert(t.ReadOnlySpan<ushort>(), r.AsSpan()); break;
            case int[]: Convert(t.ReadOnlySpan<int>(), r.AsSpan()); break;
            case uint[]: Convert(t.ReadOnlySpan<uint>(), r.AsSpan()); break;
            case long[]: Convert(t.ReadOnlySpan<long>(), r.AsSpan()); break;
            case ulong[]: Convert(t.ReadOnlySpan<ulong>(), r.AsSpan()); break;
            default:
                for (int i = 0; i < r.Length; i++) r[i] = t.GetDouble(i);
                break;
        }
        return r;
    }

    /// <summary>Writes float32 values into a tensor of any numeric or bool type (integers saturate after truncation).</summary>
    public static void Store(ReadOnlySpan<float> values, Tensor destination)
    {
        switch (destination.Buffer)
        {
            case float[] or Half[] or BFloat16[] or double[]: FloatConversion.FromFloat(values, destination); break;
            case sbyte[]: Saturate(values, destination.Span<sbyte>()); break;
            case byte[]: Saturate(values, destination.Span<byte>()); break;
            case short[]: Saturate(values, destination.Span<short>()); break;
            case ushort[]: Saturate(values, destination.Span<ushort>()); break;
            case int[]: Saturate(values, destination.Span<int>()); break;
            case uint[]: Saturate(values, destination.Span<uint>()); break;
            case long[]: Saturate(values, destination.Span<long>()); break;
            case ulong[]: Saturate(values, destination.Span<ulong>()); break;
            case bool[]:
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
        switch (destination.Buffer)
        {
            case double[]: values.CopyTo(destination.Span<double>()); break;
            case float[]: Saturate(values, destination.Span<float>()); break;
            case Half[]: Saturate(values, destination.Span<Half>()); break;
            case BFloat16[]:
                {
                    var d = destination.Span<BFloat16>();
                    for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)(float)values[i];
                    break;
                }
            case sbyte[]: Saturate(values, destination.Span<sbyte>()); break;
            case byte[]: Saturate(values, destination.Span<byte>()); break;
            case short[]: Saturate(values, destination.Span<short>()); break;
            case ushort[]: Saturate(values, destination.Span<ushort>()); break;
            case int[]: Saturate(values, destination.Span<int>()); break;
            case uint[]: Saturate(values, destination.Span<uint>()); break;
            case long[]: Saturate(values, destination.Span<long>()); break;
            case ulong[]: Saturate(values, destination.Span<ulong>()); break;
            case bool[]:
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
