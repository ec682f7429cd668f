using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>SpaceToDepth: moves spatial blocks into channels (the inverse of DepthToSpace in DCR order).</summary>
internal sealed class SpaceToDepth : OpKernel
{
    private readonly int _block;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "SpaceToDepth", 1, info => new SpaceToDepth(info));

    private SpaceToDepth(KernelInfo info)
    {
        long b = info.GetInt("blocksize");
        _block = b is >= 1 and <= 1 << 16 ? (int)b : throw info.Invalid($"invalid blocksize {b}");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 4) throw context.Error("input must be 4-D");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], b = _block;
        if (h % b != 0 || w % b != 0) throw context.Error($"spatial size {h}x{w} is not divisible by blocksize {b}");
        int oh = h / b, ow = w / b;
        var y = context.Output(0, x.Type, [n, c * b * b, oh, ow]);
        // Output viewed as [n, b1, b2, c, oh, ow] = x[n, c, oh*b + b1, ow*b + b2].
        int[] shape = [n, b, b, c, oh, ow];
        int[] src = [c * h * w, w, 1, h * w, b * w, b];
        TensorMoves.Copy(x, 0, src, y, 0, TensorMoves.Strides(shape), shape);
    }
}
