using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Slice: starts/ends/axes attributes (opset 1) or starts/ends/axes/steps inputs (10+), with clamping and negative steps.</summary>
internal sealed class Slice : OpKernel
{
    private readonly long[]? _starts, _ends, _axes;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Slice", 1, info => new Slice(info));
        KernelRegistry.Register("", "Slice", 10, info => new Slice(info));
    }

    private Slice(KernelInfo info)
    {
        if (info.OpsetVersion >= 10) return;
        _starts = info.GetInts("starts") ?? throw info.Invalid("attribute 'starts' is required");
        _ends = info.GetInts("ends") ?? throw info.Invalid("attribute 'ends' is required");
        _axes = info.GetInts("axes");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        ReadOnlySpan<long> starts, ends, axes = default, steps = default;
        bool hasAxes, hasSteps = false;
        if (_starts is not null)
        {
            starts = _starts;
            ends = _ends;
            hasAxes = _axes is not null;
            axes = _axes;
        }
        else
        {
            starts = TensorMoves.Int64s(context.Input(1));
            ends = TensorMoves.Int64s(context.Input(2));
            hasAxes = context.OptionalInput(3) is not null;
            if (hasAxes) axes = TensorMoves.Int64s(context.Input(3));
            hasSteps = context.OptionalInput(4) is not null;
            if (hasSteps) steps = TensorMoves.Int64s(context.Input(4));
        }
        int rank = x.Rank;
        int n = starts.Length;
        if (ends.Length != n || (hasAxes && axes.Length != n) || (hasSteps && steps.Length != n))
            throw context.Error("starts, ends, axes and steps must have the same length");
        var shape = (int[])x.Shape.Clone();
        var inStrides = TensorMoves.Strides(x.Shape);
        var srcStrides = (int[])inStrides.Clone();
        var seen = new bool[rank];
        long offset = 0;
        for (int i = 0; i < n; i++)
        {
            long a = hasAxes ? axes[i] : i;
            if (a < -rank || a >= rank) throw context.Error($"axis {a} is out of range for rank {rank}");
            int axis = (int)(a < 0 ? a + rank : a);
            if (seen[axis]) throw context.Error($"axis {axis} is repeated");
            seen[axis] = true;
            long step = hasSteps ? steps[i] : 1;
            if (step == 0) throw context.Error("step cannot be 0");
            long dim = x.Shape[axis];
            long start = starts[i], end = ends[i];
            if (start < 0) start += dim;
            if (end < 0) end += dim;
            long count;
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, 0, dim);
                count = end > start ? 1 + (end - start - 1) / step : 0;
            }
            else
            {
                start = Math.Clamp(start, 0, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                count = start > end ? 1 + (start - end - 1) / -Math.Max(step, -long.MaxValue) : 0;
            }
            shape[axis] = (int)count;
            if (count > 0) offset += start * inStrides[axis];
            // A step beyond the axis only matters when one element is taken, and then the stride is unused.
            srcStrides[axis] = count > 1 ? (int)(step * inStrides[axis]) : 0;
        }
        var y = context.Output(0, x.Type, shape);
        if (y.Length == 0) return;
        TensorMoves.Copy(x, (int)offset, srcStrides, y, 0, TensorMoves.Strides(shape), shape);
    }
}
