using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft QLinearConcat: inputs (Y_scale, Y_zero_point, then X, X_scale, X_zero_point per tensor), each requantized to Y's parameters and concatenated on axis.</summary>
internal sealed class QLinearConcat : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QLinearConcat", 1, info => new QLinearConcat(info));

    private readonly long _axis;

    private QLinearConcat(KernelInfo info)
    {
        _axis = info.GetInt("axis");
        if (info.InputCount < 5 || (info.InputCount - 2) % 3 != 0)
            throw info.Invalid("inputs must be Y_scale, Y_zero_point and then triples of X, X_scale, X_zero_point");
    }

    public override void Execute(KernelContext context)
    {
        float sy = ScalarFloat(context, context.Input(0), "Y_scale");
        var yZero = context.Input(1);
        int zy = ScalarZeroPoint(context, yZero, "Y_zero_point");
        int count = (context.InputCount - 2) / 3;
        var first = context.Input(2);
        int rank = first.Rank;
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        if (axis < 0 || axis >= rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        var shape = (int[])first.Shape.Clone();
        shape[axis] = 0;
        for (int t = 0; t < count; t++)
        {
            var x = context.Input(2 + 3 * t);
            if (x.Type != yZero.Type) throw context.Error($"input {t} is {DataTypes.OnnxName(x.Type)}, Y is {DataTypes.OnnxName(yZero.Type)}");
            if (x.Rank != rank) throw context.Error($"input {t} has rank {x.Rank}, expected {rank}");
            for (int d = 0; d < rank; d++)
                if (d != axis && x.Shape[d] != first.Shape[d])
                    throw context.Error($"input shapes {Tensor.FormatShape(first.Shape)} and {Tensor.FormatShape(x.Shape)} differ outside axis {axis}");
            shape[axis] += x.Shape[axis];
        }
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < rank; d++) inner *= shape[d];
        var result = new float[Tensor.ElementCount(shape)];
        var (min, max) = Range(yZero.Type);
        int rowOut = shape[axis] * inner, offset = 0;
        for (int t = 0; t < count; t++)
        {
            var x = context.Input(2 + 3 * t);
            float sx = ScalarFloat(context, context.Input(3 + 3 * t), "X_scale");
            int zx = ScalarZeroPoint(context, context.OptionalInput(4 + 3 * t), "X_zero_point");
            var f = Dequantize(x, sx, zx);
            int row = x.Shape[axis] * inner;
            var q = new float[row];
            for (int o = 0; o < outer; o++)
            {
                Quantize(f.AsSpan(o * row, row), sy, zy, min, max, q);
                q.CopyTo(result.AsSpan(o * rowOut + offset, row));
            }
            offset += row;
        }
        var y = context.Output(0, yZero.Type, shape);
        StoreIntegers(result, y);
    }
}
