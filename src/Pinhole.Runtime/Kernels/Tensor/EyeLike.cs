using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>EyeLike: a 2-D tensor shaped like the input with ones on diagonal k.</summary>
internal sealed class EyeLike : OpKernel
{
    private readonly DataType? _type;
    private readonly long _k;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "EyeLike", 9, info => new EyeLike(info));

    private EyeLike(KernelInfo info)
    {
        if (info.HasAttribute("dtype")) _type = (DataType)info.GetInt("dtype");
        _k = info.GetInt("k", 0);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 2) throw context.Error($"input must be 2-D, is {Tensor.FormatShape(x.Shape)}");
        var type = _type ?? x.Type;
        var y = context.Output(0, type, x.Shape);
        var one = TensorCast.One(type);
        int rows = x.Shape[0], cols = x.Shape[1];
        for (long i = 0; i < rows; i++)
        {
            long j = i + _k;
            if (j >= 0 && j < cols) Array.Copy(one.Buffer, one.Offset, y.Buffer, y.Offset + i * cols + j, 1);
        }
    }
}
