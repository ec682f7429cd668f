namespace Pinhole.Runtime.Kernels;

/// <summary>Runs float32 ops on float16/bfloat16 tensors by widening inputs and narrowing the result.</summary>
public static class ViaFloat
{
    /// <summary>Output 0 = op(input 0, input 1) computed in float32, stored in input 0's type.</summary>
    public static void Binary<TOp>(KernelContext context) where TOp : IBinaryOp<float, float>
    {
        var a = FloatConversion.ToFloat(context.Input(0));
        var b = FloatConversion.ToFloat(context.Input(1));
        var shape = Broadcast.Shape(a.Shape, b.Shape);
        var result = new float[Tensor.ElementCount(shape)];
        Broadcast.Binary<float, float, TOp>(a.ReadOnlySpan<float>(), a.Shape, b.ReadOnlySpan<float>(), b.Shape, result, shape);
        FloatConversion.FromFloat(result, context.Output(0, context.Input(0).Type, shape));
    }

    /// <summary>Output 0 = op(input 0) computed in float32, stored in input 0's type.</summary>
    public static void Unary<TOp>(KernelContext context) where TOp : IUnaryOp<float, float>
    {
        var x = FloatConversion.ToFloat(context.Input(0));
        var result = new float[x.Length];
        Elementwise.Unary<float, float, TOp>(x.ReadOnlySpan<float>(), result);
        FloatConversion.FromFloat(result, context.Output(0, context.Input(0).Type, x.Shape));
    }
}
