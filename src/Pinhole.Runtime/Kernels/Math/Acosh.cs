using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Acosh: elementwise inverse hyperbolic cosine (float, double, float16, bfloat16).</summary>
internal readonly struct AcoshFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Acosh", 9, _ => new FloatUnaryKernel<AcoshFunction>(default));

    public float Invoke(float x) => MathF.Acosh(x);

    public double Invoke(double x) => Math.Acosh(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Acosh(x, destination);
        return true;
    }
}
