namespace Pinhole.Runtime.Kernels;

/// <summary>Numpy-style multidirectional broadcasting (ONNX Broadcasting.md): shapes and a binary driver.</summary>
public static class Broadcast
{
    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>.</summary>
    /// <exception cref="ArgumentException">The shapes are not broadcastable.</exception>
    public static int[] Shape(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} are not broadcastable (dimension {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>The broadcast shape of several shapes.</summary>
    public static int[] ShapeOfAll(params int[][] shapes)
    {
        int[] result = [];
        foreach (var s in shapes) result = Shape(result.AsSpan(), s.AsSpan());
        return result;
    }

    /// <summary>Element strides of <paramref name="shape"/> seen through broadcast <paramref name="outShape"/> (0 on broadcast dims).</summary>
    public static int[] Strides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape)
    {
        var strides = new int[outShape.Length];
        int stride = 1;
        for (int i = outShape.Length - 1, j = shape.Length - 1; i >= 0; i--, j--)
        {
            int d = j >= 0 ? shape[j] : 1;
            strides[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return strides;
    }

    /// <summary>output = op(a, b) with broadcasting; <paramref name="output"/> has the broadcast shape.</summary>
    public static void Binary<T, TResult, TOp>(Tensor a, Tensor b, Tensor output) where TOp : IBinaryOp<T, TResult> =>
        Binary<T, TResult, TOp>(a.ReadOnlySpan<T>(), a.Shape, b.ReadOnlySpan<T>(), b.Shape, output.Span<TResult>(), output.Shape);

    /// <summary>Allocates output 0 of the broadcast shape and <paramref name="resultType"/>, then fills it from inputs 0 and 1.</summary>
    public static Tensor Binary<T, TResult, TOp>(KernelContext context, DataType resultType) where TOp : IBinaryOp<T, TResult>
    {
        var a = context.Input(0);
        var b = context.Input(1);
        var output = context.OutputUninitialized(0, resultType, Shape(a.Shape, b.Shape));
        Binary<T, TResult, TOp>(a, b, output);
        return output;
    }

    public static void Binary<T, TResult, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b,
        ReadOnlySpan<int> bShape, Span<TResult> output, ReadOnlySpan<int> outShape) where TOp : IBinaryOp<T, TResult>
    {
        if (output.Length == 0) return;
        var layout = Layout.Create(aShape, bShape, outShape);
        if (layout.Sizes.Length == 0)
        {
            output[0] = TOp.Invoke(a[0], b[0]);
            return;
        }
        Rows<T, TResult, TOp>(a, b, output, layout, 0, layout.RowCount);
    }

    /// <summary>
    /// Like <see cref="Binary{T, TResult, TOp}(ReadOnlySpan{T}, ReadOnlySpan{int}, ReadOnlySpan{T}, ReadOnlySpan{int}, Span{TResult}, ReadOnlySpan{int})"/>,
    /// split over the intra-op threads when the output is large (rows of the innermost merged dimension per item).
    /// </summary>
    public static unsafe void BinaryParallel<T, TResult, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b,
        ReadOnlySpan<int> bShape, Span<TResult> output, ReadOnlySpan<int> outShape, int threads)
        where T : unmanaged where TResult : unmanaged where TOp : IBinaryOp<T, TResult>
    {
        if (output.Length == 0) return;
        var layout = Layout.Create(aShape, bShape, outShape);
        if (layout.Sizes.Length == 0)
        {
            output[0] = TOp.Invoke(a[0], b[0]);
            return;
        }
        int rows = layout.RowCount;
        int chunks = NnFast.Chunks(output.Length, rows, threads);
        if (chunks <= 1)
        {
            Rows<T, TResult, TOp>(a, b, output, layout, 0, rows);
            return;
        }
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (TResult* po = output)
        {
            var body = new RowsBody<T, TResult, TOp>(pa, a.Length, pb, b.Length, po, output.Length, layout, rows, chunks);
            IntraOp.For(chunks, threads, body);
        }
    }

    private readonly unsafe struct RowsBody<T, TResult, TOp>(T* a, int aLength, T* b, int bLength, TResult* output, int outLength,
        Layout layout, int rows, int chunks) : IParallelBody
        where T : unmanaged where TResult : unmanaged where TOp : IBinaryOp<T, TResult>
    {
        public void Invoke(int index) => Rows<T, TResult, TOp>(new ReadOnlySpan<T>(a, aLength), new ReadOnlySpan<T>(b, bLength),
            new Span<TResult>(output, outLength), layout, (int)((long)rows * index / chunks), (int)((long)rows * (index + 1) / chunks));
    }

    /// <summary>Output rows [rowFrom, rowTo) of the innermost merged dimension.</summary>
    private static void Rows<T, TResult, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<TResult> output, Layout layout,
        int rowFrom, int rowTo) where TOp : IBinaryOp<T, TResult>
    {
        int dims = layout.Sizes.Length;
        int inner = layout.Sizes[dims - 1];
        bool aFull = layout.AStrides[dims - 1] != 0, bFull = layout.BStrides[dims - 1] != 0;
        Span<int> index = stackalloc int[dims];
        int aOffset = 0, bOffset = 0;
        // The odometer at rowFrom.
        for (int d = dims - 2, rest = rowFrom; d >= 0; d--)
        {
            index[d] = rest % layout.Sizes[d];
            rest /= layout.Sizes[d];
            aOffset += index[d] * layout.AStrides[d];
            bOffset += index[d] * layout.BStrides[d];
        }
        for (int row = rowFrom; row < rowTo; row++)
        {
            var dst = output.Slice(row * inner, inner);
            if (aFull && bFull) Run<T, TResult, TOp>(a.Slice(aOffset, inner), b.Slice(bOffset, inner), dst);
            else if (aFull) Run<T, TResult, TOp>(a.Slice(aOffset, inner), b[bOffset], dst);
            else Run<T, TResult, TOp>(a[aOffset], b.Slice(bOffset, inner), dst);

            for (int d = dims - 2; d >= 0; d--)
            {
                aOffset += layout.AStrides[d];
                bOffset += layout.BStrides[d];
                if (++index[d] < layout.Sizes[d]) break;
                aOffset -= layout.AStrides[d] * layout.Sizes[d];
                bOffset -= layout.BStrides[d] * layout.Sizes[d];
                index[d] = 0;
            }
        }
    }

