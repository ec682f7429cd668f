using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Elu: x for x >= 0, alpha * (e^x - 1) otherwise (float, double, float16, bfloat16).</summary>
internal readonly struct EluFunction : IFloatFunction
{
    private readonly float _alpha;

    private EluFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Elu", 1, info => new FloatUnaryKernel<EluFunction>(new EluFunction(info)));

    public float Invoke(float x) => x >= 0 ? x : _alpha * (MathF.Exp(x) - 1f);

    public double Invoke(double x) => x >= 0 ? x : _alpha * (Math.Exp(x) - 1.0);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Exp(x, destination);
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] >= 0 ? x[i] : _alpha * (destination[i] - 1f);
        return true;
    }
}
