using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Mod (opset 10): fmod=0 gives the integer remainder with the divisor's sign (Python's %); fmod=1 gives C fmod,
/// with the dividend's sign. Floating-point inputs require fmod=1.
/// </summary>
internal sealed class Mod : OpKernel
{
    private readonly bool _fmod;

    private Mod(bool fmod) => _fmod = fmod;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Mod", 10, info =>
    {
        long fmod = info.GetInt("fmod", 0);
        if (fmod is not (0 or 1)) throw info.Invalid($"fmod must be 0 or 1, not {fmod}");
        return new Mod(fmod == 1);
    });

    public override void Execute(KernelContext context)
    {
        var type = context.Input(0).Type;
        if (!_fmod && DataTypes.IsFloatingPoint(type))
            throw context.Error("fmod must be 1 for floating-point inputs");
        try
        {
            if (_fmod) MathElementwise.NumericBinary<FmodOp>(context);
            else MathElementwise.NumericBinary<FloorModOp>(context);
        }
        catch (DivideByZeroException)
        {
            throw context.Error("integer modulo by zero");
        }
        catch (OverflowException)
        {
            throw context.Error("integer overflow (minimum value modulo -1)");
        }
        catch (ArgumentException e)
        {
            throw context.Error(e.Message);
        }
    }

    private readonly struct FmodOp : INumericBinary
    {
        public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x % y;

        public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T> => false;
    }

    private readonly struct FloorModOp : INumericBinary
    {
        public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T>
        {
            T r = x % y;
            return r != T.Zero && (r < T.Zero) != (y < T.Zero) ? r + y : r;
        }

        public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T> => false;
    }
}
