using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Exp: elementwise e to the x (float, double, float16, bfloat16).</summary>
internal readonly struct ExpFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Exp", 1, _ => new FloatUnaryKernel<ExpFunction>(default));

    public float Invoke(float x) => MathF.Exp(x);

    public double Invoke(double x) => Math.Exp(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Exp(x, destination);
        return true;
    }
}
