using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>SwiGLU (opset 28): Y = A * sigmoid(alpha * A) * B, A and B of identical shape (float, double, float16, bfloat16).</summary>
internal sealed class SwiGLU : OpKernel
{
    private readonly float _alpha;

    private SwiGLU(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
    }

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "SwiGLU", 28, info => new SwiGLU(info));

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (!NnData.IsFloat(a.Type) || a.Type != b.Type) throw context.Error("A and B must be float tensors of the same type");
        if (!a.Shape.AsSpan().SequenceEqual(b.Shape))
            throw context.Error($"A {Tensor.FormatShape(a.Shape)} and B {Tensor.FormatShape(b.Shape)} must have identical shapes");
        var y = context.Output(0, a.Type, a.Shape);
        if (a.Type == DataType.Double)
        {
            var av = a.ReadOnlySpan<double>();
            var bv = b.ReadOnlySpan<double>();
            var yv = y.Span<double>();
            for (int i = 0; i < yv.Length; i++) yv[i] = av[i] / (1.0 + Math.Exp(-_alpha * av[i])) * bv[i];
            return;
        }

        var af = NnData.Floats(a);
        var bf = NnData.Floats(b);
        var dest = NnRows.Destination(y, out var temp);
        TensorPrimitives.Multiply(af, _alpha, dest);
        TensorPrimitives.Sigmoid(dest, dest);
        TensorPrimitives.Multiply(dest, af, dest);
        TensorPrimitives.Multiply(dest, bf, dest);
        NnRows.Commit(y, temp);
    }
}
