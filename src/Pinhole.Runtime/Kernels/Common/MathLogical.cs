using System.Numerics;

namespace Pinhole.Runtime.Kernels;

/// <summary>Broadcasting bool ops (And, Or, Xor) and integer bitwise ops (BitwiseAnd, BitwiseOr, BitwiseXor, BitShift).</summary>
internal enum LogicalKind
{
    And,
    Or,
    Xor,
}

/// <summary>And, Or, Xor on bool tensors with broadcasting.</summary>
internal sealed class LogicalKernel(LogicalKind kind) : OpKernel
{
    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != DataType.Bool || b.Type != DataType.Bool)
            throw context.Error($"inputs must be bool, not {DataTypes.OnnxName(a.Type)} and {DataTypes.OnnxName(b.Type)}");
        int[] shape;
        try { shape = Broadcast.Shape(a.Shape, b.Shape); }
        catch (ArgumentException e) { throw context.Error(e.Message); }
        var output = context.Output(0, DataType.Bool, shape);
        switch (kind)
        {
            case LogicalKind.And: Broadcast.Binary<bool, bool, AndOp>(a, b, output); break;
            case LogicalKind.Or: Broadcast.Binary<bool, bool, OrOp>(a, b, output); break;
            default: Broadcast.Binary<bool, bool, XorOp>(a, b, output); break;
        }
    }

    private readonly struct AndOp : IBinaryOp<bool, bool>
    {
        public static bool Invoke(bool x, bool y) => x & y;
    }

    private readonly struct OrOp : IBinaryOp<bool, bool>
    {
        public static bool Invoke(bool x, bool y) => x | y;
    }

    private readonly struct XorOp : IBinaryOp<bool, bool>
    {
        public static bool Invoke(bool x, bool y) => x ^ y;
    }
}

/// <summary>BitwiseAnd, BitwiseOr, BitwiseXor on integer tensors with broadcasting.</summary>
internal sealed class BitwiseKernel(LogicalKind kind) : OpKernel
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
        var action = new Action(kind, a, b, context.Output(0, a.Type, shape));
        if (!MathElementwise.Integer(a.Type, ref action))
            throw context.Error($"element type {DataTypes.OnnxName(a.Type)} is not an integer type");
    }

    private readonly struct Action(LogicalKind kind, Tensor a, Tensor b, Tensor output) : IIntegerAction
    {
        public void Invoke<T>() where T : unmanaged, IBinaryInteger<T>
        {
            switch (kind)
            {
                case LogicalKind.And: Broadcast.Binary<T, T, AndOp<T>>(a, b, output); break;
                case LogicalKind.Or: Broadcast.Binary<T, T, OrOp<T>>(a, b, output); break;
                default: Broadcast.Binary<T, T, XorOp<T>>(a, b, output); break;
            }
        }
    }

    private readonly struct AndOp<T> : IBinaryOp<T, T> where T : IBinaryInteger<T>
    {
        public static T Invoke(T x, T y) => x & y;

        public static bool TryInvoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            System.Numerics.Tensors.TensorPrimitives.BitwiseAnd(x, y, d);
            return true;
        }
    }

    private readonly struct OrOp<T> : IBinaryOp<T, T> where T : IBinaryInteger<T>
    {
        public static T Invoke(T x, T y) => x | y;

        public static bool TryInvoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            System.Numerics.Tensors.TensorPrimitives.BitwiseOr(x, y, d);
            return true;
        }
    }

    private readonly struct XorOp<T> : IBinaryOp<T, T> where T : IBinaryInteger<T>
    {
        public static T Invoke(T x, T y) => x ^ y;

        public static bool TryInvoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
        {
            System.Numerics.Tensors.TensorPrimitives.Xor(x, y, d);
            return true;
        }
    }
}