    private static void Run<T, TResult, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<TResult> d) where TOp : IBinaryOp<T, TResult>
    {
        if (TOp.TryInvoke(x, y, d)) return;
        for (int i = 0; i < d.Length; i++) d[i] = TOp.Invoke(x[i], y[i]);
    }

    private static void Run<T, TResult, TOp>(ReadOnlySpan<T> x, T y, Span<TResult> d) where TOp : IBinaryOp<T, TResult>
    {
        if (TOp.TryInvoke(x, y, d)) return;
        for (int i = 0; i < d.Length; i++) d[i] = TOp.Invoke(x[i], y);
    }

    private static void Run<T, TResult, TOp>(T x, ReadOnlySpan<T> y, Span<TResult> d) where TOp : IBinaryOp<T, TResult>
    {
        if (TOp.TryInvoke(x, y, d)) return;
        for (int i = 0; i < d.Length; i++) d[i] = TOp.Invoke(x, y[i]);
    }

    /// <summary>
    /// The output's dimensions with size-1 dimensions dropped and neighbours that broadcast the same way merged,
    /// so the innermost loop runs over the longest contiguous stretch.
    /// </summary>
    private readonly record struct Layout(int[] Sizes, int[] AStrides, int[] BStrides)
    {
        /// <summary>Rows of the innermost dimension: the product of the outer sizes.</summary>
        public int RowCount
        {
            get
            {
                int r = 1;
                for (int d = 0; d < Sizes.Length - 1; d++) r *= Sizes[d];
                return r;
            }
        }

        public static Layout Create(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> outShape)
        {
            int rank = outShape.Length;
            var sizes = new List<int>(rank);
            var kinds = new List<int>(rank);
            for (int i = 0; i < rank; i++)
            {
                if (outShape[i] == 1) continue;
                int ia = i - (rank - aShape.Length), ib = i - (rank - bShape.Length);
                bool af = ia >= 0 && aShape[ia] != 1, bf = ib >= 0 && bShape[ib] != 1;
                int kind = (af ? 1 : 0) | (bf ? 2 : 0);
                if (sizes.Count > 0 && kinds[^1] == kind) sizes[^1] *= outShape[i];
                else { sizes.Add(outShape[i]); kinds.Add(kind); }
            }
            int n = sizes.Count;
            var aStrides = new int[n];
            var bStrides = new int[n];
            int sa = 1, sb = 1;
            for (int d = n - 1; d >= 0; d--)
            {
                if ((kinds[d] & 1) != 0) { aStrides[d] = sa; sa *= sizes[d]; }
                if ((kinds[d] & 2) != 0) { bStrides[d] = sb; sb *= sizes[d]; }
            }
            return new Layout([.. sizes], aStrides, bStrides);
        }
    }
}
