using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Concat: joins inputs along 'axis' (negative from opset 11).</summary>
internal sealed class Concat : OpKernel
{
    private readonly long _axis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Concat", 1, info => new Concat(info));

    public override string Variant => NnFast.Enabled ? "block copy" : "strided copy";

    /// <summary>Inputs the memory plan placed inside the output are not copied (<see cref="FastConcat"/> skips them).</summary>
    public override long? JoinAxis => NnFast.Enabled ? _axis : null;

    private Concat(KernelInfo info) => _axis = info.GetInt("axis", info.OpsetVersion < 4 ? 1 : long.MinValue) is long a && a != long.MinValue
        ? a : throw info.Invalid("attribute 'axis' is required");

    public override void Execute(KernelContext context)
    {
        var first = context.Input(0);
        int rank = first.Rank;
        if (rank == 0) throw context.Error("cannot concatenate scalars");
        int axis = _axis < -rank || _axis >= rank ? throw context.Error($"axis {_axis} is out of range for rank {rank}")
            : (int)(_axis < 0 ? _axis + rank : _axis);
        var shape = (int[])first.Shape.Clone();
        long total = 0;
        for (int i = 0; i < context.InputCount; i++)
        {
            var t = context.Input(i);
            if (t.Type != first.Type) throw context.Error("inputs have different element types");
            if (t.Rank != rank) throw context.Error($"input {i} has rank {t.Rank}, expected {rank}");
            for (int d = 0; d < rank; d++)
                if (d != axis && t.Shape[d] != shape[d])
                    throw context.Error($"input {i} has shape {Tensor.FormatShape(t.Shape)}, incompatible with {Tensor.FormatShape(first.Shape)}");
            total += t.Shape[axis];
        }
        shape[axis] = TensorMoves.Dim(total);
        if (FastConcat.Supports(first.Type) && NnFast.Enabled && FastConcat.BlocksAreLarge(context, NnData.Product(shape, 0, axis)))
        {
            var fast = context.OutputUninitialized(0, first.Type, shape);
            FastConcat.Run(context, fast, NnData.Product(shape, 0, axis), context.Options.IntraOpThreads);
            return;
        }
        var y = context.Output(0, first.Type, shape);
        var dstStrides = TensorMoves.Strides(shape);
        int offset = 0;
        for (int i = 0; i < context.InputCount; i++)
        {
            var t = context.Input(i);
            TensorMoves.Copy(t, 0, TensorMoves.Strides(t.Shape), y, offset * dstStrides[axis], dstStrides, t.Shape);
            offset += t.Shape[axis];
        }
    }
}
