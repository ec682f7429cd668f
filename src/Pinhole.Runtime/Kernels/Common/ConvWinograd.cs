using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// 3x3 stride-1 convolution (group 1, no dilation) by Winograd F(2x2, 3x3): each 2x2 output tile costs 16 multiplies per
/// input-output channel pair instead of 36. The weights are transformed once (U = G g G^T, 16 matrices of M x C, packed for
/// the GEMM); per block of tile rows the input is transformed (V = B^T d B, vectorized over 16 tiles of a row, with the same
/// edge-aware AVX-512 loads as the direct depthwise kernel), 16 GEMMs give U V, and the output transform (A^T m A) adds the
/// bias, clamps and writes the 2x2 tiles. Blocks run in parallel; the result does not depend on the thread count.
/// A scalar reference (<see cref="RunReference"/>) serves rows narrower than one vector and tests.
/// </summary>
internal sealed unsafe class ConvWinograd
{
    private readonly PackedMatrix[] _u;
    private readonly int _m, _c;
    private readonly bool _small;

    [ThreadStatic] private static float[]? _v;
    [ThreadStatic] private static float[]? _products;
    [ThreadStatic] private static float[]? _zeroRow;

    /// <summary>The vector transforms need AVX-512F permutes; elsewhere the implicit GEMM is used.</summary>
    public static bool Supported(GemmIsa isa) => isa == GemmIsa.Vector512 && Isa.HasAvx512F;

    /// <summary>Whether F(2x2, 3x3) should beat the implicit GEMM: enough channels, and tile rows that fill 16-lane vectors well.</summary>
    public static bool Worthwhile(int m, int c, int ow)
    {
        int tilesW = (ow + 1) / 2;
        return m >= 8 && c >= 8 && ow >= 23 && 4 * tilesW >= 3 * RoundUp16(tilesW);
    }

    /// <summary>
    /// Whether F(2x2, 3x3) should beat the implicit GEMM on a small image whose tile rows are too short for the vector
    /// layout (7x7, 13x13, 14x14): the tiles become the rows of the products (8-row tiles waste little) and the output
    /// channels the 32-wide columns, with scalar transforms; worth it with enough channels on both sides (measured: 32
    /// output channels lose, the scalar output transform then costs as much as the saved multiplies). On odd sizes the 2x2
    /// tiles overhang by a row and a column (13x13: 196 outputs computed for 169), and with fewer than 96 input channels
    /// the implicit GEMM wins there (SqueezeNet's 64 -> 256 at 13x13: 0.525 against 0.551 ms; 48 -> 192: 0.304 against 0.346).
    /// </summary>
    public static bool WorthwhileSmall(int m, int c, int oh, int ow) =>
        m >= 64 && (c >= 96 || (c >= 32 && oh % 2 == 0 && ow % 2 == 0)) && oh >= 5 && ow >= 5 && !Worthwhile(m, c, ow);

    /// <summary>
    /// Transforms and packs the weights: as the left operand (M x C per matrix) for the vector layout, or transposed as the
    /// right operand (C x M) for the small-image layout (<paramref name="small"/>).
    /// </summary>
    public ConvWinograd(ReadOnlySpan<float> w, int m, int c, GemmIsa isa, bool small = false)
    {
        _m = m;
        _c = c;
        _small = small;
        // The 16 transformed matrices U[xi] (m x c) go straight into their packed layout (A, or transposed B when small):
        // panel by panel and k by k, so that each of the 16 outputs is written sequentially (building them plain and packing
        // them after took two scalar passes over 16/9 of the weights: most of Inception's session creation).
        var layout = new PackedRowLayout(!small, m, c, isa);
        var u = new float[16][];
        for (int xi = 0; xi < 16; xi++) u[xi] = new float[layout.Length];
        Span<float> gg = stackalloc float[12];
        int width = layout.Width;
        for (int r0 = 0; r0 < m; r0 += width)
        {
            int rows = Math.Min(width, m - r0);
            for (int ci = 0; ci < c; ci++)
            {
                int at = layout.IndexOf(r0, ci);
                for (int i = 0; i < rows; i++, at++)
                {
                    var g = w.Slice((((r0 + i) * c) + ci) * 9, 9);
                    // G g (4x3), G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
                    for (int j = 0; j < 3; j++)
                    {
                        float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                        gg[j] = g0;
                        gg[3 + j] = 0.5f * (g0 + g1 + g2);
                        gg[6 + j] = 0.5f * (g0 - g1 + g2);
                        gg[9 + j] = g2;
                    }
                    // (G g) G^T (4x4).
                    for (int row = 0; row < 4; row++)
                    {
                        float a0 = gg[3 * row], a1 = gg[(3 * row) + 1], a2 = gg[(3 * row) + 2];
                        u[(4 * row) + 0][at] = a0;
                        u[(4 * row) + 1][at] = 0.5f * (a0 + a1 + a2);
                        u[(4 * row) + 2][at] = 0.5f * (a0 - a1 + a2);
                        u[(4 * row) + 3][at] = a2;
                    }
                }
            }
        }
        _u = new PackedMatrix[16];
        for (int xi = 0; xi < 16; xi++) _u[xi] = layout.Wrap(u[xi]);
    }

