using System.Numerics;
using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// A floating-point function as a struct (instance fields carry attributes such as alpha), computed in float for
/// float/float16/bfloat16 and in double for double. Generic drivers inline it: no per-element virtual calls.
/// </summary>
public interface IFloatFunction
{
    float Invoke(float x);
    double Invoke(double x);

    /// <summary>Processes a whole span (e.g. with TensorPrimitives); false to fall back to the scalar loop.</summary>
    bool TryInvoke(ReadOnlySpan<float> x, Span<float> destination);
}

/// <summary>A numeric function generic over the element type (used by Abs, Neg, Sign, Relu...).</summary>
public interface INumericFunction
{
    T Invoke<T>(T x) where T : unmanaged, INumber<T>;
    bool TryInvoke<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, INumber<T>;
}

/// <summary>A generic operation instantiated for an integer element type.</summary>
public interface IIntegerAction
{
    void Invoke<T>() where T : unmanaged, IBinaryInteger<T>;
}

/// <summary>Drivers for elementwise math kernels: float unary functions, numeric unary functions, type conversion.</summary>
public static class MathElementwise
{
    /// <summary>Output 0 = f(input 0) for float, double, float16, bfloat16 (and integers via double when <paramref name="allowIntegers"/>).</summary>
    public static void FloatUnary<TOp>(KernelContext context, TOp op, bool allowIntegers = false) where TOp : struct, IFloatFunction
    {
        var x = context.Input(0);
        switch (x.Type)
        {
            case DataType.Float:
                FloatParallel(op, x.ReadOnlySpan<float>(), context.OutputUninitialized(0, DataType.Float, x.Shape).Span<float>(),
                    context.Options.IntraOpThreads);
                return;
            case DataType.Double:
                {
                    var src = x.ReadOnlySpan<double>();
                    var dst = context.Output(0, DataType.Double, x.Shape).Span<double>();
                    for (int i = 0; i < src.Length; i++) dst[i] = op.Invoke(src[i]);
                    return;
                }
            case DataType.Float16:
            case DataType.BFloat16:
                {
                    var xf = FloatConversion.ToFloat(x);
                    var result = new float[x.Length];
                    Apply(op, xf.ReadOnlySpan<float>(), result);
                    FloatConversion.FromFloat(result, context.Output(0, x.Type, x.Shape));
                    return;
                }
            default:
                if (allowIntegers && DataTypes.IsInteger(x.Type))
                {
                    var values = ToDouble(x);
                    for (int i = 0; i < values.Length; i++) values[i] = op.Invoke(values[i]);
                    FromDouble(values, context.Output(0, x.Type, x.Shape));
                    return;
                }
                throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        }
    }

    private static unsafe void FloatParallel<TOp>(TOp op, ReadOnlySpan<float> src, Span<float> dst, int threads) where TOp : struct, IFloatFunction
    {
        int chunks = NnFast.Enabled ? NnFast.Chunks(src.Length, src.Length / 16, threads) : 1;
        if (chunks <= 1)
        {
            Apply(op, src, dst);
            return;
        }
        fixed (float* x = src)
        fixed (float* y = dst)
        {
            var body = new FloatBody<TOp>(op, x, y, src.Length, chunks);
            IntraOp.For(chunks, threads, body);
        }
    }

    private readonly unsafe struct FloatBody<TOp>(TOp op, float* x, float* y, int n, int chunks) : IParallelBody where TOp : struct, IFloatFunction
    {
        public void Invoke(int index)
        {
            int from = ChunkStart(n, index, chunks), to = ChunkStart(n, index + 1, chunks);
            Apply(op, new ReadOnlySpan<float>(x + from, to - from), new Span<float>(y + from, to - from));
        }
    }

    /// <summary>Start of chunk <paramref name="index"/> of <paramref name="n"/> elements, on a 16-element boundary.</summary>
    private static int ChunkStart(int n, int index, int chunks) => index >= chunks ? n : (int)((long)n * index / chunks) & ~15;

