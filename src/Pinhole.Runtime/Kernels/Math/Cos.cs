using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Cos: elementwise cosine (float, double, float16, bfloat16).</summary>
internal readonly struct CosFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Cos", 7, _ => new FloatUnaryKernel<CosFunction>(default));

    public float Invoke(float x) => MathF.Cos(x);

    public double Invoke(double x) => Math.Cos(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Cos(x, destination);
        return true;
    }
}
