using System.Buffers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// 2-D convolution (group 1) for small output planes, computed transposed: C^T = im2col(X)^T · W^T, with output pixels as
/// the rows of <see cref="GemmKernel512Rows7"/>'s tiles and output channels as its vector columns. A 7x7 plane fills seven
/// tiles exactly, where the channel-row GEMM pads 49 pixels to 64 columns and tops out at 77% of the FMA rate. Each thread
/// finishes a panel of 32 channels for all pixels in a scratch panel, then writes it to NCHW with the bias, the residual
/// and the activation. AVX-512 only (<see cref="Supported"/>); results do not depend on the thread count.
/// </summary>
internal sealed unsafe class ConvPixelRows
{
    private const int Rows = GemmKernel512Rows7.Rows, Cols = GemmKernel512Rows7.Cols;

    /// <summary>Depth of a k block: a 32 KiB slice of a weight panel, reused by every tile of pixels while it is in L1/L2.</summary>
    private const int Kc = 256;

    /// <summary>Largest kernel window the packer's offset table serves.</summary>
    private const int MaxWindow = 64;

    /// <summary>Weights as panels of 32 output channels, k-major: [panel][k][32], zero past the last channel.</summary>
    private readonly float[] _panels;
    private readonly int _m, _k;

    [ThreadStatic] private static float[]? _scratch;

    /// <param name="w">The weights, row-major [m][k] with k = channels x kernel window.</param>
    public ConvPixelRows(ReadOnlySpan<float> w, int m, int k)
    {
        _m = m;
        _k = k;
        int panels = (m + Cols - 1) / Cols;
        _panels = new float[(long)panels * k * Cols];
        for (int co = 0; co < m; co++)
        {
            var src = w.Slice(co * k, k);
            int p = co / Cols, j = co - (p * Cols);
            var dst = _panels.AsSpan((int)((long)p * k * Cols));
            for (int kk = 0; kk < k; kk++) dst[(kk * Cols) + j] = src[kk];
        }
    }

    public static bool Supported(GemmIsa isa, int kernelWindow) =>
        isa == GemmIsa.Vector512 && GemmKernel512Rows7.Supported && kernelWindow <= MaxWindow;

    /// <summary>
    /// Whether pixel rows waste clearly fewer padded products than channel rows (8-row tiles) over 32-pixel panels, whose last
    /// panel is 16 wide when at most 16 pixels remain (<see cref="GemmKernel512Half"/>).
    /// </summary>
    public static bool Worthwhile(int m, int pixels)
    {
        if (m <= 0 || pixels <= 0) return false;
        int rest = pixels % 32;
        int columns = pixels - rest + (rest == 0 ? 0 : rest <= 16 ? 16 : 32);
        double channelRows = m / (double)Linalg.RoundUp(m, 8) * pixels / columns;
        double pixelRows = m / (double)Linalg.RoundUp(m, Cols) * pixels / Linalg.RoundUp(pixels, Rows);
        return pixelRows > channelRows * 1.1;
    }

    /// <summary>Y (NCHW, one image) = act(conv(X, W) + bias (+ Y when <paramref name="accumulate"/>)).</summary>
    public void Run(in ConvImage image, float* y, in EpilogueArgs epi, bool accumulate, int threads)
    {
        int pixels = image.Oh * image.Ow, tiles = (pixels + Rows - 1) / Rows;
        if ((long)image.C * image.Kh * image.Kw != _k) throw new ArgumentException("the image does not match the packed weights", nameof(image));
        // A 1x1 stride-1 convolution over whole tiles reads its pixels in place: row k of im2col is channel k's plane.
        bool inPlace = image.Kh == 1 && image.Kw == 1 && image.Sh == 1 && image.Sw == 1 && image.Pt == 0 && image.Pl == 0
            && image.Oh == image.Ih && image.Ow == image.Iw && pixels % Rows == 0;
        float[]? packed = inPlace ? null : ArrayPool<float>.Shared.Rent(tiles * Rows * _k);
        try
        {
            fixed (float* pa = packed)
            fixed (float* pw = _panels)
            {
                float* a = inPlace ? image.X : pa;
                if (!inPlace) IntraOp.For(tiles, threads, new PackBody(image, pa, _k));
                int panels = (_m + Cols - 1) / Cols;
                // Few panels (such as DenseNet's 32-channel layers) are shared out by tile ranges too.
                int tileParts = threads > 1 && panels < 2 * threads ? Math.Min(tiles, ((2 * threads) + panels - 1) / panels) : 1;
                int chunks = threads > 1 ? Math.Min(panels * tileParts, 4 * threads) : 1;
                if (tileParts > 1) chunks = panels * tileParts;
                var layout = new Layout(a, inPlace ? Rows : (nint)Rows * _k, inPlace ? pixels : Rows, pixels, tiles);
                IntraOp.For(chunks, threads, new PanelBody(layout, pw, _m, _k, y, epi, accumulate, panels, chunks, tileParts));
            }
        }
        finally
        {
            if (packed != null) ArrayPool<float>.Shared.Return(packed);
        }
    }

    /// <summary>Where tile t's pixels sit for k: a + t * TileStride + k * KStride.</summary>
    private readonly struct Layout(float* a, nint tileStride, nint kStride, int pixels, int tiles)
    {
        public readonly float* A = a;
        public readonly nint TileStride = tileStride, KStride = kStride;
        public readonly int Pixels = pixels, Tiles = tiles;
    }

