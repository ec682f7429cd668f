using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Floor: elementwise round down (float, double, float16, bfloat16).</summary>
internal readonly struct FloorFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Floor", 1, _ => new FloatUnaryKernel<FloorFunction>(default));

    public float Invoke(float x) => MathF.Floor(x);

    public double Invoke(double x) => Math.Floor(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Floor(x, destination);
        return true;
    }
}
