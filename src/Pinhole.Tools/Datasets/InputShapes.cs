using Pinhole.IR;

namespace Pinhole.Tools.Datasets;

/// <summary>Fits data read from files to a model input's declared shape and element type (batch size 1).</summary>
internal static class InputShapes
{
    /// <summary>The declared element type, or <paramref name="fallback"/> when the model does not declare one.</summary>
    public static DataType ElementType(ValueInfo input, DataType fallback) =>
        input.Type is TensorTypeInfo { ElementType: not DataType.Undefined } t ? t.ElementType : fallback;

    /// <summary>The declared shape, or null when the rank is unknown.</summary>
    public static Dim[]? Declared(ValueInfo input) => (input.Type as TensorTypeInfo)?.Shape;

    /// <summary>
    /// The shape one sample of <paramref name="sample"/> dimensions takes as <paramref name="input"/>: the declared
    /// shape with its batch dimension (the first) set to 1 and symbolic dimensions taken from the data. The data may
    /// lack the batch dimension, include it (as 1, as the model fixes it, or, when <paramref name="anyBatch"/>, any
    /// size: a .pb file is one whole input), or differ from the declared shape only by dimensions of size 1 (28x28
    /// pixels for [1,1,28,28]). An undeclared shape takes the data's, with a batch of 1 unless anyBatch.
    /// </summary>
    public static int[] Fit(ValueInfo input, ReadOnlySpan<int> sample, string source, bool anyBatch = false)
    {
        var declared = Declared(input);
        if (declared is null) return anyBatch ? sample.ToArray() : [1, .. sample];
        if (declared.Length == sample.Length + 1 && Matches(declared.AsSpan(1), sample))
            return [1, .. Resolve(declared.AsSpan(1), sample)];
        if (declared.Length == sample.Length && Matches(declared, sample)
            && (sample.Length == 0 || sample[0] == 1 || declared[0].IsKnown || anyBatch))
            return Resolve(declared, sample);
        if (declared.Length > 0 && declared.Skip(1).All(d => d.IsKnown))
        {
            int[] shape = [1, .. declared.Skip(1).Select(d => checked((int)d.Value!.Value))];
            if (declared[0].Value is null or 1 && shape.Where(d => d != 1).SequenceEqual(sample.ToArray().Where(d => d != 1)))
                return shape;
        }
        throw new InvalidInputException(
            $"{source}: a sample of shape {Tensor.FormatShape(sample)} does not fit input '{input.Name}' of shape [{string.Join(",", declared)}]");
    }

    private static bool Matches(ReadOnlySpan<Dim> declared, ReadOnlySpan<int> actual)
    {
        for (int i = 0; i < declared.Length; i++)
            if (declared[i].Value is long v && v != actual[i]) return false;
        return true;
    }

    private static int[] Resolve(ReadOnlySpan<Dim> declared, ReadOnlySpan<int> actual)
    {
        var shape = new int[declared.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = declared[i].Value is long v ? (int)v : actual[i];
        return shape;
    }

    /// <summary>
    /// Elements <paramref name="start"/>.. of <paramref name="data"/> (one sample's worth) as a new tensor of
    /// <paramref name="type"/> and <paramref name="shape"/>; integers round to nearest and saturate.
    /// </summary>
    public static Tensor Convert(Tensor data, int start, DataType type, int[] shape, string source)
    {
        int length = Tensor.ElementCount(shape);
        if (data.Type == type)
        {
            var copy = Tensor.AllocateStorage(type, length);
            Array.Copy(data.Buffer, data.Offset + start, copy, 0, length);
            return Tensor.FromArray(type, copy, shape);
        }
        if (!IsNumeric(data.Type))
            throw new InvalidInputException($"{source}: {DataTypes.OnnxName(data.Type)} data cannot be converted to {DataTypes.OnnxName(type)}");
        var result = Tensor.Zeros(type, shape);
        for (int i = 0; i < length; i++) Set(result, i, data.GetDouble(start + i), source);
        return result;
    }

    /// <summary>Values computed as floats (normalized pixels) as a tensor of <paramref name="type"/>.</summary>
    public static Tensor FromFloats(float[] values, DataType type, int[] shape, string source)
    {
        if (type == DataType.Float) return Tensor.FromArray(values, shape);
        var result = Tensor.Zeros(type, shape);
        for (int i = 0; i < values.Length; i++) Set(result, i, values[i], source);
        return result;
    }

    private static bool IsNumeric(DataType t) => DataTypes.IsFloatingPoint(t) || DataTypes.IsInteger(t) || t == DataType.Bool;

    private static void Set(Tensor t, int i, double v, string source)
    {
        switch (t.Type)
        {
            case DataType.Float: t.Span<float>()[i] = (float)v; break;
            case DataType.Double: t.Span<double>()[i] = v; break;
            case DataType.Float16: t.Span<Half>()[i] = (Half)v; break;
            case DataType.BFloat16: t.Span<BFloat16>()[i] = (BFloat16)(float)v; break;
            case DataType.UInt8: t.Span<byte>()[i] = (byte)Saturate(v, byte.MinValue, byte.MaxValue); break;
            case DataType.Int8: t.Span<sbyte>()[i] = (sbyte)Saturate(v, sbyte.MinValue, sbyte.MaxValue); break;
            case DataType.UInt16: t.Span<ushort>()[i] = (ushort)Saturate(v, ushort.MinValue, ushort.MaxValue); break;
            case DataType.Int16: t.Span<short>()[i] = (short)Saturate(v, short.MinValue, short.MaxValue); break;
            case DataType.Int32: t.Span<int>()[i] = (int)Saturate(v, int.MinValue, int.MaxValue); break;
            case DataType.UInt32: t.Span<uint>()[i] = (uint)Saturate(v, uint.MinValue, uint.MaxValue); break;
            case DataType.Int64: t.Span<long>()[i] = (long)Saturate(v, long.MinValue, long.MaxValue); break;
            case DataType.UInt64: t.Span<ulong>()[i] = (ulong)Saturate(v, ulong.MinValue, ulong.MaxValue); break;
            case DataType.Bool: t.Span<bool>()[i] = v != 0; break;
            default: throw new InvalidInputException($"{source}: the model input's element type {DataTypes.OnnxName(t.Type)} is not supported for samples");
        }
    }

    private static double Saturate(double v, double min, double max) => Math.Clamp(Math.Round(v), min, max);
}
