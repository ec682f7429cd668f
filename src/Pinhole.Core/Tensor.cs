using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pinhole;

/// <summary>
/// A dense tensor: element type, shape, and row-major storage in a typed array, starting at <see cref="Offset"/>
/// (a tensor may be a view into a larger array, such as a session's activation arena).
/// Kernels read and write it through <see cref="Span{T}"/>; the storage behind it is an implementation detail.
/// </summary>
public sealed class Tensor
{
    /// <summary>Largest element count Pinhole allocates for one tensor (2^31 - 1 elements).</summary>
    public const long MaxElements = int.MaxValue;

    private static readonly int[] ScalarShape = [];

    public DataType Type { get; }

    /// <summary>Dimensions, outermost first. Empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>Element count (1 for a scalar, 0 if any dimension is 0).</summary>
    public int Length { get; }

    /// <summary>
    /// The backing array: float[], long[], string[], bool[], Half[], BFloat16[] and so on. The elements are
    /// <c>Buffer[Offset .. Offset + Length]</c>, and the array may hold other tensors' data too: prefer
    /// <see cref="Span{T}"/>, <see cref="ReadOnlySpan{T}"/> or <see cref="Bytes"/>.
    /// </summary>
    public Array Buffer { get; }

    /// <summary>Index of the first element in <see cref="Buffer"/> (0 unless this tensor is a view).</summary>
    public int Offset { get; }

    public int Rank => Shape.Length;

    /// <summary>The exact array type of <see cref="Buffer"/>; dispatch on this rather than on array patterns.</summary>
    public ElementStorage Storage => DataTypes.StorageOf(Type);

