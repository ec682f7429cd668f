using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>Relu: elementwise max(x, 0), every numeric type.</summary>
internal readonly struct ReluFunction : INumericFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Relu", 1, _ => new NumericUnaryKernel<ReluFunction>(default, inPlace: true));

    public T Invoke<T>(T x) where T : unmanaged, INumber<T> => x < T.Zero ? T.Zero : x;

    public bool TryInvoke<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
        {
            int width = !NnFast.Enabled ? 0 : NnFast.Use512 ? 512 : NnFast.Use256 ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
            Floats(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(destination), width);
            return true;
        }
        if (typeof(T) != typeof(double)) return false;
        TensorPrimitives.Max(x, T.Zero, destination);
        return true;
    }

    /// <summary>
    /// Float Relu with vectors of at most <paramref name="width"/> bits (0: scalar; for tests). MAXPS(0, x) returns x when
    /// the comparison 0 &gt; x is false, so NaN and -0 pass through exactly as the scalar x &lt; 0 ? 0 : x; three times
    /// faster than TensorPrimitives.Max, whose IEEE maximum needs extra operations per vector.
    /// </summary>
    internal static unsafe void Floats(ReadOnlySpan<float> x, Span<float> y, int width)
    {
        int n = Math.Min(x.Length, y.Length), i = 0;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            if (width >= 512 && Avx512F.IsSupported)
                for (; i <= n - 16; i += 16) Avx512F.Max(Vector512<float>.Zero, Vector512.Load(px + i)).Store(py + i);
            if (width >= 256 && Avx.IsSupported)
                for (; i <= n - 8; i += 8) Avx.Max(Vector256<float>.Zero, Vector256.Load(px + i)).Store(py + i);
            else if (width >= 256 && Vector256.IsHardwareAccelerated)
                for (; i <= n - 8; i += 8)
                {
                    var v = Vector256.Load(px + i);
                    Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), Vector256<float>.Zero, v).Store(py + i);
                }
            if (width >= 128 && Vector128.IsHardwareAccelerated)
                for (; i <= n - 4; i += 4)
                {
                    var v = Vector128.Load(px + i);
                    Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128<float>.Zero), Vector128<float>.Zero, v).Store(py + i);
                }
            for (; i < n; i++) py[i] = px[i] < 0 ? 0 : px[i];
        }
    }
}
