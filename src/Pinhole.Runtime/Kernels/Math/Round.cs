using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Round: elementwise round half to even (float, double, float16, bfloat16).</summary>
internal readonly struct RoundFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Round", 11, _ => new FloatUnaryKernel<RoundFunction>(default));

    public float Invoke(float x) => MathF.Round(x, MidpointRounding.ToEven);

    public double Invoke(double x) => Math.Round(x, MidpointRounding.ToEven);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Round(x, destination);
        return true;
    }
}
