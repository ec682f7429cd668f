using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Ceil: elementwise round up (float, double, float16, bfloat16).</summary>
internal readonly struct CeilFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Ceil", 1, _ => new FloatUnaryKernel<CeilFunction>(default));

    public float Invoke(float x) => MathF.Ceiling(x);

    public double Invoke(double x) => Math.Ceiling(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Ceiling(x, destination);
        return true;
    }
}
