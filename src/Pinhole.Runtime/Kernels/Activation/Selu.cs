using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Selu: scaled exponential linear unit (float, double, float16, bfloat16).</summary>
internal readonly struct SeluFunction : IFloatFunction
{
    private readonly float _alpha;
    private readonly float _gamma;

    private SeluFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1.67326319217681884765625f);
        _gamma = info.GetFloat("gamma", 1.05070102214813232421875f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Selu", 1, info => new FloatUnaryKernel<SeluFunction>(new SeluFunction(info)));

    public float Invoke(float x) => x > 0 ? _gamma * x : _gamma * (_alpha * MathF.Exp(x) - _alpha);

    public double Invoke(double x) => x > 0 ? _gamma * x : _gamma * (_alpha * Math.Exp(x) - _alpha);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Exp(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] > 0 ? _gamma * x[i] : _gamma * (_alpha * destination[i] - _alpha);
        return true;
    }
}
