using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Mish: elementwise x * tanh(softplus(x)) (float, double, float16, bfloat16).</summary>
internal readonly struct MishFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Mish", 18, _ => new FloatUnaryKernel<MishFunction>(default));

    public float Invoke(float x) => (float)Invoke((double)x);

    public double Invoke(double x) => x * Math.Tanh(x > 0 ? x + Math.Log(1.0 + Math.Exp(-x)) : Math.Log(1.0 + Math.Exp(x)));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        return false;
    }
}
