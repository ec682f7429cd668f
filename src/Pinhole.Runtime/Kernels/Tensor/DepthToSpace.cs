using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>DepthToSpace: moves blocks of channels into spatial blocks (DCR or CRD order).</summary>
internal sealed class DepthToSpace : OpKernel
{
    private readonly int _block;
    private readonly bool _crd;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "DepthToSpace", 1, info => new DepthToSpace(info));

    private DepthToSpace(KernelInfo info)
    {
        long b = info.GetInt("blocksize");
        _block = b is >= 1 and <= 1 << 16 ? (int)b : throw info.Invalid($"invalid blocksize {b}");
        _crd = info.GetString("mode", "DCR") switch
        {
            "DCR" => false,
            "CRD" => true,
            var m => throw info.Invalid($"unknown mode '{m}'"),
        };
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 4) throw context.Error("input must be 4-D");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3], b = _block;
        if (c % (b * b) != 0) throw context.Error($"channels {c} are not divisible by blocksize^2 = {b * b}");
        int oc = c / (b * b);
        var y = context.Output(0, x.Type, [n, oc, h * b, w * b]);
        // Output viewed as [n, oc, h, b1, w, b2]; source channel is (b1*b + b2)*oc + ci for DCR, ci*b*b + b1*b + b2 for CRD.
        int hw = h * w;
        int[] src = _crd
            ? [c * hw, b * b * hw, w, b * hw, 1, hw]
            : [c * hw, hw, w, b * oc * hw, 1, oc * hw];
        int[] shape = [n, oc, h, b, w, b];
        TensorMoves.Copy(x, 0, src, y, 0, TensorMoves.Strides(shape), shape);
    }
}
