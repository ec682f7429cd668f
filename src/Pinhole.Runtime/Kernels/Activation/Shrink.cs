using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Shrink: x + bias below -lambd, x - bias above lambd, 0 between (float, double, float16, bfloat16, integers).</summary>
internal readonly struct ShrinkFunction : IFloatFunction
{
    private readonly float _bias;
    private readonly float _lambd;

    private ShrinkFunction(KernelInfo info)
    {
        _bias = info.GetFloat("bias", 0f);
        _lambd = info.GetFloat("lambd", 0.5f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Shrink", 9, info => new FloatUnaryKernel<ShrinkFunction>(new ShrinkFunction(info), allowIntegers: true));

    public float Invoke(float x) => x < -_lambd ? x + _bias : x > _lambd ? x - _bias : 0f;

    public double Invoke(double x) => x < -_lambd ? x + _bias : x > _lambd ? x - _bias : 0.0;

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination) => false;
}
