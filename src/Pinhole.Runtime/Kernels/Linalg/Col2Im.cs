using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Col2Im (opset 18): scatters [N, C*prod(block), L] columns back into [N, C, image...] images, summing overlaps.</summary>
internal sealed class Col2Im : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Col2Im", 18, info => new Col2Im(info));

    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly long[]? _strides;

    private Col2Im(KernelInfo info)
    {
        _dilations = info.GetInts("dilations");
        _pads = info.GetInts("pads");
        _strides = info.GetInts("strides");
    }

    private static int[] Attr(KernelContext context, long[]? v, int rank, int def, string name)
    {
        var r = new int[rank];
        if (v == null) { Array.Fill(r, def); return r; }
        if (v.Length != rank) throw context.Error($"attribute '{name}' has {v.Length} values, expected {rank}");
        for (int i = 0; i < rank; i++) r[i] = checked((int)v[i]);
        return r;
    }

    public override void Execute(KernelContext context)
    {
        var xt = context.Input(0);
        var image = context.Input(1).ToInt64Array();
        var block = context.Input(2).ToInt64Array();
        int r = image.Length;
        if (block.Length != r || r == 0) throw context.Error("image_shape and block_shape must have the same non-zero length");
        if (xt.Rank != 3) throw context.Error($"input must be [N, C*prod(block), L], got {Tensor.FormatShape(xt.Shape)}");
        if (!LinalgHelpers.ViaFloat32(xt.Type) && xt.Type != DataType.Double)
            throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        var img = new int[r];
        var blk = new int[r];
        int kCount = 1;
        for (int d = 0; d < r; d++)
        {
            img[d] = checked((int)image[d]);
            blk[d] = checked((int)block[d]);
            if (img[d] < 0 || blk[d] <= 0) throw context.Error("invalid image_shape or block_shape");
            kCount *= blk[d];
        }
        var dil = Attr(context, _dilations, r, 1, "dilations");
        var strides = Attr(context, _strides, r, 1, "strides");
        var pads = Attr(context, _pads, 2 * r, 0, "pads");
        var grid = new int[r];
        int l = 1;
        for (int d = 0; d < r; d++)
        {
            int span = img[d] + pads[d] + pads[d + r] - (((blk[d] - 1) * dil[d]) + 1);
            grid[d] = span >= 0 ? (span / strides[d]) + 1 : 0;
            l *= grid[d];
        }
        int batch = xt.Shape[0];
        if (xt.Shape[1] % kCount != 0 || xt.Shape[2] != l)
            throw context.Error($"input {Tensor.FormatShape(xt.Shape)} does not match block size {kCount} and {l} blocks");
        int c = xt.Shape[1] / kCount;
        var outShape = new int[r + 2];
        outShape[0] = batch;
        outShape[1] = c;
        img.CopyTo(outShape, 2);
        var x = FloatConversion.ToFloat(xt).ReadOnlySpan<float>();
        var yt = xt.Type == DataType.Float ? context.Output(0, DataType.Float, outShape) : Tensor.Zeros(DataType.Float, outShape);
        var y = yt.Span<float>();
        int imgCount = Tensor.ElementCount(img);
        if (l > 0)
            for (int n = 0; n < batch; n++)
                LinalgConv.Col2Im(x.Slice(n * c * kCount * l, c * kCount * l), c, img, blk, grid, strides, dil, pads,
                    y.Slice(n * c * imgCount, c * imgCount));
        if (xt.Type != DataType.Float) FloatConversion.FromFloat(y, context.Output(0, xt.Type, outShape));
    }
}
