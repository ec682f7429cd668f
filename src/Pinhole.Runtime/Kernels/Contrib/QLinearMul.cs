using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft QLinearMul: C = quantize(dequantize(A) * dequantize(B)) with multidirectional broadcasting.</summary>
internal sealed class QLinearMul : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QLinearMul", 1, _ => new QLinearMul());

    public override void Execute(KernelContext context) => QLinearBinary.Run<QuantMulOp>(context);

    private readonly struct QuantMulOp : IBinaryOp<float, float>
    {
        public static float Invoke(float x, float y) => x * y;

        public static bool TryInvoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        {
            TensorPrimitives.Multiply(x, y, d);
            return true;
        }

        public static bool TryInvoke(ReadOnlySpan<float> x, float y, Span<float> d)
        {
            TensorPrimitives.Multiply(x, y, d);
            return true;
        }

        public static bool TryInvoke(float x, ReadOnlySpan<float> y, Span<float> d)
        {
            TensorPrimitives.Multiply(y, x, d);
            return true;
        }
    }
}
