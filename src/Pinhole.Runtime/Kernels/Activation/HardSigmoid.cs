using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>HardSigmoid: max(0, min(1, alpha * x + beta)) (float, double, float16, bfloat16).</summary>
internal readonly struct HardSigmoidFunction : IFloatFunction
{
    private readonly float _alpha;
    private readonly float _beta;

    private HardSigmoidFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 0.2f);
        _beta = info.GetFloat("beta", 0.5f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "HardSigmoid", 1, info => new FloatUnaryKernel<HardSigmoidFunction>(new HardSigmoidFunction(info)));

    public float Invoke(float x) => MathF.Max(0f, MathF.Min(1f, _alpha * x + _beta));

    public double Invoke(double x) => Math.Max(0.0, Math.Min(1.0, _alpha * x + _beta));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Multiply(x, _alpha, destination);
        TensorPrimitives.Add(destination, _beta, destination);
        TensorPrimitives.Max(destination, 0f, destination);
        TensorPrimitives.Min(destination, 1f, destination);
        return true;
    }
}