    private static int RoundUp16(int v) => (v + 15) & ~15;

    /// <summary>Geometry of one image: input ih x iw with top/left padding, output oh x ow.</summary>
    internal readonly record struct Image(int Ih, int Iw, int Pt, int Pl, int Oh, int Ow);

    /// <summary>y (M planes) = act(bias + conv3x3(x (C planes))) for one image; the clamp in registers, other activations after.</summary>
    public void Run(float* x, float* y, in Image g, float* bias, in EpilogueArgs epi, int threads)
    {
        if (_small)
        {
            RunSmall(x, y, g, bias, epi, threads);
            return;
        }
        if (g.Iw < 16)
        {
            RunReference(x, y, g, bias, epi);
            return;
        }
        int tilesH = (g.Oh + 1) / 2, tilesW = (g.Ow + 1) / 2, tilesWPad = RoundUp16(tilesW);
        // A block's transformed input (16 x C x tiles) and products (16 x M x tiles) of about 512 KiB each.
        int maxTiles = Math.Max(16, 8192 / Math.Max(_c, _m));
        int rowsPerBlock = Math.Clamp(maxTiles / tilesWPad, 1, tilesH);
        int blocks = (tilesH + rowsPerBlock - 1) / rowsPerBlock;
        // A multiple of the thread count, rows shared out evenly: 28 tile rows in blocks of 4 left one thread 16 of them.
        if (threads > 1) blocks = Math.Min(tilesH, (blocks + threads - 1) / threads * threads);
        rowsPerBlock = (tilesH + blocks - 1) / blocks;
        int chunks = tilesWPad / 16;
        var edges = stackalloc Columns[chunks];
        for (int q = 0; q < chunks; q++) edges[q] = new Columns((32 * q) - g.Pl, 32 * q, g.Iw, g.Ow);
        IntraOp.For(blocks, threads, new Body(this, x, y, g, bias, epi, edges, rowsPerBlock, blocks, tilesH, tilesWPad));
    }

    /// <summary>Per 16-tile chunk of a tile row: the edge-aware loads of its 34 input columns and the output store masks.</summary>
    private readonly struct Columns
    {
        public readonly EdgeLoad16 L0, L1, L2;
        public readonly Vector512<float> MaskLo, MaskHi;
        public readonly int OutCount;

        public Columns(int start, int outStart, int width, int outWidth)
        {
            L0 = new EdgeLoad16(start, width);
            L1 = new EdgeLoad16(start + 16, width);
            L2 = new EdgeLoad16(start + 32, width);
            OutCount = Math.Clamp(outWidth - outStart, 0, 32);
            MaskLo = EdgeLoad16.FirstLanes(OutCount);
            MaskHi = EdgeLoad16.FirstLanes(OutCount - 16);
        }
    }

