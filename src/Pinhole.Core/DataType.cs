namespace Pinhole;

/// <summary>Element types, numbered as ONNX's <c>TensorProto.DataType</c>.</summary>
public enum DataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
    Float8E8M0 = 24,
    UInt2 = 25,
    Int2 = 26,
}

/// <summary>Facts about element types: size, CLR type, and which ones the runtime stores.</summary>
public static class DataTypes
{
    /// <summary>Bytes per element as stored in memory by Pinhole (sub-byte types are stored one per byte).</summary>
    public static int SizeOf(DataType type) => type switch
    {
        DataType.Float or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Double or DataType.Int64 or DataType.UInt64 or DataType.Complex64 => 8,
        DataType.Complex128 => 16,
        DataType.Float16 or DataType.BFloat16 or DataType.Int16 or DataType.UInt16 => 2,
        DataType.String => IntPtr.Size,
        DataType.Undefined => 0,
        _ => 1,
    };

    /// <summary>The CLR element type Pinhole uses to store a tensor of this type.</summary>
    public static Type ClrType(DataType type) => type switch
    {
        DataType.Float => typeof(float),
        DataType.Double => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.BFloat16 => typeof(BFloat16),
        DataType.Int8 or DataType.Int4 or DataType.Int2 => typeof(sbyte),
        DataType.UInt8 or DataType.UInt4 or DataType.UInt2 => typeof(byte),
        DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ
            or DataType.Float4E2M1 or DataType.Float8E8M0 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.UInt32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        DataType.String => typeof(string),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no storage type for this element type"),
    };

    /// <summary>The array type that stores <paramref name="type"/>.</summary>
    public static ElementStorage StorageOf(DataType type)
    {
        Type clr = ClrType(type);
        if (clr == typeof(float)) return ElementStorage.Float;
        if (clr == typeof(double)) return ElementStorage.Double;
        if (clr == typeof(Half)) return ElementStorage.Half;
        if (clr == typeof(BFloat16)) return ElementStorage.BFloat16;
        if (clr == typeof(sbyte)) return ElementStorage.SByte;
        if (clr == typeof(byte)) return ElementStorage.Byte;
        if (clr == typeof(short)) return ElementStorage.Int16;
        if (clr == typeof(ushort)) return ElementStorage.UInt16;
        if (clr == typeof(int)) return ElementStorage.Int32;
        if (clr == typeof(uint)) return ElementStorage.UInt32;
        if (clr == typeof(long)) return ElementStorage.Int64;
        if (clr == typeof(ulong)) return ElementStorage.UInt64;
        if (clr == typeof(bool)) return ElementStorage.Bool;
        return ElementStorage.String;
    }

    /// <summary>The element type stored as <typeparamref name="T"/> (the primary one where several share it).</summary>
    public static DataType Of<T>()
    {
        if (typeof(T) == typeof(float)) return DataType.Float;
        if (typeof(T) == typeof(double)) return DataType.Double;
        if (typeof(T) == typeof(Half)) return DataType.Float16;
        if (typeof(T) == typeof(BFloat16)) return DataType.BFloat16;
        if (typeof(T) == typeof(sbyte)) return DataType.Int8;
        if (typeof(T) == typeof(byte)) return DataType.UInt8;
        if (typeof(T) == typeof(short)) return DataType.Int16;
        if (typeof(T) == typeof(ushort)) return DataType.UInt16;
        if (typeof(T) == typeof(int)) return DataType.Int32;
        if (typeof(T) == typeof(uint)) return DataType.UInt32;
        if (typeof(T) == typeof(long)) return DataType.Int64;
        if (typeof(T) == typeof(ulong)) return DataType.UInt64;
        if (typeof(T) == typeof(bool)) return DataType.Bool;
        if (typeof(T) == typeof(string)) return DataType.String;
        throw new ArgumentException($"{typeof(T).Name} is not a tensor element type");
    }

    public static bool IsFloatingPoint(DataType t) =>
        t is DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16;

    public static bool IsInteger(DataType t) =>
        t is DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16 or DataType.Int32
            or DataType.UInt32 or DataType.Int64 or DataType.UInt64;

    public static bool IsSigned(DataType t) =>
        t is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.Float
            or DataType.Double or DataType.Float16 or DataType.BFloat16;

    /// <summary>ONNX's lower-case spelling, as in <c>tensor(float)</c>.</summary>
    public static string OnnxName(DataType t) => t switch
    {
        DataType.Float => "float",
        DataType.Double => "double",
        DataType.Float16 => "float16",
        DataType.BFloat16 => "bfloat16",
        DataType.Int8 => "int8",
        DataType.UInt8 => "uint8",
        DataType.Int16 => "int16",
        DataType.UInt16 => "uint16",
        DataType.Int32 => "int32",
        DataType.UInt32 => "uint32",
        DataType.Int64 => "int64",
        DataType.UInt64 => "uint64",
        DataType.Bool => "bool",
        DataType.String => "string",
        _ => t.ToString().ToLowerInvariant(),
    };
}
