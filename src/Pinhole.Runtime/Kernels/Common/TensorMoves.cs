using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetReference(t.Bytes())), t.Length);
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

    /// <summary>
    /// A plain loop, not Span.Fill: constant folding fills whole weight tensors at load (ShuffleNet's come from
    /// ConstantOfShape), and Span.Fill's instantiations are JIT-compiled at every process start, at tier 0 first.
    /// </summary>
    private readonly struct FillAction(Tensor destination, Tensor value) : IElementAction
    {
        public void Invoke<T>()
        {
            var elements = Elements<T>(destination);
            T fill = Elements<T>(value)[0];
            for (int i = 0; i < elements.Length; i++) elements[i] = fill;
        }
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
        ref T srcRef = ref MemoryMarshal.GetReference(src);
        ref T dstRef = ref MemoryMarshal.GetReference(dst);
        for (int o = 0; o < outerCount; o++)
        {
            for (int i0 = 0; i0 < rows; i0 += Tile)
            {
                int i1 = Math.Min(i0 + Tile, rows);
                for (int j0 = 0; j0 < cols; j0 += Tile)
                {
                    int j1 = Math.Min(j0 + Tile, cols);
                    // Bounds: the caller's strides keep every (i, j) of the tile inside both spans; check the corners once.
                    _ = src[so + (i1 - 1) + (j1 - 1) * colSrc];
                    _ = dst[dof + (i1 - 1) * rowDst + (j1 - 1)];
                    if (Avx.IsSupported && Unsafe.SizeOf<T>() == 4 && (i1 - i0) % 8 == 0 && (j1 - j0) % 8 == 0)
                    {
                        for (int i = i0; i < i1; i += 8)
                            for (int j = j0; j < j1; j += 8)
                                Transpose8x8(ref Unsafe.As<T, float>(ref Unsafe.Add(ref srcRef, so + i + j * colSrc)), colSrc,
                                    ref Unsafe.As<T, float>(ref Unsafe.Add(ref dstRef, dof + i * rowDst + j)), rowDst);
                        continue;
                    }
                    for (int i = i0; i < i1; i++)
                    {
                        ref T s = ref Unsafe.Add(ref srcRef, so + i + j0 * colSrc);
                        ref T d = ref Unsafe.Add(ref dstRef, dof + i * rowDst + j0);
                        for (int j = 0; j < j1 - j0; j++) Unsafe.Add(ref d, j) = Unsafe.Add(ref s, j * colSrc);
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

    /// <summary>d[k * dStride + r] = s[r * sStride + k] for an 8x8 block of 4-byte elements.</summary>
    private static void Transpose8x8(ref float s, int sStride, ref float d, int dStride)
    {
        nuint ss = (nuint)sStride, ds = (nuint)dStride;
        var r0 = Vector256.LoadUnsafe(ref s);
        var r1 = Vector256.LoadUnsafe(ref s, ss);
        var r2 = Vector256.LoadUnsafe(ref s, 2 * ss);
        var r3 = Vector256.LoadUnsafe(ref s, 3 * ss);
        var r4 = Vector256.LoadUnsafe(ref s, 4 * ss);
        var r5 = Vector256.LoadUnsafe(ref s, 5 * ss);
        var r6 = Vector256.LoadUnsafe(ref s, 6 * ss);
        var r7 = Vector256.LoadUnsafe(ref s, 7 * ss);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref d, ds);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref d, 2 * ds);
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref d, 3 * ds);
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref d, 4 * ds);
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref d, 5 * ds);
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref d, 6 * ds);
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref d, 7 * ds);
    }
}