    /// <summary>Block index of tile rows tilesH * index / blocks onwards, at most <paramref name="rowsPerBlock"/> of them.</summary>
    private readonly struct Body(ConvWinograd owner, float* x, float* y, Image g, float* bias, EpilogueArgs epi, Columns* edges, int rowsPerBlock,
        int blocks, int tilesH, int tilesWPad) : IParallelBody
    {
        public void Invoke(int index)
        {
            int c = owner._c, m = owner._m;
            int ty0 = (int)((long)tilesH * index / blocks), ty1 = (int)((long)tilesH * (index + 1) / blocks);
            int tiles = (ty1 - ty0) * tilesWPad;
            int maxTiles = rowsPerBlock * tilesWPad;
            var v = Rent(ref _v, 16 * c * maxTiles);
            var products = Rent(ref _products, 16 * m * maxTiles);
            var zeros = Rent(ref _zeroRow, g.Iw);
            fixed (float* pv = v)
            fixed (float* pm = products)
            fixed (float* zero = zeros)
            {
                for (int ci = 0; ci < c; ci++)
                    InputTransform(x + ((nint)ci * g.Ih * g.Iw), zero, pv + ((nint)ci * tiles), (nint)c * tiles, g, edges, ty0, ty1, tilesWPad);
                for (int xi = 0; xi < 16; xi++)
                {
                    var vx = new ReadOnlySpan<float>(pv + ((nint)xi * c * tiles), c * tiles);
                    var px = new Span<float>(pm + ((nint)xi * m * tiles), m * tiles);
                    Linalg.Gemm(owner._u[xi], false, tiles, 1f, vx, tiles, 0f, px, tiles, 1);
                }
                var lo = Vector512.Create(epi.Clamp ? epi.Low : float.NegativeInfinity);
                var hi = Vector512.Create(epi.Clamp ? epi.High : float.PositiveInfinity);
                for (int mi = 0; mi < m; mi++)
                {
                    float* plane = y + ((nint)mi * g.Oh * g.Ow);
                    OutputTransform(pm + ((nint)mi * tiles), (nint)m * tiles, plane, g, edges, ty0, ty1, tilesWPad,
                        Vector512.Create(bias != null ? bias[mi] : 0f), lo, hi);
                    if (epi.Activation is { } act)
                    {
                        int oy0 = 2 * ty0, oy1 = Math.Min(g.Oh, 2 * ty1);
                        act.Apply(new Span<float>(plane + ((nint)oy0 * g.Ow), (oy1 - oy0) * g.Ow));
                    }
                }
            }
        }

        private static float[] Rent(ref float[]? slot, int length)
        {
            var a = slot;
            if (a == null || a.Length < length) slot = a = new float[Math.Max(length, 256)];
            return a;
        }
    }

