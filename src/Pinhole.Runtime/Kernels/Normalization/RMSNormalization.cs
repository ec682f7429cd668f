using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>RMSNormalization (opset 23+): x / sqrt(mean(x^2 over [axis, rank)) + epsilon) * scale.</summary>
internal sealed class RMSNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "RMSNormalization", 23, info => new RMSNormalization(info));

    private readonly long _axis;
    private readonly float _epsilon;

    private RMSNormalization(KernelInfo info)
    {
        _axis = info.GetInt("axis", -1);
        _epsilon = info.GetFloat("epsilon", 1e-5f);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        int rank = x.Rank;
        int axis = NnData.Axis(_axis, rank);
        if (axis < 0) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        var normalizedShape = x.Shape.AsSpan(axis);
        var scale = NnRows.Broadcast(context.Input(1), normalizedShape)
            ?? throw context.Error($"scale of shape {Tensor.FormatShape(context.Input(1).Shape)} does not match {Tensor.FormatShape(normalizedShape)}");
        int outer = NnData.Product(x.Shape, 0, axis), n = NnData.Product(x.Shape, axis, rank);
        var y = context.Output(0, x.Type, x.Shape);
        if (n == 0) return;
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        for (int o = 0; o < outer; o++)
        {
            var src = xs.Slice(o * n, n);
            var row = ys.Slice(o * n, n);
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(src) / n + _epsilon);
            TensorPrimitives.Multiply(src, inv, row);
            NnRows.ScaleShift(row, scale, []);
        }
        NnRows.Commit(y, temp);
    }
}
