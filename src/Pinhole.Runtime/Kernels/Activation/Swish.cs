using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Swish: x * sigmoid(alpha * x) (float, double, float16, bfloat16).</summary>
internal readonly struct SwishFunction : IFloatFunction
{
    private readonly float _alpha;

    private SwishFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Swish", 24, info => new FloatUnaryKernel<SwishFunction>(new SwishFunction(info)));

    public float Invoke(float x) => x / (1f + MathF.Exp(-_alpha * x));

    public double Invoke(double x) => x / (1.0 + Math.Exp(-_alpha * x));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Multiply(x, _alpha, destination);
        TensorPrimitives.Sigmoid(destination, destination);
        TensorPrimitives.Multiply(destination, x, destination);
        return true;
    }
}
