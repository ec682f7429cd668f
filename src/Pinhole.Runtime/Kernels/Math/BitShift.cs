using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>BitShift (opset 11): unsigned X shifted LEFT or RIGHT by Y bits, with broadcasting; shifts of the bit width or more give 0.</summary>
internal sealed class BitShift : OpKernel
{
    private readonly bool _left;

    private BitShift(bool left) => _left = left;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "BitShift", 11, info =>
    {
        string direction = info.GetString("direction", "");
        return direction switch
        {
            "LEFT" => new BitShift(true),
            "RIGHT" => new BitShift(false),
            _ => throw info.Invalid($"direction must be LEFT or RIGHT, not '{direction}'"),
        };
    });

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != b.Type)
            throw context.Error($"input types differ: {DataTypes.OnnxName(a.Type)} and {DataTypes.OnnxName(b.Type)}");
        if (a.Type is not (DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64))
            throw context.Error($"element type {DataTypes.OnnxName(a.Type)} is not an unsigned integer type");
        int[] shape;
        try { shape = Broadcast.Shape(a.Shape, b.Shape); }
        catch (ArgumentException e) { throw context.Error(e.Message); }
        var action = new Action(_left, a, b, context.Output(0, a.Type, shape));
        MathElementwise.Integer(a.Type, ref action);
    }

    private readonly struct Action(bool left, Tensor a, Tensor b, Tensor output) : IIntegerAction
    {
        public void Invoke<T>() where T : unmanaged, IBinaryInteger<T>
        {
            if (left) Broadcast.Binary<T, T, LeftOp<T>>(a, b, output);
            else Broadcast.Binary<T, T, RightOp<T>>(a, b, output);
        }
    }

    private readonly struct LeftOp<T> : IBinaryOp<T, T> where T : unmanaged, IBinaryInteger<T>
    {
        public static T Invoke(T x, T y) =>
            y >= T.CreateTruncating(Unsafe.SizeOf<T>() * 8) ? T.Zero : x << int.CreateTruncating(y);
    }

    private readonly struct RightOp<T> : IBinaryOp<T, T> where T : unmanaged, IBinaryInteger<T>
    {
        public static T Invoke(T x, T y) =>
            y >= T.CreateTruncating(Unsafe.SizeOf<T>() * 8) ? T.Zero : x >>> int.CreateTruncating(y);
    }
}
