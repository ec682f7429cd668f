using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sqrt: elementwise square root (float, double, float16, bfloat16).</summary>
internal readonly struct SqrtFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sqrt", 1, _ => new FloatUnaryKernel<SqrtFunction>(default));

    public float Invoke(float x) => MathF.Sqrt(x);

    public double Invoke(double x) => Math.Sqrt(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Sqrt(x, destination);
        return true;
    }
}
