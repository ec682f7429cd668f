using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Log: elementwise natural logarithm (float, double, float16, bfloat16).</summary>
internal readonly struct LogFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Log", 1, _ => new FloatUnaryKernel<LogFunction>(default));

    public float Invoke(float x) => MathF.Log(x);

    public double Invoke(double x) => Math.Log(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Log(x, destination);
        return true;
    }
}