    private static void Apply<TOp>(TOp op, ReadOnlySpan<float> src, Span<float> dst) where TOp : struct, IFloatFunction
    {
        if (NnFast.Enabled && op.TryInvoke(src, dst)) return;
        for (int i = 0; i < src.Length; i++) dst[i] = op.Invoke(src[i]);
    }

    /// <summary>Output 0 = f(input 0) for every numeric type (bfloat16 through float).</summary>
    public static void NumericUnary<TOp>(KernelContext context, TOp op) where TOp : struct, INumericFunction
    {
        var x = context.Input(0);
        if (x.Type == DataType.BFloat16)
        {
            var xf = FloatConversion.ToFloat(x).ReadOnlySpan<float>();
            var result = new float[x.Length];
            ApplyNumeric(op, xf, result.AsSpan());
            FloatConversion.FromFloat(result, context.Output(0, x.Type, x.Shape));
            return;
        }
        var action = new NumericUnaryAction<TOp>(context, op);
        TypeDispatch.RequireNumeric(context, x.Type, ref action);
    }

    private readonly struct NumericUnaryAction<TOp>(KernelContext context, TOp op) : INumericAction where TOp : struct, INumericFunction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var x = context.Input(0);
            var src = x.ReadOnlySpan<T>();
            var dst = context.OutputUninitialized(0, x.Type, x.Shape).Span<T>();
            int threads = context.Options.IntraOpThreads;
            int chunks = NnFast.Enabled ? NnFast.Chunks(src.Length, src.Length / 16, threads) : 1;
            if (chunks <= 1)
            {
                ApplyNumeric(op, src, dst);
                return;
            }
            unsafe
            {
                fixed (T* px = src)
                fixed (T* py = dst)
                {
                    var body = new NumericBody<TOp, T>(op, px, py, src.Length, chunks);
                    IntraOp.For(chunks, threads, body);
                }
            }
        }
    }

    private readonly unsafe struct NumericBody<TOp, T>(TOp op, T* x, T* y, int n, int chunks) : IParallelBody
        where TOp : struct, INumericFunction where T : unmanaged, INumber<T>
    {
        public void Invoke(int index)
        {
            int from = ChunkStart(n, index, chunks), to = ChunkStart(n, index + 1, chunks);
            ApplyNumeric(op, new ReadOnlySpan<T>(x + from, to - from), new Span<T>(y + from, to - from));
        }
    }

    private static void ApplyNumeric<TOp, T>(TOp op, ReadOnlySpan<T> src, Span<T> dst) where TOp : struct, INumericFunction where T : unmanaged, INumber<T>
    {
        if (NnFast.Enabled && op.TryInvoke(src, dst)) return;
        for (int i = 0; i < src.Length; i++) dst[i] = op.Invoke(src[i]);
    }

    /// <summary>Calls <paramref name="action"/> for integer element types; false for others.</summary>
    public static bool Integer<TAction>(DataType type, ref TAction action) where TAction : struct, IIntegerAction
    {
        switch (type)
        {
            case DataType.Int8: action.Invoke<sbyte>(); return true;
            case DataType.UInt8: action.Invoke<byte>(); return true;
            case DataType.Int16: action.Invoke<short>(); return true;
            case DataType.UInt16: action.Invoke<ushort>(); return true;
            case DataType.Int32: action.Invoke<int>(); return true;
            case DataType.UInt32: action.Invoke<uint>(); return true;
            case DataType.Int64: action.Invoke<long>(); return true;
            case DataType.UInt64: action.Invoke<ulong>(); return true;
            default: return false;
        }
    }

    /// <summary>A double copy of any numeric tensor's elements.</summary>
    public static double[] ToDouble(Tensor t)
    {
        var result = new double[t.Length];
        switch (t.Storage)
        {
            case ElementStorage.Float: TensorPrimitives.ConvertChecked<float, double>(t.ReadOnlySpan<float>(), result); break;
            case ElementStorage.Double: t.ReadOnlySpan<double>().CopyTo(result); break;
            case ElementStorage.Half: TensorPrimitives.ConvertChecked<Half, double>(t.ReadOnlySpan<Half>(), result); break;
            case ElementStorage.SByte: TensorPrimitives.ConvertChecked<sbyte, double>(t.ReadOnlySpan<sbyte>(), result); break;
            case ElementStorage.Byte: TensorPrimitives.ConvertChecked<byte, double>(t.ReadOnlySpan<byte>(), result); break;
            case ElementStorage.Int16: TensorPrimitives.ConvertChecked<short, double>(t.ReadOnlySpan<short>(), result); break;
            case ElementStorage.UInt16: TensorPrimitives.ConvertChecked<ushort, double>(t.ReadOnlySpan<ushort>(), result); break;
            case ElementStorage.Int32: TensorPrimitives.ConvertChecked<int, double>(t.ReadOnlySpan<int>(), result); break;
            case ElementStorage.UInt32: TensorPrimitives.ConvertChecked<uint, double>(t.ReadOnlySpan<uint>(), result); break;
            case ElementStorage.Int64: TensorPrimitives.ConvertChecked<long, double>(t.ReadOnlySpan<long>(), result); break;
            case ElementStorage.UInt64: TensorPrimitives.ConvertChecked<ulong, double>(t.ReadOnlySpan<ulong>(), result); break;
            default:
                for (int i = 0; i < result.Length; i++) result[i] = t.GetDouble(i);
                break;
        }
        return result;
    }

    /// <summary>Writes doubles into a numeric tensor, truncating toward zero (saturating) for integer types.</summary>
    public static void FromDouble(ReadOnlySpan<double> values, Tensor destination)
    {
        switch (destination.Storage)
        {
            case ElementStorage.Float: TensorPrimitives.ConvertTruncating<double, float>(values, destination.Span<float>()); break;
            case ElementStorage.Double: values.CopyTo(destination.Span<double>()); break;
            case ElementStorage.Half: TensorPrimitives.ConvertTruncating<double, Half>(values, destination.Span<Half>()); break;
            case ElementStorage.BFloat16:
                {
                    var d = destination.Span<BFloat16>();
                    for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)(float)values[i];
                    break;
                }
            case ElementStorage.SByte: TensorPrimitives.ConvertSaturating<double, sbyte>(values, destination.Span<sbyte>()); break;
            case ElementStorage.Byte: TensorPrimitives.ConvertSaturating<double, byte>(values, destination.Span<byte>()); break;
            case ElementStorage.Int16: TensorPrimitives.ConvertSaturating<double, short>(values, destination.Span<short>()); break;
            case ElementStorage.UInt16: TensorPrimitives.ConvertSaturating<double, ushort>(values, destination.Span<ushort>()); break;
            case ElementStorage.Int32: TensorPrimitives.ConvertSaturating<double, int>(values, destination.Span<int>()); break;
            case ElementStorage.UInt32: TensorPrimitives.ConvertSaturating<double, uint>(values, destination.Span<uint>()); break;
            case ElementStorage.Int64: TensorPrimitives.ConvertSaturating<double, long>(values, destination.Span<long>()); break;
            case ElementStorage.UInt64: TensorPrimitives.ConvertSaturating<double, ulong>(values, destination.Span<ulong>()); break;
            default: throw new ArgumentException($"cannot write doubles to {DataTypes.OnnxName(destination.Type)}");
        }
    }

    /// <summary>Binary op with broadcasting over inputs 0 and 1, any numeric type; bfloat16 computed in float.</summary>
    public static void NumericBinary<TOp>(KernelContext context) where TOp : struct, INumericBinary
    {
        var type = context.Input(0).Type;
        if (context.Input(1).Type != type)
            throw context.Error($"input types differ: {DataTypes.OnnxName(type)} and {DataTypes.OnnxName(context.Input(1).Type)}");
        if (type == DataType.BFloat16)
        {
            ViaFloat.Binary<NumericBinaryOp<float, TOp>>(context);
            return;
        }
        var action = new NumericBinaryAction<TOp>(context);
        TypeDispatch.RequireNumeric(context, type, ref action);
    }

    private readonly struct NumericBinaryAction<TOp>(KernelContext context) : INumericAction where TOp : struct, INumericBinary
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var a = context.Input(0);
            var b = context.Input(1);
            var output = context.OutputUninitialized(0, a.Type, Broadcast.Shape(a.Shape, b.Shape));
            if (NnFast.Enabled)
                Broadcast.BinaryParallel<T, T, NumericBinaryOp<T, TOp>>(a.ReadOnlySpan<T>(), a.Shape, b.ReadOnlySpan<T>(), b.Shape,
                    output.Span<T>(), output.Shape, context.Options.IntraOpThreads);
            else Broadcast.Binary<T, T, NumericBinaryOp<T, TOp>>(a, b, output);
        }
    }

    /// <summary>Folds inputs 0..n-1 with a broadcasting binary op into output 0 (variadic Max, Min, Sum, Mean).</summary>
    public static void Variadic<TOp>(KernelContext context, bool mean) where TOp : struct, INumericBinary
    {
        int n = context.InputCount;
        if (n == 0) throw context.Error("needs at least one input");
        var first = context.Input(0);
        var type = first.Type;
        for (int i = 1; i < n; i++)
            if (context.Input(i).Type != type)
                throw context.Error($"input types differ: {DataTypes.OnnxName(type)} and {DataTypes.OnnxName(context.Input(i).Type)}");
        if (type is DataType.BFloat16 or DataType.Float16)
        {
            var acc = FloatConversion.ToFloat(first);
            for (int i = 1; i < n; i++) acc = Fold<float, TOp>(acc, FloatConversion.ToFloat(context.Input(i)));
            if (mean) acc = Divide(acc, n);
            var output = context.Output(0, type, acc.Shape);
            FloatConversion.FromFloat(acc.ReadOnlySpan<float>(), output);
            return;
        }
        var action = new VariadicAction<TOp>(context, mean);
        TypeDispatch.RequireNumeric(context, type, ref action);
    }

    private static Tensor Divide(Tensor acc, int n)
    {
        var r = new float[acc.Length];
        TensorPrimitives.Divide(acc.ReadOnlySpan<float>(), n, r);
        return Tensor.FromArray(r, acc.Shape);
    }

    private static Tensor Fold<T, TOp>(Tensor a, Tensor b) where T : unmanaged, INumber<T> where TOp : struct, INumericBinary
    {
        var shape = Broadcast.Shape(a.Shape, b.Shape);
        var r = new T[Tensor.ElementCount(shape)];
        Broadcast.Binary<T, T, NumericBinaryOp<T, TOp>>(a.ReadOnlySpan<T>(), a.Shape, b.ReadOnlySpan<T>(), b.Shape, r, shape);
        return Tensor.FromArray(a.Type, r, shape);
    }

    private static bool AllShaped(KernelContext context, ReadOnlySpan<int> shape)
    {
        for (int i = 0; i < context.InputCount; i++)
            if (!context.Input(i).Shape.AsSpan().SequenceEqual(shape)) return false;
        return true;
    }

    private readonly struct VariadicAction<TOp>(KernelContext context, bool mean) : INumericAction where TOp : struct, INumericBinary
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            int n = context.InputCount;
            var shapes = new int[n][];
            for (int i = 0; i < n; i++) shapes[i] = context.Input(i).Shape;
            int[] shape;
            try { shape = Broadcast.ShapeOfAll(shapes); }
            catch (ArgumentException e) { throw context.Error(e.Message); }
            if (NnFast.Enabled && n >= 2 && !mean && AllShaped(context, shape))
            {
                // Same-shape inputs: fold straight into the output, no intermediates.
                var result = context.OutputUninitialized(0, context.Input(0).Type, shape);
                var into = result.Span<T>();
                int threads = context.Options.IntraOpThreads;
                Broadcast.BinaryParallel<T, T, NumericBinaryOp<T, TOp>>(context.Input(0).ReadOnlySpan<T>(), shape,
                    context.Input(1).ReadOnlySpan<T>(), shape, into, shape, threads);
                for (int i = 2; i < n; i++)
                    Broadcast.BinaryParallel<T, T, NumericBinaryOp<T, TOp>>(into, shape, context.Input(i).ReadOnlySpan<T>(), shape, into, shape, threads);
                return;
            }
            var acc = context.Input(0);
            for (int i = 1; i < n; i++) acc = Fold<T, TOp>(acc, context.Input(i));
            var output = context.Output(0, acc.Type, shape);
            var dst = output.Span<T>();
            acc.ReadOnlySpan<T>().CopyTo(dst);
            if (mean)
            {
                T count = T.CreateTruncating(n);
                for (int i = 0; i < dst.Length; i++) dst[i] /= count;
            }
        }
    }
}

