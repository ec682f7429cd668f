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
        var y = context.Output(0, x.Type, shape);
        TensorMoves.Copy(x, 0, srcStrides, y, 0, TensorMoves.Strides(shape), shape);
    }
}
