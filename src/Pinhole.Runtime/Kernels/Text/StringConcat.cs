using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>StringConcat (opset 20): elementwise concatenation of two string tensors with broadcasting.</summary>
internal sealed class StringConcat : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "StringConcat", 20, _ => new StringConcat());

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != DataType.String || b.Type != DataType.String) throw context.Error("inputs must be strings");
        var shape = Broadcast.Shape(a.Shape, b.Shape);
        var sa = Broadcast.Strides(a.Shape, shape);
        var sb = Broadcast.Strides(b.Shape, shape);
        var y = context.Output(0, DataType.String, shape);
        var ya = y.Span<string>();
        var aa = a.ReadOnlySpan<string>();
        var ba = b.ReadOnlySpan<string>();
        var index = new int[shape.Length];
        int oa = 0, ob = 0;
        for (int k = 0; k < ya.Length; k++)
        {
            ya[k] = string.Concat(aa[oa], ba[ob]);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                oa += sa[d];
                ob += sb[d];
                if (++index[d] < shape[d]) break;
                oa -= sa[d] * shape[d];
                ob -= sb[d] * shape[d];
                index[d] = 0;
            }
        }
    }
}
