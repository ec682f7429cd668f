using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>HardSwish: elementwise x * max(0, min(1, x/6 + 1/2)) (float, double, float16, bfloat16).</summary>
internal readonly struct HardSwishFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "HardSwish", 14, _ => new FloatUnaryKernel<HardSwishFunction>(default));

    public float Invoke(float x) => x * MathF.Max(0f, MathF.Min(1f, x / 6f + 0.5f));

    public double Invoke(double x) => x * Math.Max(0.0, Math.Min(1.0, x / 6.0 + 0.5));

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Multiply(x, 1f / 6f, destination);
        TensorPrimitives.Add(destination, 0.5f, destination);
        TensorPrimitives.Max(destination, 0f, destination);
        TensorPrimitives.Min(destination, 1f, destination);
        TensorPrimitives.Multiply(destination, x, destination);
        return true;
    }
}
