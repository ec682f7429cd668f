using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>MatMulInteger: int32 = (a - a_zero_point) x (b - b_zero_point) with numpy matmul semantics.</summary>
internal sealed class MatMulInteger : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "MatMulInteger", 10, _ => new MatMulInteger());

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type is not (DataType.Int8 or DataType.UInt8) || b.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"inputs must be int8 or uint8, are {DataTypes.OnnxName(a.Type)} and {DataTypes.OnnxName(b.Type)}");
        var layout = MatMulLayout.Create(context, a.Shape, b.Shape);
        var c = MatMulInt(context, layout, a, context.OptionalInput(2), b, context.OptionalInput(3));
        context.SetOutput(0, Tensor.FromArray(c, layout.OutputShape));
    }
}
