using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Gelu (opset 20): x * Phi(x), exact (erf) or with the tanh approximation.</summary>
internal readonly struct GeluFunction : IFloatFunction
{
    private readonly bool _tanh;

    internal GeluFunction(bool tanh) => _tanh = tanh;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Gelu", 20, info =>
    {
        string approximate = info.GetString("approximate", "none");
        if (approximate is not ("none" or "tanh")) throw info.Invalid($"approximate must be 'none' or 'tanh', not '{approximate}'");
        return new FloatUnaryKernel<GeluFunction>(new GeluFunction(approximate == "tanh"));
    });

    public float Invoke(float x) => (float)Invoke((double)x);

    public double Invoke(double x) => _tanh
        ? 0.5 * x * (1.0 + Math.Tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
        : 0.5 * x * (1.0 + MathErf.Erf(x * 0.7071067811865476));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (_tanh) return false;
        FastErf.Apply(x, destination, gelu: true);
        return true;
    }
}
