using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sinh: elementwise hyperbolic sine (float, double, float16, bfloat16).</summary>
internal readonly struct SinhFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sinh", 9, _ => new FloatUnaryKernel<SinhFunction>(default));

    public float Invoke(float x) => MathF.Sinh(x);

    public double Invoke(double x) => Math.Sinh(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Sinh(x, destination);
        return true;
    }
}
