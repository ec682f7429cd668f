using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Pow: X ^ Y with broadcasting; the result has X's type, and Y may have another numeric type (opset 12+).
/// float^float runs in float; integer^integer by repeated squaring in int64; any other mix in double.
/// </summary>
internal sealed class Pow : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Pow", 1, info => MathLegacyBroadcast.Check(info, new Pow()));

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var y = context.Input(1);
        int[] shape;
        try { shape = Broadcast.Shape(x.Shape, y.Shape); }
        catch (ArgumentException e) { throw context.Error(e.Message); }
        if (x.Type == DataType.String || x.Type == DataType.Bool || y.Type == DataType.String || y.Type == DataType.Bool)
            throw context.Error($"element types {DataTypes.OnnxName(x.Type)} ^ {DataTypes.OnnxName(y.Type)} are not supported");

        if (x.Type == DataType.Float && y.Type == DataType.Float)
        {
            Broadcast.Binary<float, float, FloatPowOp>(x, y, context.Output(0, DataType.Float, shape));
            return;
        }
        var output = context.Output(0, x.Type, shape);
        if (DataTypes.IsInteger(x.Type) && DataTypes.IsInteger(y.Type))
        {
            var xl = ToInt64(x);
            var yl = ToInt64(y);
            var r = new long[output.Length];
            Broadcast.Binary<long, long, IntPowOp>(xl, x.Shape, yl, y.Shape, r, shape);
            FromInt64(r, output);
            return;
        }
        var xd = MathElementwise.ToDouble(x);
        var yd = MathElementwise.ToDouble(y);
        var rd = new double[output.Length];
        Broadcast.Binary<double, double, DoublePowOp>(xd, x.Shape, yd, y.Shape, rd, shape);
        MathElementwise.FromDouble(rd, output);
    }

    private static long[] ToInt64(Tensor t)
    {
        var r = new long[t.Length];
        switch (t.Storage)
        {
            case ElementStorage.Int64: t.ReadOnlySpan<long>().CopyTo(r); break;
            case ElementStorage.Int32: TensorPrimitives.ConvertTruncating<int, long>(t.ReadOnlySpan<int>(), r); break;
            case ElementStorage.UInt64: TensorPrimitives.ConvertTruncating<ulong, long>(t.ReadOnlySpan<ulong>(), r); break;
            default:
                for (int i = 0; i < r.Length; i++) r[i] = t.GetInt64(i);
                break;
        }
        return r;
    }

    private static void FromInt64(ReadOnlySpan<long> values, Tensor destination)
    {
        switch (destination.Storage)
        {
            case ElementStorage.Int64: values.CopyTo(destination.Span<long>()); break;
            case ElementStorage.Int32: TensorPrimitives.ConvertTruncating<long, int>(values, destination.Span<int>()); break;
            case ElementStorage.UInt32: TensorPrimitives.ConvertTruncating<long, uint>(values, destination.Span<uint>()); break;
            case ElementStorage.UInt64: TensorPrimitives.ConvertTruncating<long, ulong>(values, destination.Span<ulong>()); break;
            case ElementStorage.Int16: TensorPrimitives.ConvertTruncating<long, short>(values, destination.Span<short>()); break;
            case ElementStorage.UInt16: TensorPrimitives.ConvertTruncating<long, ushort>(values, destination.Span<ushort>()); break;
            case ElementStorage.SByte: TensorPrimitives.ConvertTruncating<long, sbyte>(values, destination.Span<sbyte>()); break;
            case ElementStorage.Byte: TensorPrimitives.ConvertTruncating<long, byte>(values, destination.Span<byte>()); break;
            default: throw new ArgumentException($"not an integer tensor: {DataTypes.OnnxName(destination.Type)}");
        }
    }

    private readonly struct FloatPowOp : IBinaryOp<float, float>
    {
        public static float Invoke(float x, float y) => MathF.Pow(x, y);

        public static bool TryInvoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        {
            TensorPrimitives.Pow(x, y, d);
            return true;
        }

        public static bool TryInvoke(ReadOnlySpan<float> x, float y, Span<float> d)
        {
            TensorPrimitives.Pow(x, y, d);
            return true;
        }
    }

    private readonly struct DoublePowOp : IBinaryOp<double, double>
    {
        public static double Invoke(double x, double y) => Math.Pow(x, y);
    }

    private readonly struct IntPowOp : IBinaryOp<long, long>
    {
        public static long Invoke(long x, long y)
        {
            if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) == 0 ? 1 : -1) : 0;
            long result = 1;
            unchecked
            {
                while (y != 0)
                {
                    if ((y & 1) != 0) result *= x;
                    x *= x;
                    y >>= 1;
                }
            }
            return result;
        }
    }
}
