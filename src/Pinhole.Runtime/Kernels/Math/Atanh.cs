using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Atanh: elementwise inverse hyperbolic tangent (float, double, float16, bfloat16).</summary>
internal readonly struct AtanhFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Atanh", 9, _ => new FloatUnaryKernel<AtanhFunction>(default));

    public float Invoke(float x) => MathF.Atanh(x);

    public double Invoke(double x) => Math.Atanh(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Atanh(x, destination);
        return true;
    }
}
