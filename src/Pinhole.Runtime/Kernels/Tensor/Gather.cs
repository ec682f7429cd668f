using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Gather: takes entries along 'axis' at the given (possibly negative) indices.</summary>
internal sealed class Gather : OpKernel
{
    private readonly long _axis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Gather", 1, info => new Gather(info));

    private Gather(KernelInfo info) => _axis = info.GetInt("axis", 0);

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        int rank = data.Rank;
        if (_axis < -rank || _axis >= rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        int dim = data.Shape[axis];
        var raw = TensorMoves.Int64s(indices);
        var idx = new int[raw.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            long v = raw[i] < 0 ? raw[i] + dim : raw[i];
            if (v < 0 || v >= dim) throw context.Error($"index {raw[i]} is out of range for axis of size {dim}");
            idx[i] = (int)v;
        }
        var shape = new int[rank - 1 + indices.Rank];
        data.Shape.AsSpan(0, axis).CopyTo(shape);
        indices.Shape.CopyTo(shape, axis);
        data.Shape.AsSpan(axis + 1).CopyTo(shape.AsSpan(axis + indices.Rank));
        var y = context.Output(0, data.Type, shape);
        int outer = Tensor.ElementCount(data.Shape.AsSpan(0, axis));
        int inner = Tensor.ElementCount(data.Shape.AsSpan(axis + 1));
        Blocks(data, outer, dim, inner, idx, y);
    }

    /// <summary>y[o, k, :] = data[o, idx[k], :] for data viewed as [outer, dim, inner].</summary>
    internal static void Blocks(Tensor data, int outer, int dim, int inner, int[] idx, Tensor y)
    {
        if (y.Length == 0) return;
        var action = new BlocksAction(data, outer, dim, inner, idx, y);
        TensorMoves.Dispatch(data.Type, ref action);
    }

    private readonly struct BlocksAction(Tensor data, int outer, int dim, int inner, int[] idx, Tensor y) : IElementAction
    {
        public void Invoke<T>()
        {
            var src = TensorMoves.Elements<T>(data);
            var dst = TensorMoves.Elements<T>(y);
            int d = 0;
            for (int o = 0; o < outer; o++)
            {
                int baseOffset = o * dim;
                if (inner == 1)
                {
                    for (int k = 0; k < idx.Length; k++) dst[d++] = src[baseOffset + idx[k]];
                }
                else
                {
                    for (int k = 0; k < idx.Length; k++, d += inner)
                        src.Slice((baseOffset + idx[k]) * inner, inner).CopyTo(dst.Slice(d, inner));
                }
            }
        }
    }
}