    /// <summary>Packs tile t of im2col^T as [k][7], zero for padding and for pixels past the plane.</summary>
    private readonly struct PackBody(ConvImage image, float* packed, int k) : IParallelBody
    {
        public void Invoke(int index)
        {
            int window = image.Kh * image.Kw, pixels = image.Oh * image.Ow, plane = image.Ih * image.Iw;
            int* offsets = stackalloc int[MaxWindow * Rows];
            for (int r = 0; r < Rows; r++)
            {
                int p = (index * Rows) + r;
                int oy = p / image.Ow, ox = p - (oy * image.Ow);
                for (int ky = 0; ky < image.Kh; ky++)
                {
                    int iy = (oy * image.Sh) - image.Pt + (ky * image.Dh);
                    for (int kx = 0; kx < image.Kw; kx++)
                    {
                        int ix = (ox * image.Sw) - image.Pl + (kx * image.Dw);
                        bool inside = p < pixels && (uint)iy < (uint)image.Ih && (uint)ix < (uint)image.Iw;
                        offsets[(((ky * image.Kw) + kx) * Rows) + r] = inside ? (iy * image.Iw) + ix : -1;
                    }
                }
            }
            float* dst = packed + ((nint)index * Rows * k);
            for (int c = 0; c < image.C; c++)
            {
                float* src = image.X + ((nint)c * plane);
                for (int q = 0; q < window; q++)
                {
                    int* o = offsets + (q * Rows);
                    for (int r = 0; r < Rows; r++) dst[r] = o[r] >= 0 ? src[o[r]] : 0f;
                    dst += Rows;
                }
            }
        }
    }

    /// <summary>
    /// Panels of 32 output channels, split into contiguous chunks; or, with <paramref name="tileParts"/> above 1, one item per
    /// panel and range of tiles.
    /// </summary>
    private readonly struct PanelBody(Layout layout, float* weights, int m, int k, float* y, EpilogueArgs epi, bool accumulate, int panels,
        int chunks, int tileParts) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0, p1, t0 = 0, t1 = layout.Tiles;
            if (tileParts > 1)
            {
                p0 = index / tileParts;
                p1 = p0 + 1;
                int part = index - (p0 * tileParts);
                t0 = (int)((long)layout.Tiles * part / tileParts);
                t1 = (int)((long)layout.Tiles * (part + 1) / tileParts);
            }
            else
            {
                p0 = (int)((long)panels * index / chunks);
                p1 = (int)((long)panels * (index + 1) / chunks);
            }
            int length = layout.Tiles * Rows * Cols;
            var scratch = _scratch;
            if (scratch == null || scratch.Length < length) _scratch = scratch = new float[length];
            fixed (float* panel = scratch)
            {
                for (int p = p0; p < p1; p++)
                {
                    float* w = weights + ((nint)p * k * Cols);
                    for (int kb = 0; kb < k; kb += Kc)
                    {
                        int kc = Math.Min(Kc, k - kb);
                        float* wBlock = w + ((nint)kb * Cols), aBlock = layout.A + (kb * layout.KStride);
                        // The first tile fetches the next block of weights (the next panel's first after the last) from memory.
                        for (int t = t0; t < t1; t++)
                            GemmKernel512Rows7.Run(kc, aBlock + (t * layout.TileStride), layout.KStride, wBlock, panel + (t * Rows * Cols), kb > 0,
                                t == t0 ? kc : 0);
                    }
                    Store(panel, p * Cols, Math.Min(Cols, m - (p * Cols)), t0 * Rows, Math.Min(t1 * Rows, layout.Pixels));
                }
            }
        }

        /// <summary>Pixels q0..q1 of channels c0..c0+count, from the scratch panel ([pixel][32]) into NCHW, with the epilogue.</summary>
        private void Store(float* panel, int c0, int count, int q0, int q1)
        {
            int pixels = layout.Pixels;
            if (epi.Activation != null)
            {
                StoreWithActivation(panel, c0, count, q0, q1, epi.Activation);
                return;
            }
            float lo = epi.Clamp ? epi.Low : float.NegativeInfinity, hi = epi.Clamp ? epi.High : float.PositiveInfinity;
            for (int j = 0; j < count; j++)
            {
                float bias = epi.RowBias != null ? epi.RowBias[c0 + j] : 0f;
                float* dst = y + ((nint)(c0 + j) * pixels), src = panel + j;
                if (accumulate)
                {
                    for (int q = q0; q < q1; q++) dst[q] = Math.Min(Math.Max(dst[q] + src[q * Cols] + bias, lo), hi);
                }
                else
                {
                    for (int q = q0; q < q1; q++) dst[q] = Math.Min(Math.Max(src[q * Cols] + bias, lo), hi);
                }
            }
        }

        /// <summary>
        /// A non-clamp activation runs over the scratch panel's 32-channel rows, whole vectors for every pixel, so that a pixel's
        /// result does not depend on where a thread's range of tiles starts.
        /// </summary>
        private void StoreWithActivation(float* panel, int c0, int count, int q0, int q1, LinalgActivation activation)
        {
            int pixels = layout.Pixels;
            for (int j = 0; j < count; j++)
            {
                float bias = epi.RowBias != null ? epi.RowBias[c0 + j] : 0f;
                float* residual = y + ((nint)(c0 + j) * pixels), dst = panel + j;
                if (accumulate)
                {
                    for (int q = q0; q < q1; q++) dst[q * Cols] = residual[q] + dst[q * Cols] + bias;
                }
                else
                {
                    for (int q = q0; q < q1; q++) dst[q * Cols] += bias;
                }
            }
            for (int q = q0; q < q1; q++) activation.Apply(new Span<float>(panel + (q * Cols), Cols));
            for (int j = 0; j < count; j++)
            {
                float* dst = y + ((nint)(c0 + j) * pixels), src = panel + j;
                for (int q = q0; q < q1; q++) dst[q] = src[q * Cols];
            }
        }
    }
}
