using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sigmoid: elementwise logistic sigmoid (float, double, float16, bfloat16).</summary>
internal readonly struct SigmoidFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sigmoid", 1, _ => new FloatUnaryKernel<SigmoidFunction>(default, inPlace: true));

    public float Invoke(float x) => 1f / (1f + MathF.Exp(-x));

    public double Invoke(double x) => 1.0 / (1.0 + Math.Exp(-x));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Sigmoid(x, destination);
        return true;
    }
}
