using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft QLinearAdd: C = quantize(dequantize(A) + dequantize(B)) with multidirectional broadcasting.</summary>
internal sealed class QLinearAdd : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QLinearAdd", 1, _ => new QLinearAdd());

    public override unsafe void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(3);
        if (a.Type is DataType.Int8 or DataType.UInt8 && b.Type == a.Type && a.Shape.AsSpan().SequenceEqual(b.Shape))
        {
            // Same shapes: one vectorized pass with the reference's float operations.
            float sa = ScalarFloat(context, context.Input(1), "A_scale");
            int za = ScalarZeroPoint(context, context.OptionalInput(2), "A_zero_point");
            float sb = ScalarFloat(context, context.Input(4), "B_scale");
            int zb = ScalarZeroPoint(context, context.OptionalInput(5), "B_zero_point");
            float sc = ScalarFloat(context, context.Input(6), "C_scale");
            int zc = ScalarZeroPoint(context, context.OptionalInput(7), "C_zero_point");
            var (min, max) = Range(a.Type);
            var c = context.OutputUninitialized(0, a.Type, a.Shape);
            fixed (byte* pa = a.Bytes())
            fixed (byte* pb = b.Bytes())
            fixed (byte* pc = c.Bytes())
                Int8Convert.Add(pa, pb, a.Length, a.Type == DataType.Int8, sa, za, sb, zb, sc, zc, min, max, pc);
            return;
        }
        QLinearBinary.Run<AddOp<float>>(context);
    }
}

/// <summary>Shared body of the com.microsoft quantized binary ops (A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp).</summary>
internal static class QLinearBinary
{
    public static void Run<TOp>(KernelContext context) where TOp : IBinaryOp<float, float>
    {
        var a = context.Input(0);
        var b = context.Input(3);
        if (a.Type is not (DataType.Int8 or DataType.UInt8) || b.Type != a.Type)
            throw context.Error($"A and B must both be int8 or uint8, are {DataTypes.OnnxName(a.Type)} and {DataTypes.OnnxName(b.Type)}");
        float sa = ScalarFloat(context, context.Input(1), "A_scale");
        int za = ScalarZeroPoint(context, context.OptionalInput(2), "A_zero_point");
        float sb = ScalarFloat(context, context.Input(4), "B_scale");
        int zb = ScalarZeroPoint(context, context.OptionalInput(5), "B_zero_point");
        float sc = ScalarFloat(context, context.Input(6), "C_scale");
        int zc = ScalarZeroPoint(context, context.OptionalInput(7), "C_zero_point");
        int[] shape;
        try { shape = Broadcast.Shape(a.Shape, b.Shape); }
        catch (ArgumentException e) { throw context.Error(e.Message); }
        var fa = Dequantize(a, sa, za);
        var fb = Dequantize(b, sb, zb);
        var sum = new float[Tensor.ElementCount(shape)];
        Broadcast.Binary<float, float, TOp>(fa, a.Shape, fb, b.Shape, sum, shape);
        var c = context.Output(0, a.Type, shape);
        QuantizeInto(sum, sc, zc, c);
    }
}
