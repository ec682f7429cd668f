using System.Text;
using Pinhole.Onnx.Data;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>Reads tensor values from the type-specific repeated fields (float_data, int32_data, ...), per onnx.proto.</summary>
internal static class TypedFieldDecoder
{
    public static Tensor Decode(TensorProto p, DataType type, int[] shape, int count, string what)
    {
        var (field, available) = FieldFor(p, type);
        // Sub-byte types pack 2 or 4 elements into each int32_data entry.
        int perEntry = 8 / Math.Min(8, ElementTypes.BitsPerElement(type));
        long needed = ((long)count + perEntry - 1) / perEntry;
        if (available != needed)
        {
            if (count > 0 && available == 0 && NoDataAtAll(p))
                throw new InvalidModelException(
                    $"{what} ({ElementTypes.Describe(type, shape)}) has no data: expected {needed} values in {field} or raw_data");
            throw new InvalidModelException(
                $"{what} ({ElementTypes.Describe(type, shape)}) has {available} values in {field} but its dims need {needed}");
        }

        var tensor = Tensor.Zeros(type, shape);
        switch (type)
        {
            case DataType.Float: p.FloatData.CopyTo((float[])tensor.Buffer, tensor.Offset); break;
            case DataType.Double: p.DoubleData.CopyTo((double[])tensor.Buffer, tensor.Offset); break;
            case DataType.Int64: p.Int64Data.CopyTo((long[])tensor.Buffer, tensor.Offset); break;
            case DataType.Int32: p.Int32Data.CopyTo((int[])tensor.Buffer, tensor.Offset); break;
            case DataType.UInt64: Convert(p.Uint64Data, tensor.Span<ulong>(), v => v); break;
            case DataType.UInt32: Convert(p.Uint64Data, tensor.Span<uint>(), v => (uint)v); break;
            case DataType.Int16: Convert(p.Int32Data, tensor.Span<short>(), v => (short)v); break;
            case DataType.UInt16: Convert(p.Int32Data, tensor.Span<ushort>(), v => (ushort)v); break;
            case DataType.Int8: Convert(p.Int32Data, tensor.Span<sbyte>(), v => (sbyte)v); break;
            case DataType.Bool: Convert(p.Int32Data, tensor.Span<bool>(), v => v != 0); break;
            case DataType.Float16: Convert(p.Int32Data, tensor.Span<Half>(), v => BitConverter.UInt16BitsToHalf((ushort)v)); break;
            case DataType.BFloat16: Convert(p.Int32Data, tensor.Span<BFloat16>(), v => new BFloat16((ushort)v)); break;
            case DataType.String:
                Convert(p.StringData, tensor.Span<string>(), s => Encoding.UTF8.GetString(s.Span));
                break;
            default:
                if (perEntry == 1)
                {
                    // uint8 and the 8-bit float formats: one bit pattern per entry.
                    Convert(p.Int32Data, tensor.Span<byte>(), v => (byte)v);
                    break;
                }
                var packed = new byte[p.Int32Data.Count];
                Convert(p.Int32Data, packed, v => (byte)v);
                ElementCodec.Unpack(packed, tensor.Bytes(), 8 / perEntry, type is DataType.Int4 or DataType.Int2);
                break;
        }
        return tensor;
    }

    private static (string Field, int Count) FieldFor(TensorProto p, DataType type) => type switch
    {
        DataType.Float => ("float_data", p.FloatData.Count),
        DataType.Double => ("double_data", p.DoubleData.Count),
        DataType.Int64 => ("int64_data", p.Int64Data.Count),
        DataType.UInt32 or DataType.UInt64 => ("uint64_data", p.Uint64Data.Count),
        DataType.String => ("string_data", p.StringData.Count),
        _ => ("int32_data", p.Int32Data.Count),
    };

    private static bool NoDataAtAll(TensorProto p) =>
        p.FloatData.Count == 0 && p.DoubleData.Count == 0 && p.Int64Data.Count == 0 && p.Int32Data.Count == 0
        && p.Uint64Data.Count == 0 && p.StringData.Count == 0;

    private static void Convert<TIn, TOut>(IReadOnlyList<TIn> source, Span<TOut> dest, Func<TIn, TOut> convert)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = convert(source[i]);
    }
}
