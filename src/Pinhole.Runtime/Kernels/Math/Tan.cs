using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Tan: elementwise tangent (float, double, float16, bfloat16).</summary>
internal readonly struct TanFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Tan", 7, _ => new FloatUnaryKernel<TanFunction>(default));

    public float Invoke(float x) => MathF.Tan(x);

    public double Invoke(double x) => Math.Tan(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Tan(x, destination);
        return true;
    }
}
