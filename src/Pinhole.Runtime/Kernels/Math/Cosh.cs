using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Cosh: elementwise hyperbolic cosine (float, double, float16, bfloat16).</summary>
internal readonly struct CoshFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Cosh", 9, _ => new FloatUnaryKernel<CoshFunction>(default));

    public float Invoke(float x) => MathF.Cosh(x);

    public double Invoke(double x) => Math.Cosh(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Cosh(x, destination);
        return true;
    }
}
