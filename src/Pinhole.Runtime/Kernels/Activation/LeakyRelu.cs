using System.Numerics;
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

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var alpha = new Vector<float>(_alpha);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(x.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThanOrEqual(v, Vector<float>.Zero), v, v * alpha).CopyTo(destination.Slice(i));
            }
        }
        for (; i < x.Length; i++) destination[i] = Invoke(x[i]);
        return true;
    }
}
