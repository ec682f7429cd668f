namespace Pinhole.Tools.Quantization;

/// <summary>Symmetric int8 quantization of float constants: weights per channel or per tensor, and int32 biases.</summary>
internal static class WeightQuantizer
{
    /// <summary>
    /// Weights quantized symmetrically to int8 along <paramref name="axis"/> (or per tensor when axis is -1): one scale per
    /// channel, max |w| / 127 (63 with <paramref name="reduceRange"/>), zero point 0.
    /// </summary>
    public static (Tensor Quantized, float[] Scales) Quantize(Tensor weights, int axis, bool reduceRange)
    {
        var w = weights.ReadOnlySpan<float>();
        int channels = axis < 0 ? 1 : weights.Shape[axis];
        int inner = 1;
        if (axis >= 0) for (int d = axis + 1; d < weights.Rank; d++) inner *= weights.Shape[d];
        else inner = weights.Length;
        int limit = reduceRange ? 63 : 127;
        var maxAbs = new float[channels];
        for (int i = 0; i < w.Length; i++)
        {
            int c = axis < 0 ? 0 : i / inner % channels;
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(w[i]));
        }
        var scales = new float[channels];
        for (int c = 0; c < channels; c++) scales[c] = maxAbs[c] > 0 ? maxAbs[c] / limit : 1f;
        var q = new sbyte[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            int c = axis < 0 ? 0 : i / inner % channels;
            q[i] = (sbyte)Math.Clamp(Math.Round(w[i] / scales[c], MidpointRounding.ToEven), -limit, limit);
        }
        return (Tensor.FromArray(q, weights.Shape), scales);
    }

    /// <summary>A float bias as int32 with scale input scale × weight scale per channel and zero point 0 (what QLinearConv assumes).</summary>
    public static (Tensor Quantized, float[] Scales) QuantizeBias(Tensor bias, float inputScale, float[] weightScales)
    {
        var b = bias.ReadOnlySpan<float>();
        var scales = new float[b.Length];
        var q = new int[b.Length];
        for (int c = 0; c < b.Length; c++)
        {
            scales[c] = inputScale * weightScales[weightScales.Length == 1 ? 0 : c];
            q[c] = (int)Math.Clamp(Math.Round(b[c] / (double)scales[c], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }
        return (Tensor.FromArray(q, bias.Shape), scales);
    }
}
