using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Transpose: permutes axes (default: reversed) with a merged, tiled strided copy.</summary>
internal sealed class Transpose : OpKernel
{
    private readonly int[]? _perm;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Transpose", 1, info => new Transpose(info));

    private Transpose(KernelInfo info)
    {
        if (info.GetInts("perm") is not { } perm) return;
        _perm = new int[perm.Length];
        var seen = new bool[perm.Length];
        for (int i = 0; i < perm.Length; i++)
        {
            long p = perm[i] < 0 ? perm[i] + perm.Length : perm[i];
            if (p < 0 || p >= perm.Length || seen[p]) throw info.Invalid($"perm [{string.Join(",", perm)}] is not a permutation");
            seen[p] = true;
            _perm[i] = (int)p;
        }
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        var perm = _perm;
        if (perm is null)
        {
            perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        else if (perm.Length != rank) throw context.Error($"perm has {perm.Length} entries but the input has rank {rank}");
        var inStrides = TensorMoves.Strides(x.Shape);
        var shape = new int[rank];
        var srcStrides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = x.Shape[perm[i]];
            srcStrides[i] = inStrides[perm[i]];
        }
        bool identity = true;
        for (int i = 0, last = -1; i < rank; i++)
        {
            if (shape[i] == 1) continue;
            if (perm[i] < last) identity = false;
            last = perm[i];
        }
        if (identity)
        {
            context.SetOutput(0, x.Reshape(shape));
            return;
        }
        if (NnFast.Enabled && FastConcat.Supports(x.Type) && BlockPlan(x, perm, shape) is { } plan)
        {
            var fast = context.OutputUninitialized(0, x.Type, shape);
            Blocks(x, fast, plan, context.Options.IntraOpThreads);
            return;
        }
        var y = context.Output(0, x.Type, shape);
        TensorMoves.Copy(x, 0, srcStrides, y, 0, TensorMoves.Strides(shape), shape);
    }

    /// <summary>
    /// A permutation that keeps the last axes in place moves whole blocks (ShuffleNet's channel shuffle moves H x W
    /// planes): the output's outer index, walked in order, picks each block's source by the permuted strides.
    /// </summary>
    private sealed record Plan(int[] InShape, int[] OuterDims, long[] OuterSourceStrides, int BlockBytes, int Outer);

    private Plan? _plan;

    private Plan? BlockPlan(Tensor x, int[] perm, int[] shape)
    {
        var cached = _plan;
        if (cached is not null && cached.InShape.AsSpan().SequenceEqual(x.Shape)) return cached;
        int rank = x.Rank, kept = 0;
        while (kept < rank && perm[rank - 1 - kept] == rank - 1 - kept) kept++;
        long block = DataTypes.SizeOf(x.Type);
        for (int d = rank - kept; d < rank; d++) block *= x.Shape[d];
        // Blocks under a cache line copy no faster than the tiled strided copy.
        if (kept == 0 || block < 64 || block > int.MaxValue) return null;
        int outerRank = rank - kept;
        var inStrides = TensorMoves.Strides(x.Shape);
        var dims = new int[outerRank];
        var strides = new long[outerRank];
        long outer = 1;
        for (int i = 0; i < outerRank; i++)
        {
            dims[i] = shape[i];
            strides[i] = (long)inStrides[perm[i]] * DataTypes.SizeOf(x.Type);
            outer *= shape[i];
        }
        if (outer > int.MaxValue) return null;
        return _plan = new Plan((int[])x.Shape.Clone(), dims, strides, (int)block, (int)outer);
    }

    private static unsafe void Blocks(Tensor x, Tensor y, Plan plan, int threads)
    {
        int chunks = NnFast.Chunks((long)plan.Outer * plan.BlockBytes / sizeof(float), plan.Outer, threads);
        fixed (byte* px = x.Bytes())
        fixed (byte* py = y.Bytes())
        fixed (int* dims = plan.OuterDims)
        fixed (long* strides = plan.OuterSourceStrides)
            IntraOp.For(chunks, threads, new BlockBody(px, py, dims, strides, plan.OuterDims.Length, plan.BlockBytes, plan.Outer, chunks));
    }

    private readonly unsafe struct BlockBody(byte* x, byte* y, int* dims, long* strides, int rank, int blockBytes, int outer, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)outer * index / chunks), to = (int)((long)outer * (index + 1) / chunks);
            if (from >= to) return;
            // The multi-index of block `from`, then odometer steps.
            int* at = stackalloc int[rank];
            long source = 0;
            for (int d = rank - 1, rest = from; d >= 0; d--)
            {
                at[d] = rest % dims[d];
                rest /= dims[d];
                source += at[d] * strides[d];
            }
            for (int o = from; o < to; o++)
            {
                Buffer.MemoryCopy(x + source, y + ((long)o * blockBytes), blockBytes, blockBytes);
                for (int d = rank - 1; d >= 0; d--)
                {
                    source += strides[d];
                    if (++at[d] < dims[d]) break;
                    source -= strides[d] * dims[d];
                    at[d] = 0;
                }
            }
        }
    }
}