/// <summary>A numeric binary function generic over the element type, for <see cref="MathElementwise.NumericBinary{TOp}"/>.</summary>
public interface INumericBinary
{
    static abstract T Invoke<T>(T x, T y) where T : unmanaged, INumber<T>;

    /// <summary>Both spans the same length (no broadcast inside the run); false to use the scalar loop.</summary>
    static abstract bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>;

    /// <summary>A span and a broadcast scalar (per-channel and scalar operands); false to use the scalar loop.</summary>
    static virtual bool TryInvoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, INumber<T> => false;

    /// <summary>A broadcast scalar and a span; false to use the scalar loop.</summary>
    static virtual bool TryInvoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T> => false;
}

/// <summary>Adapts an <see cref="INumericBinary"/> to the broadcast driver's <see cref="IBinaryOp{T, TResult}"/>.</summary>
public readonly struct NumericBinaryOp<T, TOp> : IBinaryOp<T, T> where T : unmanaged, INumber<T> where TOp : struct, INumericBinary
{
    public static T Invoke(T x, T y) => TOp.Invoke(x, y);
    public static bool TryInvoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) => TOp.TryInvoke(x, y, destination);
    public static bool TryInvoke(ReadOnlySpan<T> x, T y, Span<T> destination) => NnFast.Enabled && TOp.TryInvoke(x, y, destination);
    public static bool TryInvoke(T x, ReadOnlySpan<T> y, Span<T> destination) => NnFast.Enabled && TOp.TryInvoke(x, y, destination);
}

