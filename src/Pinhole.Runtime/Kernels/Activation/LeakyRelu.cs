using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LeakyRelu: x for x >= 0, alpha * x otherwise (float, double, float16, bfloat16).</summary>
internal readonly struct LeakyReluFunction : IFloatFunction
{
    private readonly float _alpha;

    private LeakyReluFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 0.01f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "LeakyRelu", 1, info => new FloatUnaryKernel<LeakyReluFunction>(new LeakyReluFunction(info)));

    public float Invoke(float x) => x >= 0 ? x : _alpha * x;

    public double Invoke(double x) => x >= 0 ? x : (double)_alpha * x;

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination) => false;
}
