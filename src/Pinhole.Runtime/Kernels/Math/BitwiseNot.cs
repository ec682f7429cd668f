using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>BitwiseNot (opset 18): elementwise one's complement of an integer tensor.</summary>
internal sealed class BitwiseNot : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "BitwiseNot", 18, _ => new BitwiseNot());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var action = new Action(x, context.Output(0, x.Type, x.Shape));
        if (!MathElementwise.Integer(x.Type, ref action))
            throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not an integer type");
    }

    private readonly struct Action(Tensor x, Tensor y) : IIntegerAction
    {
        public void Invoke<T>() where T : unmanaged, IBinaryInteger<T> =>
            TensorPrimitives.OnesComplement(x.ReadOnlySpan<T>(), y.Span<T>());
    }
}