    private Tensor(DataType type, int[] shape, Array buffer, int offset, int length)
    {
        Type = type;
        Shape = shape;
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    /// <summary>A zero-filled tensor of the given type and shape.</summary>
    public static Tensor Zeros(DataType type, ReadOnlySpan<int> shape)
    {
        int length = ElementCount(shape);
        return new Tensor(type, shape.ToArray(), AllocateStorage(type, length), 0, length);
    }

    /// <summary>A zero-filled tensor whose element type is given by <typeparamref name="T"/>.</summary>
    public static Tensor Zeros<T>(ReadOnlySpan<int> shape) => FromArray(new T[ElementCount(shape)], shape);

    /// <summary>Wraps <paramref name="data"/> without copying; its length must equal the shape's element count.</summary>
    public static Tensor FromArray<T>(T[] data, ReadOnlySpan<int> shape) => FromArray(DataTypes.Of<T>(), data, shape);

    /// <summary>Wraps <paramref name="data"/> as a tensor of <paramref name="type"/> (for types that share a CLR type, such as int4 in sbyte).</summary>
    public static Tensor FromArray(DataType type, Array data, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        int length = ElementCount(shape);
        if (data.Length < length)
            throw new ArgumentException($"data has {data.Length} elements but shape [{string.Join(",", shape.ToArray())}] needs {length}");
        if (data.GetType().GetElementType() != DataTypes.ClrType(type))
            throw new ArgumentException($"a {DataTypes.OnnxName(type)} tensor is stored in {DataTypes.ClrType(type).Name}[], not {data.GetType().Name}");
        return new Tensor(type, shape.ToArray(), data, 0, length);
    }

    /// <summary>
    /// A view of <paramref name="storage"/>[<paramref name="offset"/> ..] as a tensor of <paramref name="type"/> and
    /// <paramref name="shape"/>, without copying: writes through either are visible in both.
    /// </summary>
    public static Tensor View(DataType type, Array storage, int offset, ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(storage);
        int length = ElementCount(shape);
        if (offset < 0 || (long)offset + length > storage.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"elements [{offset}, {(long)offset + length}) are outside an array of {storage.Length}");
        if (storage.GetType().GetElementType() != DataTypes.ClrType(type))
            throw new ArgumentException($"a {DataTypes.OnnxName(type)} tensor is stored in {DataTypes.ClrType(type).Name}[], not {storage.GetType().Name}");
        return new Tensor(type, shape.ToArray(), storage, offset, length);
    }

    /// <summary>
    /// A tensor with a type and shape but no elements: what a session keeps of a constant whose data a prepared kernel
    /// has taken over (packed). Reading its elements throws; its type, shape and length are as given.
    /// </summary>
    public static Tensor ShapeOnly(DataType type, ReadOnlySpan<int> shape) =>
        new(type, shape.ToArray(), AllocateStorage(type, 0), 0, ElementCount(shape));

    /// <summary>False for a <see cref="ShapeOnly"/> tensor (its elements are not stored).</summary>
    public bool HasData => (long)Offset + Length <= Buffer.Length;

    /// <summary>Whether this tensor's elements and <paramref name="other"/>'s share any memory.</summary>
    public bool Overlaps(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(Buffer, other.Buffer) && Length > 0 && other.Length > 0
            && Offset < other.Offset + other.Length && other.Offset < Offset + Length;
    }

    public static Tensor Scalar<T>(T value) => FromArray(new[] { value }, ScalarShape);

    /// <summary>A 1-D tensor holding <paramref name="values"/>.</summary>
    public static Tensor Vector<T>(params T[] values) => FromArray(values, [values.Length]);

    /// <summary>The elements, row-major. <typeparamref name="T"/> must be this tensor's storage type.</summary>
    public Span<T> Span<T>()
    {
        if (Buffer is T[] typed)
        {
            if ((long)Offset + Length > typed.Length) throw NoData();
            return new Span<T>(typed, Offset, Length);
        }
        throw new InvalidCastException($"tensor of {DataTypes.OnnxName(Type)} is stored as {Buffer.GetType().Name}, not {typeof(T).Name}[]");
    }

    public ReadOnlySpan<T> ReadOnlySpan<T>() => Span<T>();

    /// <summary>The raw bytes of a tensor of a fixed-size element type.</summary>
    public Span<byte> Bytes()
    {
        if (Type == DataType.String) throw new InvalidOperationException("string tensors have no byte view");
        if (!HasData) throw NoData();
        int size = DataTypes.SizeOf(Type);
        ref byte start = ref Unsafe.AddByteOffset(ref MemoryMarshal.GetArrayDataReference(Buffer), (nint)Offset * size);
        return MemoryMarshal.CreateSpan(ref start, Length * size);
    }

    private InvalidOperationException NoData() =>
        new($"{this} holds no elements: its data was released (taken over by a prepared kernel)");

    /// <summary>A tensor that shares this one's storage (and offset) under another shape of the same element count.</summary>
    public Tensor Reshape(ReadOnlySpan<int> shape)
    {
        int length = ElementCount(shape);
        if (length != Length)
            throw new ArgumentException($"cannot view {Length} elements as shape [{string.Join(",", shape.ToArray())}]");
        return new Tensor(Type, shape.ToArray(), Buffer, Offset, Length);
    }

    /// <summary>A deep copy.</summary>
    public Tensor Clone()
    {
        Array copy = AllocateStorage(Type, Length);
        Array.Copy(Buffer, Offset, copy, 0, Length);
        return new Tensor(Type, (int[])Shape.Clone(), copy, 0, Length);
    }

    /// <summary>Element i converted to double, for any numeric or bool type (for tests, reports and slow paths).</summary>
    public double GetDouble(int index) => GetDoubleAt(Offset + CheckIndex(index));

    private double GetDoubleAt(int index) => Type switch
    {
        DataType.Float => ((float[])Buffer)[index],
        DataType.Double => ((double[])Buffer)[index],
        DataType.Float16 => (double)((Half[])Buffer)[index],
        DataType.BFloat16 => (float)((BFloat16[])Buffer)[index],
        DataType.Bool => ((bool[])Buffer)[index] ? 1 : 0,
        DataType.UInt64 => ((ulong[])Buffer)[index],
        _ => GetInt64At(index),
    };

    /// <summary>Element i as a long, for integer index tensors such as shapes and axes.</summary>
    // Switch on the element type, not the array: the CLR lets a byte[] match sbyte[] (and ushort[] match short[]).
    public long GetInt64(int index) => GetInt64At(Offset + CheckIndex(index));

    private int CheckIndex(int index) =>
        (uint)index < (uint)Length ? index : throw new IndexOutOfRangeException($"index {index} is outside a tensor of {Length} elements");

    private long GetInt64At(int index) => DataTypes.ClrType(Type) switch
    {
        var t when t == typeof(long) => ((long[])Buffer)[index],
        var t when t == typeof(int) => ((int[])Buffer)[index],
        var t when t == typeof(short) => ((short[])Buffer)[index],
        var t when t == typeof(ushort) => ((ushort[])Buffer)[index],
        var t when t == typeof(sbyte) => ((sbyte[])Buffer)[index],
        var t when t == typeof(byte) => ((byte[])Buffer)[index],
        var t when t == typeof(uint) => ((uint[])Buffer)[index],
        var t when t == typeof(ulong) => (long)((ulong[])Buffer)[index],
        var t when t == typeof(bool) => ((bool[])Buffer)[index] ? 1 : 0,
        _ when DataTypes.IsFloatingPoint(Type) => (long)GetDoubleAt(index),
        _ => throw new InvalidOperationException($"{DataTypes.OnnxName(Type)} has no numeric value"),
    };

    /// <summary>All elements as longs (for small shape-like tensors).</summary>
    public long[] ToInt64Array()
    {
        var result = new long[Length];
        for (int i = 0; i < result.Length; i++) result[i] = GetInt64(i);
        return result;
    }

    /// <summary>Element count of <paramref name="shape"/>, rejecting negative dimensions and overflow.</summary>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape [{string.Join(",", shape.ToArray())}]");
            count *= d;
            if (count > MaxElements)
                throw new ArgumentException($"shape [{string.Join(",", shape.ToArray())}] has more than {MaxElements} elements");
        }
        return (int)count;
    }

    public static string FormatShape(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    public override string ToString() => $"tensor({DataTypes.OnnxName(Type)}) {FormatShape(Shape)}";

    /// <summary>A zeroed array of the storage type of <paramref name="type"/>.</summary>
    public static Array AllocateStorage(DataType type, int length)
    {
        Type clr = DataTypes.ClrType(type);
        if (clr == typeof(float)) return new float[length];
        if (clr == typeof(double)) return new double[length];
        if (clr == typeof(Half)) return new Half[length];
        if (clr == typeof(BFloat16)) return new BFloat16[length];
        if (clr == typeof(sbyte)) return new sbyte[length];
        if (clr == typeof(byte)) return new byte[length];
        if (clr == typeof(short)) return new short[length];
        if (clr == typeof(ushort)) return new ushort[length];
        if (clr == typeof(int)) return new int[length];
        if (clr == typeof(uint)) return new uint[length];
        if (clr == typeof(long)) return new long[length];
        if (clr == typeof(ulong)) return new ulong[length];
        if (clr == typeof(bool)) return new bool[length];
        var strings = new string[length];
        Array.Fill(strings, string.Empty);
        return strings;
    }
}
