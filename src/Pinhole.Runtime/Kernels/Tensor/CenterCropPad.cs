using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>CenterCropPad: center-crops or zero-pads the given axes to the requested sizes.</summary>
internal sealed class CenterCropPad : OpKernel
{
    private readonly long[]? _axes;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "CenterCropPad", 18, info => new CenterCropPad(info));

    private CenterCropPad(KernelInfo info) => _axes = info.GetInts("axes");

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var sizes = TensorMoves.Int64s(context.Input(1));
        int rank = x.Rank;
        int n = _axes?.Length ?? rank;
        if (sizes.Length != n) throw context.Error($"shape has {sizes.Length} entries for {n} axes");
        var shape = (int[])x.Shape.Clone();
        for (int i = 0; i < n; i++)
        {
            long a = _axes is null ? i : _axes[i];
            if (a < -rank || a >= rank) throw context.Error($"axis {a} is out of range for rank {rank}");
            shape[(int)(a < 0 ? a + rank : a)] = TensorMoves.Dim(sizes[i]);
        }
        var y = context.Output(0, x.Type, shape);
        var srcStrides = TensorMoves.Strides(x.Shape);
        var dstStrides = TensorMoves.Strides(shape);
        var common = new int[rank];
        int srcOffset = 0, dstOffset = 0;
        for (int d = 0; d < rank; d++)
        {
            int dim = x.Shape[d], target = shape[d];
            common[d] = Math.Min(dim, target);
            if (dim > target) srcOffset += (dim - target) / 2 * srcStrides[d];
            else dstOffset += (target - dim) / 2 * dstStrides[d];
        }
        TensorMoves.Copy(x, srcOffset, srcStrides, y, dstOffset, dstStrides, common);
    }
}
