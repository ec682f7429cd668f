using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>MaxRoiPool (opset 1+): max over each bin of each region of interest (rois: [batch, x1, y1, x2, y2]).</summary>
internal sealed class MaxRoiPool : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "MaxRoiPool", 1, info => new MaxRoiPool(info));

    private readonly int _pooledHeight;
    private readonly int _pooledWidth;
    private readonly float _scale;

    private MaxRoiPool(KernelInfo info)
    {
        var pooled = info.GetInts("pooled_shape") ?? throw info.Invalid("required attribute 'pooled_shape' is missing");
        if (pooled.Length != 2 || pooled[0] <= 0 || pooled[1] <= 0 || pooled[0] > 65536 || pooled[1] > 65536)
            throw info.Invalid("pooled_shape must hold two positive values");
        _pooledHeight = (int)pooled[0];
        _pooledWidth = (int)pooled[1];
        _scale = info.GetFloat("spatial_scale", 1f);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var rois = context.Input(1);
        if (x.Rank != 4) throw context.Error("X must be 4-D");
        if (rois.Rank != 2 || rois.Shape[1] != 5) throw context.Error("rois must have shape [num_rois, 5]");
        int batch = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        int count = rois.Shape[0];
        var y = context.Output(0, x.Type, [count, channels, _pooledHeight, _pooledWidth]);
        var xs = NnData.Floats(x);
        var r = NnData.Floats(rois);
        var ys = NnRows.Destination(y, out var temp);
        for (int n = 0; n < count; n++)
        {
            int b = (int)r[n * 5];
            if (b < 0 || b >= batch) throw context.Error($"roi {n} names batch {b}, outside [0, {batch})");
            int startW = (int)MathF.Round(r[n * 5 + 1] * _scale), startH = (int)MathF.Round(r[n * 5 + 2] * _scale);
            int endW = (int)MathF.Round(r[n * 5 + 3] * _scale), endH = (int)MathF.Round(r[n * 5 + 4] * _scale);
            int roiWidth = Math.Max(endW - startW + 1, 1), roiHeight = Math.Max(endH - startH + 1, 1);
            float binH = (float)roiHeight / _pooledHeight, binW = (float)roiWidth / _pooledWidth;
            for (int c = 0; c < channels; c++)
            {
                var plane = xs.Slice((b * channels + c) * height * width, height * width);
                for (int ph = 0; ph < _pooledHeight; ph++)
                {
                    int hStart = Math.Clamp((int)MathF.Floor(ph * binH) + startH, 0, height);
                    int hEnd = Math.Clamp((int)MathF.Ceiling((ph + 1) * binH) + startH, 0, height);
                    for (int pw = 0; pw < _pooledWidth; pw++)
                    {
                        int wStart = Math.Clamp((int)MathF.Floor(pw * binW) + startW, 0, width);
                        int wEnd = Math.Clamp((int)MathF.Ceiling((pw + 1) * binW) + startW, 0, width);
                        float max = hEnd <= hStart || wEnd <= wStart ? 0 : float.NegativeInfinity;
                        for (int h = hStart; h < hEnd; h++)
                            for (int w = wStart; w < wEnd; w++) max = MathF.Max(max, plane[h * width + w]);
                        ys[((n * channels + c) * _pooledHeight + ph) * _pooledWidth + pw] = max;
                    }
                }
            }
        }
        NnRows.Commit(y, temp);
    }
}