/// <summary>
/// A kernel running a float function over input 0; <paramref name="inPlace"/> when the function's span form is
/// correct with the destination being the source (element i read before written, as TensorPrimitives does).
/// </summary>
internal sealed class FloatUnaryKernel<TOp>(TOp op, bool allowIntegers = false, bool inPlace = false) : OpKernel where TOp : struct, IFloatFunction
{
    public override int InPlaceInput => inPlace ? 0 : -1;

    public override void Execute(KernelContext context) => MathElementwise.FloatUnary(context, op, allowIntegers);
}

/// <summary>A kernel running a numeric function over input 0 (<paramref name="inPlace"/>: as for <see cref="FloatUnaryKernel{TOp}"/>).</summary>
internal sealed class NumericUnaryKernel<TOp>(TOp op, bool inPlace = false) : OpKernel where TOp : struct, INumericFunction
{
    public override int InPlaceInput => inPlace ? 0 : -1;

    public override void Execute(KernelContext context) => MathElementwise.NumericUnary(context, op);
}

/// <summary>Opset 1-6 binary ops: the broadcast/axis attributes. Trailing alignment matches numpy broadcasting.</summary>
internal static class MathLegacyBroadcast
{
    /// <summary>Validates legacy broadcast attributes and returns <paramref name="kernel"/>; an explicit axis is not supported here.</summary>
    public static OpKernel Check(KernelInfo info, OpKernel kernel)
    {
        if (info.OpsetVersion < 7 && info.GetInt("broadcast", 0) != 0 && info.HasAttribute("axis"))
            throw info.Unsupported("legacy broadcasting with an explicit axis is not supported");
        return kernel;
    }