    /// <summary>
    /// V[xi][t] = (B^T d B)[xi] for the tiles of rows ty0..ty1 of one input plane, 16 tiles per vector; v points at tile 0 of
    /// this channel in matrix xi = 0, and matrix xi starts <paramref name="matrixStride"/> floats after matrix xi - 1.
    /// </summary>
    private static void InputTransform(float* plane, float* zero, float* v, nint matrixStride, in Image g, Columns* edges, int ty0, int ty1,
        int tilesWPad)
    {
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        var next0 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        var next1 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
        int chunks = tilesWPad / 16;
        for (int ty = ty0; ty < ty1; ty++)
        {
            int iy = (2 * ty) - g.Pt;
            float* r0 = (uint)iy < (uint)g.Ih ? plane + ((nint)iy * g.Iw) : zero;
            float* r1 = (uint)(iy + 1) < (uint)g.Ih ? plane + ((nint)(iy + 1) * g.Iw) : zero;
            float* r2 = (uint)(iy + 2) < (uint)g.Ih ? plane + ((nint)(iy + 2) * g.Iw) : zero;
            float* r3 = (uint)(iy + 3) < (uint)g.Ih ? plane + ((nint)(iy + 3) * g.Iw) : zero;
            float* vrow = v + ((nint)(ty - ty0) * tilesWPad);
            for (int q = 0; q < chunks; q++)
            {
                ref readonly var e = ref edges[q];
                // Per input row: columns 2j .. 2j + 3 of each tile j, then the row transform d B.
                RowTransform(r0, e, even, odd, next0, next1, out var a0, out var a1, out var a2, out var a3);
                RowTransform(r1, e, even, odd, next0, next1, out var b0, out var b1, out var b2, out var b3);
                RowTransform(r2, e, even, odd, next0, next1, out var c0, out var c1, out var c2, out var c3);
                RowTransform(r3, e, even, odd, next0, next1, out var d0, out var d1, out var d2, out var d3);
                float* t = vrow + (16 * q);
                // Column transform B^T (rows a, b, c, d): [a - c; b + c; c - b; b - d].
                (a0 - c0).Store(t);
                (a1 - c1).Store(t + matrixStride);
                (a2 - c2).Store(t + (2 * matrixStride));
                (a3 - c3).Store(t + (3 * matrixStride));
                (b0 + c0).Store(t + (4 * matrixStride));
                (b1 + c1).Store(t + (5 * matrixStride));
                (b2 + c2).Store(t + (6 * matrixStride));
                (b3 + c3).Store(t + (7 * matrixStride));
                (c0 - b0).Store(t + (8 * matrixStride));
                (c1 - b1).Store(t + (9 * matrixStride));
                (c2 - b2).Store(t + (10 * matrixStride));
                (c3 - b3).Store(t + (11 * matrixStride));
                (b0 - d0).Store(t + (12 * matrixStride));
                (b1 - d1).Store(t + (13 * matrixStride));
                (b2 - d2).Store(t + (14 * matrixStride));
                (b3 - d3).Store(t + (15 * matrixStride));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowTransform(float* row, in Columns e, Vector512<int> even, Vector512<int> odd, Vector512<int> next0, Vector512<int> next1,
        out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3)
    {
        var p = e.L0.Load(row, Vector512<float>.Zero);
        var q = e.L1.Load(row, Vector512<float>.Zero);
        var r = e.L2.Load(row, Vector512<float>.Zero);
        var x0 = Avx512F.PermuteVar16x32x2(p, even, q);
        var x1 = Avx512F.PermuteVar16x32x2(p, odd, q);
        var x2 = Avx512F.PermuteVar16x32x2(x0, next0, r);
        var x3 = Avx512F.PermuteVar16x32x2(x1, next1, r);
        // d B: [x0 - x2, x1 + x2, x2 - x1, x1 - x3].
        t0 = x0 - x2;
        t1 = x1 + x2;
        t2 = x2 - x1;
        t3 = x1 - x3;
    }

    /// <summary>Y = A^T m A for the tiles of rows ty0..ty1 of one output channel, plus bias and the clamp, stored as 2x2 tiles.</summary>
    private static void OutputTransform(float* s, nint matrixStride, float* plane, in Image g, Columns* edges, int ty0, int ty1, int tilesWPad,
        Vector512<float> bias, Vector512<float> lo, Vector512<float> hi)
    {
        var first = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var second = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        int chunks = tilesWPad / 16;
        for (int ty = ty0; ty < ty1; ty++)
        {
            float* srow = s + ((nint)(ty - ty0) * tilesWPad);
            int oy = 2 * ty;
            for (int q = 0; q < chunks; q++)
            {
                float* p = srow + (16 * q);
                // Row transform m A per row i: [m0 + m1 + m2, m1 - m2 - m3].
                RowSum(p, matrixStride, 0, out var e0, out var e1);
                RowSum(p, matrixStride, 4, out var f0, out var f1);
                RowSum(p, matrixStride, 8, out var g0, out var g1);
                RowSum(p, matrixStride, 12, out var h0, out var h1);
                // Column transform A^T: row 0 = e + f + g, row 1 = f - g - h.
                var y00 = Clamp(e0 + f0 + g0 + bias, lo, hi);
                var y01 = Clamp(e1 + f1 + g1 + bias, lo, hi);
                var y10 = Clamp(f0 - g0 - h0 + bias, lo, hi);
                var y11 = Clamp(f1 - g1 - h1 + bias, lo, hi);
                ref readonly var e = ref edges[q];
                float* out0 = plane + ((nint)oy * g.Ow) + (32 * q);
                StoreRow(out0, Avx512F.PermuteVar16x32x2(y00, first, y01), Avx512F.PermuteVar16x32x2(y00, second, y01), e);
                if (oy + 1 < g.Oh)
                    StoreRow(out0 + g.Ow, Avx512F.PermuteVar16x32x2(y10, first, y11), Avx512F.PermuteVar16x32x2(y10, second, y11), e);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowSum(float* p, nint stride, int xi, out Vector512<float> s0, out Vector512<float> s1)
    {
        var m0 = Vector512.Load(p + (xi * stride));
        var m1 = Vector512.Load(p + ((xi + 1) * stride));
        var m2 = Vector512.Load(p + ((xi + 2) * stride));
        var m3 = Vector512.Load(p + ((xi + 3) * stride));
        s0 = m0 + m1 + m2;
        s1 = m1 - m2 - m3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Clamp(Vector512<float> v, Vector512<float> lo, Vector512<float> hi) => Avx512F.Min(hi, Avx512F.Max(lo, v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* dst, Vector512<float> a, Vector512<float> b, in Columns e)
    {
        if (e.OutCount == 32)
        {
            a.Store(dst);
            b.Store(dst + 16);
            return;
        }
        if (e.OutCount > 0) Avx512F.MaskStore(dst, e.MaskLo, a);
        if (e.OutCount > 16) Avx512F.MaskStore(dst + 16, e.MaskHi, b);
    }

    /// <summary>
    /// The small-image layout: V^T (tiles x C per matrix) by scalar transforms in parallel over channels, the 16 products
    /// P^T = V^T U^T in parallel over the matrices, then the output transforms in parallel over output channels.
    /// </summary>
    private void RunSmall(float* x, float* y, in Image g, float* bias, in EpilogueArgs epi, int threads)
    {
        int tilesH = (g.Oh + 1) / 2, tilesW = (g.Ow + 1) / 2, tiles = tilesH * tilesW;
        var vt = System.Buffers.ArrayPool<float>.Shared.Rent(16 * tiles * _c);
        var pt = System.Buffers.ArrayPool<float>.Shared.Rent(16 * tiles * _m);
        try
        {
            fixed (float* pv = vt)
            fixed (float* pp = pt)
            {
                var small = new SmallLayout(x, y, g, pv, pp, bias, epi, tilesW, tiles, _c, _m, _u);
                IntraOp.For(_c, (long)_c * tiles < 4096 ? 1 : threads, new SmallInput(small));
                IntraOp.For(16, threads, new SmallProducts(small));
                IntraOp.For(_m, (long)_m * tiles < 4096 ? 1 : threads, new SmallOutput(small));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(vt);
            System.Buffers.ArrayPool<float>.Shared.Return(pt);
        }
        if (epi.Activation is { } act) act.Apply(new Span<float>(y, _m * g.Oh * g.Ow));
    }

    /// <summary>Everything the three parallel steps of the small-image layout share.</summary>
    private readonly struct SmallLayout(float* x, float* y, Image g, float* vt, float* pt, float* bias, EpilogueArgs epi, int tilesW, int tiles,
        int c, int m, PackedMatrix[] ut)
    {
        public readonly float* X = x, Y = y, Vt = vt, Pt = pt, Bias = bias;
        public readonly Image G = g;
        public readonly EpilogueArgs Epi = epi;
        public readonly int TilesW = tilesW, Tiles = tiles, C = c, M = m;
        public readonly PackedMatrix[] Ut = ut;
    }

    private readonly struct SmallInput(SmallLayout s) : IParallelBody
    {
        /// <summary>Channel ci of every tile: V^T[xi][t][ci] = (B^T d B)[xi].</summary>
        public void Invoke(int ci)
        {
            var g = s.G;
            float* plane = s.X + ((nint)ci * g.Ih * g.Iw);
            float* d = stackalloc float[16];
            nint matrix = (nint)s.Tiles * s.C;
            for (int t = 0; t < s.Tiles; t++)
            {
                int ty = t / s.TilesW, tx = t - (ty * s.TilesW);
                int iy0 = (2 * ty) - g.Pt, ix0 = (2 * tx) - g.Pl;
                bool inside = iy0 >= 0 && ix0 >= 0 && iy0 + 4 <= g.Ih && ix0 + 4 <= g.Iw;
                for (int r = 0; r < 4; r++)
                {
                    int iy = iy0 + r;
                    float* row = plane + ((nint)iy * g.Iw) + ix0;
                    for (int col = 0; col < 4; col++)
                        d[(4 * r) + col] = inside || ((uint)iy < (uint)g.Ih && (uint)(ix0 + col) < (uint)g.Iw) ? row[col] : 0f;
                }
                // d B per row, then B^T down the columns (see InputTransform).
                for (int r = 0; r < 4; r++)
                {
                    float d0 = d[4 * r], d1 = d[(4 * r) + 1], d2 = d[(4 * r) + 2], d3 = d[(4 * r) + 3];
                    d[4 * r] = d0 - d2;
                    d[(4 * r) + 1] = d1 + d2;
                    d[(4 * r) + 2] = d2 - d1;
                    d[(4 * r) + 3] = d1 - d3;
                }
                float* v = s.Vt + ((nint)t * s.C) + ci;
                for (int k = 0; k < 4; k++)
                {
                    float a = d[k], b = d[4 + k], c = d[8 + k], e = d[12 + k];
                    v[k * matrix] = a - c;
                    v[(4 + k) * matrix] = b + c;
                    v[(8 + k) * matrix] = c - b;
                    v[(12 + k) * matrix] = b - e;
                }
            }
        }
    }

    private readonly struct SmallProducts(SmallLayout s) : IParallelBody
    {
        /// <summary>P^T[xi] (tiles x M) = V^T[xi] (tiles x C) U^T[xi].</summary>
        public void Invoke(int xi)
        {
            var a = new ReadOnlySpan<float>(s.Vt + ((nint)xi * s.Tiles * s.C), s.Tiles * s.C);
            var c = new Span<float>(s.Pt + ((nint)xi * s.Tiles * s.M), s.Tiles * s.M);
            Linalg.Gemm(false, s.Tiles, 1f, a, s.C, s.Ut[xi], 0f, c, s.M, 1, default);
        }
    }

    private readonly struct SmallOutput(SmallLayout s) : IParallelBody
    {
        /// <summary>Output channel mi of every tile: Y = A^T p A + bias, clamped.</summary>
        public void Invoke(int mi)
        {
            var g = s.G;
            float* plane = s.Y + ((nint)mi * g.Oh * g.Ow);
            float b = s.Bias != null ? s.Bias[mi] : 0f;
            float lo = s.Epi.Clamp ? s.Epi.Low : float.NegativeInfinity, hi = s.Epi.Clamp ? s.Epi.High : float.PositiveInfinity;
            nint matrix = (nint)s.Tiles * s.M;
            float* e = stackalloc float[8];
            for (int t = 0; t < s.Tiles; t++)
            {
                float* p = s.Pt + ((nint)t * s.M) + mi;
                // m A per row: [m0 + m1 + m2, m1 - m2 - m3].
                for (int r = 0; r < 4; r++)
                {
                    float m0 = p[(4 * r) * matrix], m1 = p[((4 * r) + 1) * matrix], m2 = p[((4 * r) + 2) * matrix], m3 = p[((4 * r) + 3) * matrix];
                    e[2 * r] = m0 + m1 + m2;
                    e[(2 * r) + 1] = m1 - m2 - m3;
                }
                int ty = t / s.TilesW, tx = t - (ty * s.TilesW);
                int oy = 2 * ty, ox = 2 * tx;
                for (int i = 0; i < 2 && oy + i < g.Oh; i++)
                {
                    for (int j = 0; j < 2 && ox + j < g.Ow; j++)
                    {
                        float v = i == 0 ? e[j] + e[2 + j] + e[4 + j] : e[2 + j] - e[4 + j] - e[6 + j];
                        plane[((oy + i) * g.Ow) + ox + j] = Math.Min(Math.Max(v + b, lo), hi);
                    }
                }
            }
        }
    }

    /// <summary>The scalar reference: the same transforms per tile and channel, with bounds checks (any row width).</summary>
    public void RunReference(float* x, float* y, in Image g, float* bias, in EpilogueArgs epi)
    {
        int tilesH = (g.Oh + 1) / 2, tilesW = (g.Ow + 1) / 2;
        var u = new float[16][];
        for (int xi = 0; xi < 16; xi++) u[xi] = Unpack(_u[xi]);
        Span<float> d = stackalloc float[16];
        Span<float> t = stackalloc float[16];
        Span<float> p = stackalloc float[16];
        var v = new float[_c * 16];
        for (int ty = 0; ty < tilesH; ty++)
        {
            for (int tx = 0; tx < tilesW; tx++)
            {
                for (int ci = 0; ci < _c; ci++)
                {
                    float* plane = x + ((nint)ci * g.Ih * g.Iw);
                    for (int r = 0; r < 4; r++)
                        for (int col = 0; col < 4; col++)
                        {
                            int iy = (2 * ty) - g.Pt + r, ix = (2 * tx) - g.Pl + col;
                            d[(4 * r) + col] = (uint)iy < (uint)g.Ih && (uint)ix < (uint)g.Iw ? plane[(iy * g.Iw) + ix] : 0f;
                        }
                    for (int r = 0; r < 4; r++)
                    {
                        float d0 = d[4 * r], d1 = d[(4 * r) + 1], d2 = d[(4 * r) + 2], d3 = d[(4 * r) + 3];
                        t[4 * r] = d0 - d2;
                        t[(4 * r) + 1] = d1 + d2;
                        t[(4 * r) + 2] = d2 - d1;
                        t[(4 * r) + 3] = d1 - d3;
                    }
                    for (int k = 0; k < 4; k++)
                    {
                        v[(ci * 16) + k] = t[k] - t[8 + k];
                        v[(ci * 16) + 4 + k] = t[4 + k] + t[8 + k];
                        v[(ci * 16) + 8 + k] = t[8 + k] - t[4 + k];
                        v[(ci * 16) + 12 + k] = t[4 + k] - t[12 + k];
                    }
                }
                for (int mi = 0; mi < _m; mi++)
                {
                    for (int xi = 0; xi < 16; xi++)
                    {
                        float sum = 0f;
                        for (int ci = 0; ci < _c; ci++) sum += u[xi][(mi * _c) + ci] * v[(ci * 16) + xi];
                        p[xi] = sum;
                    }
                    float b = bias != null ? bias[mi] : 0f;
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++)
                        {
                            int oy = (2 * ty) + i, ox = (2 * tx) + j;
                            if (oy >= g.Oh || ox >= g.Ow) continue;
                            float sum = 0f;
                            for (int r = 0; r < 4; r++)
                                for (int col = 0; col < 4; col++) sum += At(i, r) * p[(4 * r) + col] * At(j, col);
                            float value = sum + b;
                            if (epi.Clamp) value = Math.Min(Math.Max(value, epi.Low), epi.High);
                            y[((nint)mi * g.Oh * g.Ow) + (oy * g.Ow) + ox] = value;
                        }
                }
            }
        }
        if (epi.Activation is { } act) act.Apply(new Span<float>(y, _m * g.Oh * g.Ow));
    }

    /// <summary>A^T = [1 1 1 0; 0 1 -1 -1].</summary>
    private static float At(int i, int k) => i == 0 ? (k < 3 ? 1f : 0f) : k == 0 ? 0f : k == 1 ? 1f : -1f;

    /// <summary>The row-major M x C matrix a packed matrix holds (for the reference path).</summary>
    private static float[] Unpack(PackedMatrix a)
    {
        var dense = new float[a.Rows * a.Columns];
        var ones = new float[a.Columns * a.Columns];
        for (int i = 0; i < a.Columns; i++) ones[(i * a.Columns) + i] = 1f;
        Linalg.Gemm(a, false, a.Columns, 1f, ones, a.Columns, 0f, dense, a.Columns, 1);
        return dense;
    }
}
