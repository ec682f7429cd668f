using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sin: elementwise sine (float, double, float16, bfloat16).</summary>
internal readonly struct SinFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sin", 7, _ => new FloatUnaryKernel<SinFunction>(default));

    public float Invoke(float x) => MathF.Sin(x);

    public double Invoke(double x) => Math.Sin(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Sin(x, destination);
        return true;
    }
}
