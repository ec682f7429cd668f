using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Softplus: elementwise log(1 + e^x) (float, double, float16, bfloat16).</summary>
internal readonly struct SoftplusFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Softplus", 1, _ => new FloatUnaryKernel<SoftplusFunction>(default));

    public float Invoke(float x) => (float)Invoke((double)x);

    public double Invoke(double x) => x > 0 ? x + Math.Log(1.0 + Math.Exp(-x)) : Math.Log(1.0 + Math.Exp(x));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        return false;
    }
}
