using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Tanh: elementwise hyperbolic tangent (float, double, float16, bfloat16).</summary>
internal readonly struct TanhFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Tanh", 1, _ => new FloatUnaryKernel<TanhFunction>(default));

    public float Invoke(float x) => MathF.Tanh(x);

    public double Invoke(double x) => Math.Tanh(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Tanh(x, destination);
        return true;
    }
}
