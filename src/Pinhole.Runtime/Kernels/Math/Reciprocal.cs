using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Reciprocal: elementwise 1/x (float, double, float16, bfloat16).</summary>
internal readonly struct ReciprocalFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Reciprocal", 1, _ => new FloatUnaryKernel<ReciprocalFunction>(default));

    public float Invoke(float x) => 1f / x;

    public double Invoke(double x) => 1.0 / x;

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Reciprocal(x, destination);
        return true;
    }
}