    /// <summary>Like <see cref="Check(KernelInfo, OpKernel)"/>, but an explicit axis is supported by aligning B at that axis of A.</summary>
    public static OpKernel Check<TOp>(KernelInfo info, OpKernel kernel) where TOp : struct, INumericBinary
    {
        if (info.OpsetVersion < 7 && info.GetInt("broadcast", 0) != 0 && info.HasAttribute("axis"))
            return new AxisKernel<TOp>(info.GetInt("axis"));
        return kernel;
    }

    /// <summary>A kernel applying <typeparamref name="TOp"/> with B aligned at <paramref name="axis"/> of A (a one-element B is a scalar).</summary>
    public static OpKernel AtAxis<TOp>(long axis) where TOp : struct, INumericBinary => new AxisKernel<TOp>(axis);

    private sealed class AxisKernel<TOp>(long axis) : OpKernel where TOp : struct, INumericBinary
    {
        public override void Execute(KernelContext context)
        {
            var a = context.Input(0);
            var b = context.Input(1);
            if (b.Length == 1) b = b.Reshape([]);
            long start = axis < 0 ? axis + a.Rank : axis;
            if (start < 0 || start + b.Rank > a.Rank)
                throw context.Error($"axis {axis} does not place shape {Tensor.FormatShape(b.Shape)} inside {Tensor.FormatShape(a.Shape)}");
            var shape = new int[a.Rank - start];
            shape.AsSpan().Fill(1);
            b.Shape.CopyTo(shape, 0);
            for (int i = 0; i < b.Rank; i++)
                if (b.Shape[i] != 1 && b.Shape[i] != a.Shape[start + i])
                    throw context.Error($"shape {Tensor.FormatShape(b.Shape)} does not match {Tensor.FormatShape(a.Shape)} at axis {axis}");
            var output = context.Output(0, a.Type, a.Shape);
            var reshaped = b.Reshape(shape);
            switch (a.Type)
            {
                case DataType.Float: Broadcast.Binary<float, float, NumericBinaryOp<float, TOp>>(a, reshaped, output); break;
                case DataType.Double: Broadcast.Binary<double, double, NumericBinaryOp<double, TOp>>(a, reshaped, output); break;
                case DataType.Int32: Broadcast.Binary<int, int, NumericBinaryOp<int, TOp>>(a, reshaped, output); break;
                case DataType.Int64: Broadcast.Binary<long, long, NumericBinaryOp<long, TOp>>(a, reshaped, output); break;
                case DataType.Float16: Broadcast.Binary<Half, Half, NumericBinaryOp<Half, TOp>>(a, reshaped, output); break;
                default: throw context.Error($"element type {DataTypes.OnnxName(a.Type)} is not supported");
            }
        }
    }
}

