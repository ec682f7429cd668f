namespace Pinhole.Tools.Datasets;

/// <summary>Turns planes of 0-255 pixels into a model's image input values: preset, channel order, layout.</summary>
internal static class ImagePixels
{
    /// <summary>
    /// <paramref name="planes"/> holds 1 (gray) or 3 (R, G, B) planes of <paramref name="g"/>'s height x width pixels.
    /// Returns the normalized values in the geometry's layout and channel count (gray to 3 channels repeats the
    /// gray value; RGB to 1 channel takes the luminance).
    /// </summary>
    public static float[] Normalize(float[] planes, int sourceChannels, ImagePreset preset, ImageGeometry g)
    {
        int plane = g.Height * g.Width;
        if (planes.Length != sourceChannels * plane)
            throw new ArgumentException($"expected {sourceChannels} planes of {plane} pixels, got {planes.Length} values");
        var gray = sourceChannels == 3 && g.Channels == 1 ? Luminance(planes, plane) : null;
        var result = new float[g.Channels * plane];
        for (int c = 0; c < g.Channels; c++)
        {
            // Source plane of model channel c: R, G, B (or B, G, R) from an RGB image; the one plane of a gray one.
            ReadOnlySpan<float> source = gray is not null ? gray
                : sourceChannels == 1 ? planes
                : planes.AsSpan((preset.Bgr ? 2 - c : c) * plane, plane);
            var (mean, std) = preset.Channel(c, g.Channels);
            float scale = preset.Scale / std, shift = mean / std;
            if (g.Layout == ImageLayout.Nchw)
            {
                var target = result.AsSpan(c * plane, plane);
                for (int i = 0; i < plane; i++) target[i] = source[i] * scale - shift;
            }
            else
            {
                for (int i = 0; i < plane; i++) result[i * g.Channels + c] = source[i] * scale - shift;
            }
        }
        return result;
    }

    private static float[] Luminance(float[] rgb, int plane)
    {
        var gray = new float[plane];
        for (int i = 0; i < plane; i++)
            gray[i] = ImagePreset.Luma[0] * rgb[i] + ImagePreset.Luma[1] * rgb[plane + i] + ImagePreset.Luma[2] * rgb[2 * plane + i];
        return gray;
    }
}
