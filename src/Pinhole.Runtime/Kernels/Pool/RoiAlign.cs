using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// RoiAlign (opset 10+): bilinear samples averaged (or maxed) per output bin of each region. Opset 16 adds
/// coordinate_transformation_mode (default half_pixel); opset 10 behaves as output_half_pixel.
/// </summary>
internal sealed class RoiAlign : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "RoiAlign", 10, info => new RoiAlign(info));

    private readonly bool _halfPixel;
    private readonly bool _max;
    private readonly int _outputHeight;
    private readonly int _outputWidth;
    private readonly int _samplingRatio;
    private readonly float _scale;

    private RoiAlign(KernelInfo info)
    {
        string mode = info.GetString("coordinate_transformation_mode", info.OpsetVersion >= 16 ? "half_pixel" : "output_half_pixel");
        if (mode is not ("half_pixel" or "output_half_pixel")) throw info.Invalid($"coordinate_transformation_mode '{mode}' is not valid");
        _halfPixel = mode == "half_pixel";
        string poolMode = info.GetString("mode", "avg");
        if (poolMode is not ("avg" or "max")) throw info.Invalid($"mode '{poolMode}' is not valid");
        _max = poolMode == "max";
        long oh = info.GetInt("output_height", 1), ow = info.GetInt("output_width", 1), sr = info.GetInt("sampling_ratio", 0);
        if (oh <= 0 || ow <= 0 || oh > 65536 || ow > 65536 || sr < 0 || sr > 65536) throw info.Invalid("output size or sampling_ratio is out of range");
        _outputHeight = (int)oh;
        _outputWidth = (int)ow;
        _samplingRatio = (int)sr;
        _scale = info.GetFloat("spatial_scale", 1f);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var rois = context.Input(1);
        var batchIndices = context.Input(2);
        if (x.Rank != 4) throw context.Error("X must be 4-D");
        if (rois.Rank != 2 || rois.Shape[1] != 4) throw context.Error("rois must have shape [num_rois, 4]");
        int count = rois.Shape[0];
        if (batchIndices.Length != count) throw context.Error("batch_indices must have one entry per roi");
        int batch = x.Shape[0], channels = x.Shape[1], height = x.Shape[2], width = x.Shape[3];
        var y = context.Output(0, x.Type, [count, channels, _outputHeight, _outputWidth]);
        var xs = NnData.Floats(x);
        var r = NnData.Floats(rois);
        var ys = NnRows.Destination(y, out var temp);
        float offset = _halfPixel ? 0.5f : 0f;
        for (int n = 0; n < count; n++)
        {
            long b = batchIndices.GetInt64(n);
            if (b < 0 || b >= batch) throw context.Error($"roi {n} names batch {b}, outside [0, {batch})");
            float startW = r[n * 4] * _scale - offset, startH = r[n * 4 + 1] * _scale - offset;
            float endW = r[n * 4 + 2] * _scale - offset, endH = r[n * 4 + 3] * _scale - offset;
            float roiW = endW - startW, roiH = endH - startH;
            if (!_halfPixel)
            {
                roiW = MathF.Max(roiW, 1);
                roiH = MathF.Max(roiH, 1);
            }
            float binH = roiH / _outputHeight, binW = roiW / _outputWidth;
            int gridH = _samplingRatio > 0 ? _samplingRatio : (int)MathF.Ceiling(roiH / _outputHeight);
            int gridW = _samplingRatio > 0 ? _samplingRatio : (int)MathF.Ceiling(roiW / _outputWidth);
            gridH = Math.Max(gridH, 0);
            gridW = Math.Max(gridW, 0);
            float samples = Math.Max(gridH * gridW, 1);
            for (int c = 0; c < channels; c++)
            {
                var plane = xs.Slice((int)((b * channels + c) * height * width), height * width);
                for (int ph = 0; ph < _outputHeight; ph++)
                {
                    for (int pw = 0; pw < _outputWidth; pw++)
                    {
                        float acc = 0;
                        bool first = true;
                        for (int iy = 0; iy < gridH; iy++)
                        {
                            float yy = startH + ph * binH + (iy + 0.5f) * binH / gridH;
                            for (int ix = 0; ix < gridW; ix++)
                            {
                                float xx = startW + pw * binW + (ix + 0.5f) * binW / gridW;
                                float value = Sample(plane, height, width, yy, xx, _max);
                                if (_max)
                                {
                                    acc = first ? value : MathF.Max(acc, value);
                                    first = false;
                                }
                                else acc += value;
                            }
                        }
                        ys[((n * channels + c) * _outputHeight + ph) * _outputWidth + pw] = _max ? acc : acc / samples;
                    }
                }
            }
        }
        NnRows.Commit(y, temp);
    }

    /// <summary>Bilinear interpolation as in the reference: the weighted sum, or in max mode the largest weighted corner.</summary>
    private static float Sample(ReadOnlySpan<float> plane, int height, int width, float y, float x, bool max)
    {
        if (y < -1f || y > height || x < -1f || x > width) return 0;
        if (y <= 0) y = 0;
        if (x <= 0) x = 0;
        int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
        if (yLow >= height - 1) { yHigh = yLow = height - 1; y = yLow; }
        else yHigh = yLow + 1;
        if (xLow >= width - 1) { xHigh = xLow = width - 1; x = xLow; }
        else xHigh = xLow + 1;
        float ly = y - yLow, lx = x - xLow, hy = 1 - ly, hx = 1 - lx;
        float v1 = hy * hx * plane[yLow * width + xLow], v2 = hy * lx * plane[yLow * width + xHigh];
        float v3 = ly * hx * plane[yHigh * width + xLow], v4 = ly * lx * plane[yHigh * width + xHigh];
        return max ? MathF.Max(MathF.Max(v1, v2), MathF.Max(v3, v4)) : v1 + v2 + v3 + v4;
    }
}
