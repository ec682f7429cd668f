using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Softsign: elementwise x / (1 + |x|) (float, double, float16, bfloat16).</summary>
internal readonly struct SoftsignFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Softsign", 1, _ => new FloatUnaryKernel<SoftsignFunction>(default));

    public float Invoke(float x) => x / (1f + MathF.Abs(x));

    public double Invoke(double x) => x / (1.0 + Math.Abs(x));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Abs(x, destination);
        TensorPrimitives.Add(destination, 1f, destination);
        TensorPrimitives.Divide(x, destination, destination);
        return true;
    }
}
