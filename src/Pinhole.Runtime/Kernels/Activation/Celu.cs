using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Celu: continuously differentiable exponential linear unit (float, double, float16, bfloat16).</summary>
internal readonly struct CeluFunction : IFloatFunction
{
    private readonly float _alpha;

    private CeluFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Celu", 12, info => new FloatUnaryKernel<CeluFunction>(new CeluFunction(info)));

    public float Invoke(float x) => MathF.Max(0f, x) + MathF.Min(0f, _alpha * (MathF.Exp(x / _alpha) - 1f));

    public double Invoke(double x) => Math.Max(0.0, x) + Math.Min(0.0, _alpha * (Math.Exp(x / _alpha) - 1.0));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination) => false;
}
