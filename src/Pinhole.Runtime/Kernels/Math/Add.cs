using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Add: elementwise sum with multidirectional broadcasting (opset 7+; 1 and 6 used legacy broadcast attributes).</summary>
internal sealed class Add : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Add", 1, info => MathLegacyBroadcast.Check<SumOp>(info, new Add()));
        KernelRegistry.Register("", "Add", 7, _ => new Add());
    }

    /// <summary>Output may take over input 0's storage: the broadcast driver reads each element of A before writing it.</summary>
    public override int InPlaceInput => 0;

    public override void Execute(KernelContext context)
    {
        var type = context.Input(0).Type;
        if (type == DataType.BFloat16)
        {
            ViaFloat.Binary<AddOp<float>>(context);
            return;
        }
        var action = new Action(context);
        TypeDispatch.RequireNumeric(context, type, ref action);
    }

    private readonly struct Action(KernelContext context) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var a = context.Input(0);
            var b = context.Input(1);
            var output = context.OutputUninitialized(0, a.Type, Broadcast.Shape(a.Shape, b.Shape));
            Broadcast.BinaryParallel<T, T, AddOp<T>>(a.ReadOnlySpan<T>(), a.Shape, b.ReadOnlySpan<T>(), b.Shape,
                output.Span<T>(), output.Shape, NnFast.Enabled ? context.Options.IntraOpThreads : 1);
        }
    }
}

internal readonly struct AddOp<T> : IBinaryOp<T, T> where T : INumber<T>
{
    public static T Invoke(T x, T y) => x + y;

    public static bool TryInvoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
    {
        TensorPrimitives.Add(x, y, d);
        return true;
    }

    public static bool TryInvoke(ReadOnlySpan<T> x, T y, Span<T> d)
    {
        TensorPrimitives.Add(x, y, d);
        return true;
    }

    public static bool TryInvoke(T x, ReadOnlySpan<T> y, Span<T> d)
    {
        TensorPrimitives.Add(y, x, d);
        return true;
    }
}
