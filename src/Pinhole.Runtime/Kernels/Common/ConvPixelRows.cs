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

    /// <summary>
    /// Tiles a thread finishes together for one panel (224 pixels, a 28 KiB scratch): whole k first, then the store, while the
    /// scratch is in L1/L2. A whole plane's scratch was 1.6 MB per thread for ResNet-50's conv1, at the same speed (2.30-2.39 ms
    /// for groups of 16, 32 or 64 tiles or the whole plane).
    /// </summary>
    private const int GroupTiles = 32;

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
    public static bool Worthwhile(int m, int pixels) => m > 0 && pixels > 0 && FillGain(m, pixels) > 1.1;

    /// <summary>
    /// Whether a convolution that Winograd does not take should read its image directly as pixel rows: whole tiles in every
    /// output row, stride 1 or 2 along it, and at least <see cref="MinDirectDepth"/> products per output (fewer leave too
    /// little work per tile: 3 -> 32 channels 3x3 and 1 -> 64 5x5 were no faster). With a window or a stride, no more padding
    /// than the channel rows is enough, since the implicit GEMM packs im2col for every call (5-10% of a strided 3x3 layer's
    /// time); a 1x1 stride-1 layer, which the GEMM reads in place, needs 5% less padding (ResNet-50's 14x14 1x1 layers).
    /// </summary>
    public static bool DirectWorthwhile(int m, int k, int ow, int pixels, long strideW, bool pointwise) =>
        m > 0 && pixels > 0 && ow > 0 && DirectFits(ow, strideW) && k >= MinDirectDepth && FillGain(m, pixels) >= (pointwise ? 1.05 : 1.0);

    private const int MinDirectDepth = 64;

    /// <summary>How much fuller pixel-row tiles are than channel-row tiles (8 rows) over 32-pixel panels (the last one 16 wide).</summary>
    private static double FillGain(int m, int pixels)
    {
        int rest = pixels % 32;
        int columns = pixels - rest + (rest == 0 ? 0 : rest <= 16 ? 16 : 32);
        double channelRows = m / (double)Linalg.RoundUp(m, 8) * pixels / columns;
        double pixelRows = m / (double)Linalg.RoundUp(m, Cols) * pixels / Linalg.RoundUp(pixels, Rows);
        return pixelRows / channelRows;
    }

    /// <summary>Y (NCHW, one image) = act(conv(X, W) + bias (+ Y when <paramref name="accumulate"/>)).</summary>
    public void Run(in ConvImage image, float* y, in EpilogueArgs epi, bool accumulate, int threads)
    {
        int pixels = image.Oh * image.Ow, tiles = (pixels + Rows - 1) / Rows;
        if ((long)image.C * image.Kh * image.Kw != _k) throw new ArgumentException("the image does not match the packed weights", nameof(image));
        if (pixels <= 0) return;
        if (DirectFits(image) && TryRunDirect(image, y, epi, accumulate, threads)) return;
        // A 1x1 stride-1 convolution over whole tiles reads its pixels in place: row k of im2col is channel k's plane.
        bool inPlace = image.Kh == 1 && image.Kw == 1 && image.Sh == 1 && image.Sw == 1 && image.Pt == 0 && image.Pl == 0
            && image.Oh == image.Ih && image.Ow == image.Iw && pixels % Rows == 0;
        float[]? packed = inPlace ? null : ArrayPool<float>.Shared.Rent(tiles * Rows * _k);
        try
        {
            fixed (float* pa = packed)
            {
                float* a = inPlace ? image.X : pa;
                if (!inPlace) IntraOp.For(tiles, threads, new PackBody(image, pa, _k));
                var source = new PackedTiles(a, inPlace ? Rows : (nint)Rows * _k, inPlace ? pixels : Rows);
                RunPanels(source, pixels, tiles, y, epi, accumulate, threads);
            }
        }
        finally
        {
            if (packed != null) ArrayPool<float>.Shared.Return(packed);
        }
    }

    /// <summary>Whether every tile of 7 pixels lies within one output row, at a pixel stride the direct kernel serves.</summary>
    public static bool DirectFits(in ConvImage image) => DirectFits(image.Ow, image.Sw);

    private static bool DirectFits(int ow, long strideW) => ow % Rows == 0 && strideW is 1 or 2;

    /// <summary>
    /// Tiles read straight from the image (zero-padded into a copy when the window reaches past it) through a table of each
    /// k's offset: no im2col, whose packing cost strided layers 5-10% of their time.
    /// </summary>
    /// <returns>False (nothing done) when the image's offsets would not fit in 32 bits.</returns>
    private bool TryRunDirect(in ConvImage image, float* y, in EpilogueArgs epi, bool accumulate, int threads)
    {
        int pixels = image.Oh * image.Ow, tiles = pixels / Rows;
        // The rows and columns the windows reach, from the padded image's origin.
        long reachH = ((long)(image.Oh - 1) * image.Sh) + ((long)(image.Kh - 1) * image.Dh) + 1;
        long reachW = ((long)(image.Ow - 1) * image.Sw) + ((long)(image.Kw - 1) * image.Dw) + 1;
        bool padded = image.Pt != 0 || image.Pl != 0 || reachH > image.Ih || reachW > image.Iw;
        long hpLong = padded ? reachH : image.Ih, wpLong = padded ? reachW : image.Iw;
        if (image.C * hpLong * wpLong > int.MaxValue) return false;
        int hp = (int)hpLong, wp = (int)wpLong;
        float[]? copy = padded ? ArrayPool<float>.Shared.Rent(image.C * hp * wp) : null;
        int[] offsets = ArrayPool<int>.Shared.Rent(_k);
        try
        {
            nint plane = (nint)hp * wp;
            for (int c = 0, k = 0; c < image.C; c++)
                for (int ky = 0; ky < image.Kh; ky++)
                    for (int kx = 0; kx < image.Kw; kx++)
                        offsets[k++] = (int)((c * plane) + (ky * image.Dh * wp) + (kx * image.Dw));
            fixed (float* pc = copy)
            fixed (int* po = offsets)
            {
                float* x = image.X;
                if (padded)
                {
                    IntraOp.For(image.C, threads, new PadBody(image, pc, hp, wp));
                    x = pc;
                }
                var source = new DirectTiles(x, po, image.Ow, (nint)image.Sh * wp, image.Sw);
                RunPanels(source, pixels, tiles, y, epi, accumulate, threads);
            }
        }
        finally
        {
            if (copy != null) ArrayPool<float>.Shared.Return(copy);
            ArrayPool<int>.Shared.Return(offsets);
        }
        return true;
    }

    private void RunPanels<TSource>(in TSource source, int pixels, int tiles, float* y, in EpilogueArgs epi, bool accumulate, int threads)
        where TSource : struct, ITileSource
    {
        int panels = (_m + Cols - 1) / Cols;
        // Few panels (such as DenseNet's 32-channel layers) are shared out by tile ranges too.
        int tileParts = threads > 1 && panels < 2 * threads ? Math.Min(tiles, ((2 * threads) + panels - 1) / panels) : 1;
        int chunks = threads > 1 ? Math.Min(panels * tileParts, 4 * threads) : 1;
        if (tileParts > 1) chunks = panels * tileParts;
        fixed (float* pw = _panels)
        {
            var body = new PanelBody<TSource>(source, pixels, tiles, pw, _m, _k, y, epi, accumulate, panels, chunks, tileParts);
            IntraOp.For(chunks, threads, body);
        }
    }

    /// <summary>Where the tiles' pixels come from: runs one tile's products for a k block.</summary>
    private interface ITileSource
    {
        void Run(int tile, int kb, int kc, float* weights, float* scratch, bool accumulate, int prefetch);
    }

    /// <summary>Tile t's pixels for k at a + t * TileStride + k * KStride (packed im2col^T, or a 1x1 layer's planes).</summary>
    private readonly struct PackedTiles(float* a, nint tileStride, nint kStride) : ITileSource
    {
        public void Run(int tile, int kb, int kc, float* weights, float* scratch, bool accumulate, int prefetch) =>
            GemmKernel512Rows7.Run(kc, a + (kb * kStride) + (tile * tileStride), kStride, weights, scratch, accumulate, prefetch);
    }

    /// <summary>Tile t's pixels read from the (padded) image: pixel r's value for k at its corner + offsets[k] + r * stride.</summary>
    private readonly struct DirectTiles(float* x, int* offsets, int ow, nint rowStep, int stride) : ITileSource
    {
        public void Run(int tile, int kb, int kc, float* weights, float* scratch, bool accumulate, int prefetch)
        {
            int first = tile * Rows, oy = first / ow, ox = first - (oy * ow);
            float* corner = x + (oy * rowStep) + (ox * stride);
            GemmKernel512Rows7.RunDirect(kc, corner, offsets + kb, stride, weights, scratch, accumulate, prefetch);
        }
    }

    /// <summary>Channel c of the image into a zero-padded copy of hp x wp, origin at (-Pt, -Pl).</summary>
    private readonly struct PadBody(ConvImage image, float* copy, int hp, int wp) : IParallelBody
    {
        public void Invoke(int c)
        {
            float* src = image.X + ((nint)c * image.Ih * image.Iw), dst = copy + ((nint)c * hp * wp);
            int left = Math.Min(image.Pl, wp), length = Math.Max(0, Math.Min(image.Iw, wp - image.Pl)), right = wp - left - length;
            for (int r = 0; r < hp; r++, dst += wp)
            {
                int iy = r - image.Pt;
                if ((uint)iy >= (uint)image.Ih || length == 0)
                {
                    new Span<float>(dst, wp).Clear();
                    continue;
                }
                new Span<float>(dst, left).Clear();
                new ReadOnlySpan<float>(src + ((nint)iy * image.Iw), length).CopyTo(new Span<float>(dst + left, length));
                new Span<float>(dst + left + length, right).Clear();
            }
        }
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
    private readonly struct PanelBody<TSource>(TSource source, int pixels, int tiles, float* weights, int m, int k, float* y, EpilogueArgs epi,
        bool accumulate, int panels, int chunks, int tileParts) : IParallelBody
        where TSource : struct, ITileSource
    {
        public void Invoke(int index)
        {
            int p0, p1, t0 = 0, t1 = tiles;
            if (tileParts > 1)
            {
                p0 = index / tileParts;
                p1 = p0 + 1;
                int part = index - (p0 * tileParts);
                t0 = (int)((long)tiles * part / tileParts);
                t1 = (int)((long)tiles * (part + 1) / tileParts);
            }
            else
            {
                p0 = (int)((long)panels * index / chunks);
                p1 = (int)((long)panels * (index + 1) / chunks);
            }
            int length = GroupTiles * Rows * Cols;
            var scratch = _scratch;
            if (scratch == null || scratch.Length < length) _scratch = scratch = new float[length];
            fixed (float* panel = scratch)
            {
                for (int p = p0; p < p1; p++)
                {
                    float* w = weights + ((nint)p * k * Cols);
                    for (int g0 = t0; g0 < t1; g0 += GroupTiles)
                    {
                        int g1 = Math.Min(t1, g0 + GroupTiles);
                        for (int kb = 0; kb < k; kb += Kc)
                        {
                            int kc = Math.Min(Kc, k - kb);
                            float* wBlock = w + ((nint)kb * Cols);
                            // The first tile fetches the next block of weights (the next panel's first after the last) from memory.
                            for (int t = g0; t < g1; t++) source.Run(t, kb, kc, wBlock, panel + ((t - g0) * Rows * Cols), kb > 0, t == g0 ? kc : 0);
                        }
                        // The scratch holds the group from its first pixel; rebased, pixel q's row is at q * 32.
                        Store(panel - (g0 * Rows * Cols), p * Cols, Math.Min(Cols, m - (p * Cols)), g0 * Rows, Math.Min(g1 * Rows, pixels));
                    }
                }
            }
        }

        /// <summary>Pixels q0..q1 of channels c0..c0+count, from the scratch panel ([pixel][32]) into NCHW, with the epilogue.</summary>
        private void Store(float* panel, int c0, int count, int q0, int q1)
        {
            float* bias = epi.RowBias != null ? epi.RowBias + c0 : null;
            float* planes = y + ((nint)c0 * pixels);
            if (epi.Activation != null)
            {
                StoreWithActivation(panel, planes, bias, count, q0, q1, epi.Activation);
                return;
            }
            float lo = epi.Clamp ? epi.Low : float.NegativeInfinity, hi = epi.Clamp ? epi.High : float.PositiveInfinity;
            PixelPanelStore.Store(panel, planes, pixels, count, q0, q1, bias, accumulate, lo, hi);
        }

        /// <summary>
        /// A non-clamp activation runs over the scratch panel's 32-channel rows, whole vectors for every pixel, so that a pixel's
        /// result does not depend on where a thread's range of tiles starts.
        /// </summary>
        private void StoreWithActivation(float* panel, float* planes, float* bias, int count, int q0, int q1, LinalgActivation activation)
        {
            if (accumulate)
            {
                for (int j = 0; j < count; j++)
                {
                    float b = bias != null ? bias[j] : 0f;
                    float* residual = planes + ((nint)j * pixels), dst = panel + j;
                    for (int q = q0; q < q1; q++) dst[q * Cols] = residual[q] + dst[q * Cols] + b;
                }
            }
            else if (bias != null)
            {
                for (int q = q0; q < q1; q++)
                {
                    float* row = panel + (q * Cols);
                    for (int j = 0; j < count; j++) row[j] += bias[j];
                }
            }
            for (int q = q0; q < q1; q++) activation.Apply(new Span<float>(panel + (q * Cols), Cols));
            PixelPanelStore.Store(panel, planes, pixels, count, q0, q1, null, false, float.NegativeInfinity, float.PositiveInfinity);
        }
    }
}
