namespace Pinhole.IR;

/// <summary>
/// Conversions between shape arrays as loops. LINQ over value types (<see cref="Dim"/>, <c>long?</c>) is a generic
/// instantiation that ReadyToRun cannot precompile outside the framework, so every process start paid the JIT for it
/// while loading a model.
/// </summary>
public static class ShapeArrays
{
    /// <summary>Every dimension known.</summary>
    public static Dim[] KnownDims(int[] shape)
    {
        var dims = new Dim[shape.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = Dim.Known(shape[i]);
        return dims;
    }

    public static long?[] Nullable(long[] values)
    {
        var result = new long?[values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = values[i];
        return result;
    }

    public static long?[] Nullable(int[] values)
    {
        var result = new long?[values.Length];
        for (int i = 0; i < result.Length; i++) result[i] = values[i];
        return result;
    }

    /// <summary>Known dimensions where the value is known, unknown ones elsewhere.</summary>
    public static Dim[] Dims(long?[] shape)
    {
        var dims = new Dim[shape.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i] is long v ? Dim.Known(v) : Dim.Unknown;
        return dims;
    }

    /// <summary><paramref name="count"/> copies of <paramref name="value"/>.</summary>
    public static long[] Repeat(long value, int count)
    {
        var result = new long[count];
        for (int i = 0; i < count; i++) result[i] = value;
        return result;
    }

    /// <summary>
    /// Whether two shapes are the same, by a loop: MemoryExtensions.SequenceEqual over long is an instantiation the JIT
    /// compiles at every process start, inside graph optimization.
    /// </summary>
    public static bool Equal(long[] a, long[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    /// <summary>The values when all are known, else null.</summary>
    public static long[]? AllKnown(long?[] values)
    {
        var result = new long[values.Length];
        for (int i = 0; i < result.Length; i++)
        {
            if (values[i] is not long v) return null;
            result[i] = v;
        }
        return result;
    }
}
