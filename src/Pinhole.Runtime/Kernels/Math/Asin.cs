using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Asin: elementwise arc sine (float, double, float16, bfloat16).</summary>
internal readonly struct AsinFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Asin", 7, _ => new FloatUnaryKernel<AsinFunction>(default));

    public float Invoke(float x) => MathF.Asin(x);

    public double Invoke(double x) => Math.Asin(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Asin(x, destination);
        return true;
    }
}
