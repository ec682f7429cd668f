using System.Numerics;

namespace Pinhole.Runtime.Kernels;

/// <summary>Which comparison a <see cref="ComparisonKernel"/> computes.</summary>
internal enum ComparisonKind
{
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

/// <summary>Equal, Less, LessOrEqual, Greater, GreaterOrEqual: broadcasting comparison to a bool tensor.</summary>
internal sealed class ComparisonKernel(ComparisonKind kind) : OpKernel
{
    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != b.Type)
            throw context.Error($"input types differ: {DataTypes.OnnxName(a.Type)} and {DataTypes.OnnxName(b.Type)}");
        int[] shape;
        try { shape = Broadcast.Shape(a.Shape, b.Shape); }
        catch (ArgumentException e) { throw context.Error(e.Message); }
        switch (a.Type)
        {
            case DataType.Bool when kind == ComparisonKind.Equal:
                Broadcast.Binary<bool, bool, EqualityOp<bool>>(a, b, context.Output(0, DataType.Bool, shape));
                return;
            case DataType.String when kind == ComparisonKind.Equal:
                Broadcast.Binary<string, bool, EqualityOp<string>>(a, b, context.Output(0, DataType.Bool, shape));
                return;
            case DataType.BFloat16:
                {
                    var af = FloatConversion.ToFloat(a);
                    var bf = FloatConversion.ToFloat(b);
                    Compare<float>(kind, af, bf, context.Output(0, DataType.Bool, shape));
                    return;
                }
            default:
                var action = new Action(kind, a, b, context.Output(0, DataType.Bool, shape));
                TypeDispatch.RequireNumeric(context, a.Type, ref action);
                return;
        }
    }

    private static void Compare<T>(ComparisonKind kind, Tensor a, Tensor b, Tensor output) where T : unmanaged, INumber<T>
    {
        switch (kind)
        {
            case ComparisonKind.Equal: Broadcast.Binary<T, bool, EqualOp<T>>(a, b, output); break;
            case ComparisonKind.Less: Broadcast.Binary<T, bool, LessOp<T>>(a, b, output); break;
            case ComparisonKind.LessOrEqual: Broadcast.Binary<T, bool, LessOrEqualOp<T>>(a, b, output); break;
            case ComparisonKind.Greater: Broadcast.Binary<T, bool, LessOp<T>>(b, a, output); break;
            default: Broadcast.Binary<T, bool, LessOrEqualOp<T>>(b, a, output); break;
        }
    }

    private readonly struct Action(ComparisonKind kind, Tensor a, Tensor b, Tensor output) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> => Compare<T>(kind, a, b, output);
    }

    private readonly struct EqualOp<T> : IBinaryOp<T, bool> where T : INumber<T>
    {
        public static bool Invoke(T x, T y) => x == y;
    }

    private readonly struct LessOp<T> : IBinaryOp<T, bool> where T : INumber<T>
    {
        public static bool Invoke(T x, T y) => x < y;
    }

    private readonly struct LessOrEqualOp<T> : IBinaryOp<T, bool> where T : INumber<T>
    {
        public static bool Invoke(T x, T y) => x <= y;
    }

    private readonly struct EqualityOp<T> : IBinaryOp<T, bool> where T : IEquatable<T>
    {
        public static bool Invoke(T x, T y) => x.Equals(y);
    }
}
