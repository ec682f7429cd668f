using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Erf: elementwise error function (float, double, float16, bfloat16).</summary>
internal readonly struct ErfFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Erf", 9, _ => new FloatUnaryKernel<ErfFunction>(default));

    public float Invoke(float x) => (float)MathErf.Erf(x);

    public double Invoke(double x) => MathErf.Erf(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        FastErf.Apply(x, destination, gelu: false);
        return true;
    }
}