/// <summary>
/// A kernel running an <see cref="INumericBinary"/> with broadcasting; integer division by zero becomes a kernel error.
/// <paramref name="inPlace"/>: the output may take over input 0's storage (when it has the output's size), for ops
/// whose span form is correct with the destination being input 0.
/// </summary>
internal sealed class NumericBinaryKernel<TOp>(bool inPlace = false) : OpKernel where TOp : struct, INumericBinary
{
    public override int InPlaceInput => inPlace ? 0 : -1;

    public override void Execute(KernelContext context)
    {
        try
        {
            MathElementwise.NumericBinary<TOp>(context);
        }
        catch (DivideByZeroException)
        {
            throw context.Error("integer division by zero");
        }
        catch (OverflowException)
        {
            throw context.Error("integer overflow (minimum value divided by -1)");
        }
        catch (ArgumentException e)
        {
            throw context.Error(e.Message);
        }
    }
}

/// <summary>A kernel folding all inputs with an <see cref="INumericBinary"/> (Max, Min, Sum, Mean).</summary>
internal sealed class VariadicKernel<TOp>(bool mean) : OpKernel where TOp : struct, INumericBinary
{
    public override void Execute(KernelContext context)
    {
        try
        {
            MathElementwise.Variadic<TOp>(context, mean);
        }
        catch (ArgumentException e)
        {
            throw context.Error(e.Message);
        }
    }
}
