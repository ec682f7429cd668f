namespace Pinhole.Runtime.Kernels;

/// <summary>
/// An elementwise binary operation as a struct, so the generic drivers inline it. The scalar <see cref="Invoke"/> is
/// the reference; the optional span overloads take over whole runs (for example with TensorPrimitives) and return
/// false when they do not handle <typeparamref name="T"/>.
/// </summary>
public interface IBinaryOp<T, TResult>
{
    static abstract TResult Invoke(T x, T y);
    static virtual bool TryInvoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<TResult> destination) => false;
    static virtual bool TryInvoke(ReadOnlySpan<T> x, T y, Span<TResult> destination) => false;
    static virtual bool TryInvoke(T x, ReadOnlySpan<T> y, Span<TResult> destination) => false;
}

/// <summary>An elementwise unary operation; see <see cref="IBinaryOp{T, TResult}"/>.</summary>
public interface IUnaryOp<T, TResult>
{
    static abstract TResult Invoke(T x);
    static virtual bool TryInvoke(ReadOnlySpan<T> x, Span<TResult> destination) => false;
}

/// <summary>Drivers that apply unary ops over whole tensors.</summary>
public static class Elementwise
{
    /// <summary>destination[i] = op(source[i]); both spans have the same length.</summary>
    public static void Unary<T, TResult, TOp>(ReadOnlySpan<T> source, Span<TResult> destination)
        where TOp : IUnaryOp<T, TResult>
    {
        if (TOp.TryInvoke(source, destination)) return;
        for (int i = 0; i < source.Length; i++) destination[i] = TOp.Invoke(source[i]);
    }

    /// <summary>Allocates output 0 with the input's shape and <paramref name="resultType"/>, and fills it.</summary>
    public static void Unary<T, TResult, TOp>(KernelContext context, DataType resultType)
        where TOp : IUnaryOp<T, TResult>
    {
        var x = context.Input(0);
        var y = context.Output(0, resultType, x.Shape);
        Unary<T, TResult, TOp>(x.ReadOnlySpan<T>(), y.Span<TResult>());
    }
}
