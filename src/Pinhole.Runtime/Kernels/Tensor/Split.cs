using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Split: parts along 'axis' from the 'split' attribute (opset 1, 2, 11), input (13) or num_outputs (18), else equal.</summary>
internal sealed class Split : OpKernel
{
    private readonly long _axis;
    private readonly long[]? _split;
    private readonly long _numOutputs;
    private readonly bool _splitFromInput;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Split", 1, info => new Split(info));
        KernelRegistry.Register("", "Split", 13, info => new Split(info));
    }

    private Split(KernelInfo info)
    {
        _axis = info.GetInt("axis", 0);
        if (info.OpsetVersion < 13) _split = info.GetInts("split");
        _splitFromInput = info.OpsetVersion >= 13 || info.HasInput(1);
        _numOutputs = info.OpsetVersion >= 18 ? info.GetInt("num_outputs", 0) : 0;
        if (_numOutputs != 0 && _numOutputs != info.OutputCount)
            throw info.Invalid($"num_outputs is {_numOutputs} but the node has {info.OutputCount} outputs");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        if (_axis < -rank || _axis >= rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        int dim = x.Shape[axis];
        int n = context.OutputCount;
        ReadOnlySpan<long> split = _split;
        if (_split is null && _splitFromInput && context.OptionalInput(1) is { } s) split = TensorMoves.Int64s(s);
        var sizes = new int[n];
        if (split.Length > 0 || (_split is not null))
        {
            if (split.Length != n) throw context.Error($"split has {split.Length} entries for {n} outputs");
            long sum = 0;
            for (int i = 0; i < n; i++)
            {
                if (split[i] < 0) throw context.Error("split sizes must be non-negative");
                sizes[i] = (int)split[i];
                sum += split[i];
            }
            if (sum != dim) throw context.Error($"split sizes sum to {sum}, but the axis has {dim}");
        }
        else
        {
            int chunk = (dim + n - 1) / n;
            if (_numOutputs == 0 && dim % n != 0) throw context.Error($"axis of size {dim} cannot be split into {n} equal parts");
            for (int i = 0, left = dim; i < n; i++)
            {
                sizes[i] = Math.Min(chunk, left);
                left -= sizes[i];
            }
        }
        var srcStrides = TensorMoves.Strides(x.Shape);
        int offset = 0;
        for (int i = 0; i < n; i++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = sizes[i];
            if (context.HasOutput(i))
            {
                var y = context.Output(i, x.Type, shape);
                TensorMoves.Copy(x, offset * srcStrides[axis], srcStrides, y, 0, TensorMoves.Strides(shape), shape);
            }
            offset += sizes[i];
        }
    }
}
