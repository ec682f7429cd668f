using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Asinh: elementwise inverse hyperbolic sine (float, double, float16, bfloat16).</summary>
internal readonly struct AsinhFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Asinh", 9, _ => new FloatUnaryKernel<AsinhFunction>(default));

    public float Invoke(float x) => MathF.Asinh(x);

    public double Invoke(double x) => Math.Asinh(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Asinh(x, destination);
        return true;
    }
}
