using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Atan: elementwise arc tangent (float, double, float16, bfloat16).</summary>
internal readonly struct AtanFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Atan", 7, _ => new FloatUnaryKernel<AtanFunction>(default));

    public float Invoke(float x) => MathF.Atan(x);

    public double Invoke(double x) => Math.Atan(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Atan(x, destination);
        return true;
    }
}
