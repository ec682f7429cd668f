using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Acos: elementwise arc cosine (float, double, float16, bfloat16).</summary>
internal readonly struct AcosFunction : IFloatFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Acos", 7, _ => new FloatUnaryKernel<AcosFunction>(default));

    public float Invoke(float x) => MathF.Acos(x);

    public double Invoke(double x) => Math.Acos(x);

    public bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination)
    {
        TensorPrimitives.Acos(x, destination);
        return true;
    }
}
