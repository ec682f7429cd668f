using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>A generic body instantiated per element storage size (byte, ushort, uint, ulong, Int128) or string.</summary>
public interface IElementAction
{
    void Invoke<T>();
}

/// <summary>Data movement helpers for shape ops: element-size dispatch, strided copies, axis and index reading.</summary>
public static class TensorMoves
{
    /// <summary>Calls <paramref name="action"/> with a type of the same size as <paramref name="type"/>'s elements (string for strings).</summary>
    public static void Dispatch<TAction>(DataType type, ref TAction action) where TAction : struct, IElementAction
    {
        if (type == DataType.String)
        {
            action.Invoke<string>();
            return;
        }
        switch (DataTypes.SizeOf(type))
        {
            case 1: action.Invoke<byte>(); break;
            case 2: action.Invoke<ushort>(); break;
            case 4: action.Invoke<uint>(); break;
            case 8: action.Invoke<ulong>(); break;
            case 16: action.Invoke<Int128>(); break;
            default: throw new NotSupportedException($"element type {DataTypes.OnnxName(type)} cannot be moved");
        }
    }

    /// <summary>The elements of <paramref name="t"/> seen as <typeparamref name="T"/> (from <see cref="Dispatch"/>).</summary>
    public static Span<T> Elements<T>(Tensor t)
    {
        if (typeof(T) == typeof(string) || t.Type == DataType.String) return t.Span<T>();
        if (Unsafe.SizeOf<T>() != DataTypes.SizeOf(t.Type)) throw new InvalidCastException($"{typeof(T).Name} does not match {DataTypes.OnnxName(t.Type)}");
        ref byte start = ref MemoryMarshal.GetArrayDataReference(t.Buffer);
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref start), t.Length);
    }

    /// <summary>Axis in [-rank, rank-1] made non-negative.</summary>
    public static int Axis(long axis, int rank)
    {
        if (axis < -rank || axis >= rank) throw new ArgumentException($"axis {axis} is out of range for rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Row-major element strides of <paramref name="shape"/>.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    /// <summary>An integer tensor's elements as longs (no copy for int64).</summary>
    public static ReadOnlySpan<long> Int64s(Tensor t)
    {
        if (t.Type == DataType.Int64) return t.ReadOnlySpan<long>();
        if (t.Type == DataType.Int32)
        {
            var src = t.ReadOnlySpan<int>();
            var r = new long[src.Length];
            for (int i = 0; i < r.Length; i++) r[i] = src[i];
            return r;
        }
        if (!DataTypes.IsInteger(t.Type)) throw new ArgumentException($"expected an integer tensor, got {DataTypes.OnnxName(t.Type)}");
        return t.ToInt64Array();
    }

    /// <summary>A dimension computed in long, checked to fit an int.</summary>
    public static int Dim(long value) =>
        value is < 0 or > int.MaxValue ? throw new ArgumentException($"dimension {value} is out of range") : (int)value;

    /// <summary>Fills all of <paramref name="destination"/> with element 0 of <paramref name="value"/> (same element type).</summary>
    public static void Fill(Tensor destination, Tensor value)
    {
        if (value.Type != destination.Type) throw new ArgumentException("fill value has a different element type");
        if (value.Length < 1) throw new ArgumentException("fill value is empty");
        var action = new FillAction(destination, value);
        Dispatch(destination.Type, ref action);
    }

    private readonly struct FillAction(Tensor destination, Tensor value) : IElementAction
    {
        public void Invoke<T>() => Elements<T>(destination).Fill(Elements<T>(value)[0]);
    }

    /// <summary>
    /// Copies the elements of <paramref name="shape"/> from <paramref name="source"/> (at <paramref name="srcOffset"/>
    /// with <paramref name="srcStrides"/>, which may be 0 or negative) into <paramref name="destination"/>.
    /// </summary>
    public static void Copy(Tensor source, int srcOffset, ReadOnlySpan<int> srcStrides, Tensor destination, int dstOffset,
        ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        if (source.Type != destination.Type) throw new ArgumentException("copy between different element types");
        foreach (int d in shape)
            if (d == 0) return;
        var action = new CopyAction(source, srcOffset, srcStrides.ToArray(), destination, dstOffset, dstStrides.ToArray(), shape.ToArray());
        Dispatch(source.Type, ref action);
    }

    private readonly struct CopyAction(Tensor source, int srcOffset, int[] srcStrides, Tensor destination, int dstOffset,
        int[] dstStrides, int[] shape) : IElementAction
    {
        public void Invoke<T>() =>
            StridedCopy<T>(Elements<T>(source), srcOffset, srcStrides, Elements<T>(destination), dstOffset, dstStrides, shape);
    }

    private const int Tile = 16;

    /// <summary>The typed strided copy behind <see cref="Copy"/>: merges dimensions, copies contiguous runs, tiles transposes.</summary>
    public static void StridedCopy<T>(ReadOnlySpan<T> src, int srcOffset, ReadOnlySpan<int> srcStrides, Span<T> dst, int dstOffset,
        ReadOnlySpan<int> dstStrides, ReadOnlySpan<int> shape)
    {
        // Coalesce: drop size-1 dimensions, merge neighbours that are contiguous in both source and destination.
        int rank = shape.Length;
        Span<int> sizes = stackalloc int[rank + 1];
        Span<int> ss = stackalloc int[rank + 1];
        Span<int> ds = stackalloc int[rank + 1];
        int n = 0;
        for (int i = 0; i < rank; i++)
        {
            if (shape[i] == 0) return;
            if (shape[i] == 1) continue;
            if (n > 0 && ss[n - 1] == srcStrides[i] * shape[i] && ds[n - 1] == dstStrides[i] * shape[i])
            {
                sizes[n - 1] *= shape[i];
                ss[n - 1] = srcStrides[i];
                ds[n - 1] = dstStrides[i];
                continue;
            }
            sizes[n] = shape[i];
            ss[n] = srcStrides[i];
            ds[n] = dstStrides[i];
            n++;
        }
        if (n == 0)
        {
            dst[dstOffset] = src[srcOffset];
            return;
        }
        int last = n - 1;
        int k = -1;
        if (ss[last] != 1 && ds[last] == 1 && sizes[last] >= Tile)
        {
            for (int d = 0; d < last; d++)
                if (ss[d] == 1 && sizes[d] >= Tile) k = d;
        }
        if (k >= 0)
        {
            TiledCopy(src, srcOffset, dst, dstOffset, sizes[..n], ss[..n], ds[..n], k);
            return;
        }

        int inner = sizes[last], si = ss[last], di = ds[last];
        int outerCount = 1;
        for (int d = 0; d < last; d++) outerCount *= sizes[d];
        Span<int> index = stackalloc int[n];
        index.Clear();
        int so = srcOffset, dof = dstOffset;
        for (int o = 0; o < outerCount; o++)
        {
            if (si == 1 && di == 1) src.Slice(so, inner).CopyTo(dst.Slice(dof, inner));
            else if (si == 0 && di == 1) dst.Slice(dof, inner).Fill(src[so]);
            else
            {
                int s = so, t = dof;
                for (int j = 0; j < inner; j++, s += si, t += di) dst[t] = src[s];
            }
            for (int d = last - 1; d >= 0; d--)
            {
                so += ss[d];
                dof += ds[d];
                if (++index[d] < sizes[d]) break;
                so -= ss[d] * sizes[d];
                dof -= ds[d] * sizes[d];
                index[d] = 0;
            }
        }
    }

    private static void TiledCopy<T>(ReadOnlySpan<T> src, int srcOffset, Span<T> dst, int dstOffset, ReadOnlySpan<int> sizes,
        ReadOnlySpan<int> ss, ReadOnlySpan<int> ds, int k)
    {
        int n = sizes.Length, last = n - 1;
        int rows = sizes[k], cols = sizes[last], rowDst = ds[k], colSrc = ss[last];
        int outerCount = 1;
        for (int d = 0; d < last; d++)
            if (d != k) outerCount *= sizes[d];
        Span<int> index = stackalloc int[n];
        index.Clear();
        int so = srcOffset, dof = dstOffset;
        for (int o = 0; o < outerCount; o++)
        {
            for (int i0 = 0; i0 < rows; i0 += Tile)
            {
                int i1 = Math.Min(i0 + Tile, rows);
                for (int j0 = 0; j0 < cols; j0 += Tile)
                {
                    int j1 = Math.Min(j0 + Tile, cols);
                    for (int i = i0; i < i1; i++)
                    {
                        int s = so + i + j0 * colSrc;
                        var row = dst.Slice(dof + i * rowDst + j0, j1 - j0);
                        for (int j = 0; j < row.Length; j++, s += colSrc) row[j] = src[s];
                    }
                }
            }
            for (int d = last - 1; d >= 0; d--)
            {
                if (d == k) continue;
                so += ss[d];
                dof += ds[d];
                if (++index[d] < sizes[d]) break;
                so -= ss[d] * sizes[d];
                dof -= ds[d] * sizes[d];
                index[d] = 0;
            }
        }
    }
}
