namespace Pinhole.Tools.Datasets;

/// <summary>
/// torchvision's evaluation transform, <c>Resize(shorter side)</c> then <c>CenterCrop</c>, on decoded pixels.
/// The resize is an antialiased bilinear (triangle) filter whose support widens with the downscale factor, as PIL's
/// <c>Image.resize(BILINEAR)</c> that torchvision uses; plain bilinear or cubic sampling (Skia's) alias when shrinking
/// by 2x or more, which costs a classifier accuracy. Only the cropped window is computed.
/// </summary>
internal static class ImageResampler
{
    /// <summary>
    /// Resizes the RGBA image so that its shorter side is <paramref name="shorterSide"/> (the longer one rounded down,
    /// as torchvision does), crops the centre <paramref name="cropHeight"/> x <paramref name="cropWidth"/>, and returns
    /// three planes R, G, B of 0-255 floats.
    /// </summary>
    public static float[] ResizeCrop(ReadOnlySpan<byte> rgba, int width, int height, int rowBytes, int shorterSide, int cropHeight, int cropWidth)
    {
        var (resizedWidth, resizedHeight) = ResizedSize(width, height, shorterSide);
        if (resizedWidth < cropWidth || resizedHeight < cropHeight)
            throw new ArgumentException($"a {resizedWidth}x{resizedHeight} image cannot be cropped to {cropWidth}x{cropHeight}");
        int top = (int)Math.Round((resizedHeight - cropHeight) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((resizedWidth - cropWidth) / 2.0, MidpointRounding.ToEven);
        var columns = Weights(width, resizedWidth, left, cropWidth);
        var rows = Weights(height, resizedHeight, top, cropHeight);

        // Horizontal pass over the input rows the vertical pass reads: [row][x][rgb].
        int firstRow = rows.First, lastRow = rows.Last;
        var horizontal = new float[(lastRow - firstRow) * cropWidth * 3];
        for (int y = firstRow; y < lastRow; y++)
        {
            var line = rgba.Slice(y * rowBytes, width * 4);
            int o = (y - firstRow) * cropWidth * 3;
            for (int x = 0; x < cropWidth; x++, o += 3)
            {
                float r = 0, g = 0, b = 0;
                int start = columns.Start[x];
                var w = columns.Of(x);
                for (int k = 0; k < w.Length; k++)
                {
                    int p = (start + k) * 4;
                    r += w[k] * line[p];
                    g += w[k] * line[p + 1];
                    b += w[k] * line[p + 2];
                }
                horizontal[o] = r;
                horizontal[o + 1] = g;
                horizontal[o + 2] = b;
            }
        }

        int plane = cropHeight * cropWidth;
        var result = new float[3 * plane];
        for (int y = 0; y < cropHeight; y++)
        {
            int start = rows.Start[y] - firstRow;
            var w = rows.Of(y);
            for (int x = 0; x < cropWidth; x++)
            {
                float r = 0, g = 0, b = 0;
                for (int k = 0; k < w.Length; k++)
                {
                    int p = ((start + k) * cropWidth + x) * 3;
                    r += w[k] * horizontal[p];
                    g += w[k] * horizontal[p + 1];
                    b += w[k] * horizontal[p + 2];
                }
                int i = y * cropWidth + x;
                result[i] = r;
                result[plane + i] = g;
                result[2 * plane + i] = b;
            }
        }
        return result;
    }

    /// <summary>Size after resizing the shorter side to <paramref name="shorterSide"/>, the longer side rounded down.</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int shorterSide) =>
        width <= height
            ? (shorterSide, Math.Max(shorterSide, (int)((long)shorterSide * height / width)))
            : (Math.Max(shorterSide, (int)((long)shorterSide * width / height)), shorterSide);

    /// <summary>For output positions first..first+count of an inSize -> outSize resize: the input span and weights of each.</summary>
    internal static FilterWeights Weights(int inSize, int outSize, int first, int count)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale; // the triangle's support is 1 input pixel, widened when shrinking
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[count];
        var length = new int[count];
        var weights = new float[count * taps];
        Span<double> w = stackalloc double[taps];
        for (int i = 0; i < count; i++)
        {
            double center = (first + i + 0.5) * scale;
            int lo = Math.Max((int)(center - support + 0.5), 0);
            int hi = Math.Min((int)(center + support + 0.5), inSize);
            double total = 0;
            w.Clear();
            for (int x = lo; x < hi; x++)
            {
                double t = Math.Abs((x - center + 0.5) / filterScale);
                w[x - lo] = t < 1 ? 1 - t : 0;
                total += w[x - lo];
            }
            start[i] = lo;
            length[i] = hi - lo;
            for (int x = 0; x < hi - lo; x++) weights[i * taps + x] = (float)(total > 0 ? w[x] / total : 0);
        }
        return new FilterWeights(start, length, weights, taps);
    }

    internal sealed class FilterWeights(int[] start, int[] length, float[] weights, int taps)
    {
        public int[] Start => start;

        /// <summary>First input position read (inclusive) by any output.</summary>
        public int First => start.Length == 0 ? 0 : start[0];

        /// <summary>Last input position read (exclusive) by any output.</summary>
        public int Last => start.Length == 0 ? 0 : start[^1] + length[^1];

        public ReadOnlySpan<float> Of(int i) => weights.AsSpan(i * taps, length[i]);
    }
}
