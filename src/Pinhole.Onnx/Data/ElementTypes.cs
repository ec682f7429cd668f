namespace Pinhole.Onnx.Data;

/// <summary>Maps ONNX <c>data_type</c> integers to <see cref="DataType"/>, with typed errors for bad ones.</summary>
internal static class ElementTypes
{
    /// <summary>Highest <c>TensorProto.DataType</c> the bundled onnx.proto defines.</summary>
    public const int MaxDefined = (int)DataType.Int2;

    /// <summary>The element type of stored tensor data: must be defined, not undefined, not complex.</summary>
    /// <exception cref="InvalidModelException">Undefined or unknown type.</exception>
    /// <exception cref="UnsupportedModelException">A complex type.</exception>
    public static DataType ForData(int value, string what)
    {
        if (value == 0)
            throw new InvalidModelException($"{what} has no data_type (UNDEFINED)");
        DataType type = ForDeclaration(value, what);
        if (type is DataType.Complex64 or DataType.Complex128)
            throw new UnsupportedModelException($"{what} has element type {DataTypes.OnnxName(type)}, which Pinhole does not support");
        return type;
    }

    /// <summary>An element type in a declared type (value_info, map keys): undefined is allowed and means unknown.</summary>
    /// <exception cref="InvalidModelException">A number the ONNX spec does not define.</exception>
    public static DataType ForDeclaration(int value, string what)
    {
        if (value < 0 || value > MaxDefined)
            throw new InvalidModelException($"{what} has unknown data_type {value} (ONNX defines 0..{MaxDefined})");
        return (DataType)value;
    }

    /// <summary>Bits one element occupies in raw_data: sub-byte types are packed.</summary>
    public static int BitsPerElement(DataType type) => type switch
    {
        DataType.Int4 or DataType.UInt4 or DataType.Float4E2M1 => 4,
        DataType.Int2 or DataType.UInt2 => 2,
        _ => DataTypes.SizeOf(type) * 8,
    };

    /// <summary>Bytes <paramref name="count"/> packed elements take in raw_data (sub-byte types round up).</summary>
    public static long RawByteCount(DataType type, long count) => (count * BitsPerElement(type) + 7) / 8;

    /// <summary>"float [2,3]" for messages.</summary>
    public static string Describe(DataType type, ReadOnlySpan<int> shape) =>
        $"{DataTypes.OnnxName(type)} {Tensor.FormatShape(shape)}";
}
