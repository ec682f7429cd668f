using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GatherElements: out[i] = data[i with the 'axis' coordinate replaced by indices[i]].</summary>
internal sealed class GatherElements : OpKernel
{
    private readonly long _axis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GatherElements", 11, info => new GatherElements(info));

    private GatherElements(KernelInfo info) => _axis = info.GetInt("axis", 0);

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        int rank = data.Rank;
        if (indices.Rank != rank) throw context.Error("indices must have the rank of data");
        if (_axis < -rank || _axis >= rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        var offsets = ElementOffsets(context, data.Shape, indices, axis);
        var y = context.Output(0, data.Type, indices.Shape);
        var action = new Take(data, offsets, y);
        TensorMoves.Dispatch(data.Type, ref action);
    }

    /// <summary>For each element of <paramref name="indices"/>, the offset in a tensor of <paramref name="dataShape"/> it addresses along <paramref name="axis"/>.</summary>
    internal static int[] ElementOffsets(KernelContext context, int[] dataShape, Tensor indices, int axis)
    {
        int rank = dataShape.Length;
        for (int d = 0; d < rank; d++)
            if (indices.Shape[d] > dataShape[d] && d != axis)
                throw context.Error($"indices shape {Tensor.FormatShape(indices.Shape)} exceeds data shape {Tensor.FormatShape(dataShape)}");
        var strides = TensorMoves.Strides(dataShape);
        var idx = TensorMoves.Int64s(indices);
        var offsets = new int[idx.Length];
        if (offsets.Length == 0) return offsets;
        var pos = new int[rank];
        int dim = dataShape[axis], baseOffset = 0;
        for (int i = 0; i < offsets.Length; i++)
        {
            long v = idx[i] < 0 ? idx[i] + dim : idx[i];
            if (v < 0 || v >= dim) throw context.Error($"index {idx[i]} is out of range for axis of size {dim}");
            offsets[i] = baseOffset + (int)v * strides[axis];
            for (int d = rank - 1; d >= 0; d--)
            {
                if (d != axis) baseOffset += strides[d];
                if (++pos[d] < indices.Shape[d]) break;
                if (d != axis) baseOffset -= strides[d] * indices.Shape[d];
                pos[d] = 0;
            }
        }
        return offsets;
    }

    private readonly struct Take(Tensor data, int[] offsets, Tensor y) : IElementAction
    {
        public void Invoke<T>()
        {
            var src = TensorMoves.Elements<T>(data);
            var dst = TensorMoves.Elements<T>(y);
            for (int i = 0; i < dst.Length; i++) dst[i] = src[offsets[i]];
        }
    }
}
