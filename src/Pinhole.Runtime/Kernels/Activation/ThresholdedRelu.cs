using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ThresholdedRelu: x for x > alpha, 0 otherwise (float, double, float16, bfloat16).</summary>
internal readonly struct ThresholdedReluFunction : IFloatFunction
{
    private readonly float _alpha;

    private ThresholdedReluFunction(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "ThresholdedRelu", 10, info => new FloatUnaryKernel<ThresholdedReluFunction>(new ThresholdedReluFunction(info)));

    public float Invoke(float x) => x > _alpha ? x : 0f;

    public double Invoke(double x) => x > _alpha ? x : 0.0;

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var alpha = new Vector<float>(_alpha);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(v, alpha), v, Vector<float>.Zero).CopyTo(destination.Slice(i));
            }
        }
        for (; i < x.Length; i++) destination[i] = Invoke(x[i]);
        return true;
    }
}
