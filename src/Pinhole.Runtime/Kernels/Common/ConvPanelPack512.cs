using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The implicit GEMM's panel packing for 32-column panels (AVX-512), strides 1 and 2 along the row, no dilation along it.
/// A packed row (one input channel, kernel row and kernel column) of a panel within one output row is two vector copies
/// (stride 2: four loads and two even-element permutes); at the image's edges, and for panels over several output rows,
/// masked loads bring zeros for the padding and lanes past the matrix. The generic packer's per-element bounds logic cost
/// a small-K convolution more than its products: 3 -> 32 channels, 3x3 stride 2 at 244x244 packs in 0.12 ms instead of
/// 0.22, and the whole convolution takes 0.35 ms instead of 0.39.
/// </summary>
internal static unsafe class ConvPanelPack512
{
    public static bool Supported(in ConvImage image, int nr) =>
        nr == GemmKernels.Nr512 && Isa.HasAvx512F && image.Dw == 1 && image.Sw is 1 or 2;

    /// <summary>As <see cref="ConvImage.PackPanels"/>: rows pc..pc+kc, columns jc + p*32.. for panels p0..p1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pack(in ConvImage im, int pc, int kc, int jc, int nc, int p0, int p1, float* dst)
    {
        // Locals, not fields of im: the stores through dst could alias im for all the JIT knows, forcing reloads.
        float* x = im.X;
        int ih = im.Ih, iw = im.Iw, kh = im.Kh, kw = im.Kw, sh = im.Sh, sw = im.Sw, dh = im.Dh, pt = im.Pt, pl = im.Pl, ow = im.Ow;
        int kk2 = kh * kw;
        nint planeSize = (nint)ih * iw;
        for (int p = p0; p < p1; p++)
        {
            int j0 = jc + (p * GemmKernels.Nr512);
            int w = Math.Min(GemmKernels.Nr512, nc - (p * GemmKernels.Nr512));
            float* panel = dst + ((nint)p * kc * GemmKernels.Nr512);
            int oy0 = j0 / ow, ox0 = j0 - (oy0 * ow);
            int ci = pc / kk2, rem = pc - (ci * kk2), ky = rem / kw, kx = rem - (ky * kw);
            if (ox0 + w > ow)
            {
                if (!PackRunsTabled(im, kc, ci, ky, kx, oy0, ox0, w, panel)) PackRuns(im, kc, ci, ky, kx, oy0, ox0, w, panel);
                continue;
            }
            // Stride 2, whole panels: a kernel row's taps come from one load of the input row (TapRow2).
            bool tapRows = sw == 2 && w == GemmKernels.Nr512 && kw > 1 && kw <= MaxTapRowWidth;
            for (int kk = 0; kk < kc; kk++)
            {
                float* plane = x + (ci * planeSize);
                float* d = panel + ((nint)kk * GemmKernels.Nr512);
                if (tapRows && kx == 0 && kk + kw <= kc)
                {
                    int iyRow = (oy0 * sh) - pt + (ky * dh);
                    if ((uint)iyRow < (uint)ih) TapRow2(plane + ((nint)iyRow * iw), (ox0 * 2) - pl, iw, kw, d);
                    else for (int r = 0; r < kw; r++) new Span<float>(d + (r * GemmKernels.Nr512), GemmKernels.Nr512).Clear();
                    kk += kw - 1;
                    if (++ky == kh) { ky = 0; ci++; }
                    continue;
                }
                // One output row (the usual case for rows of 32 or more): every vector lives only from its load to its
                // store. The JIT kept vectors that lived across a loop on the stack, where 64-byte accesses crossing a
                // cache line (by the stack's alignment in the process) made the packing 2.5 times slower.
                int iy = (oy0 * sh) - pt + (ky * dh);
                if ((uint)iy < (uint)ih)
                {
                    int ix0 = (ox0 * sw) - pl + kx;
                    float* at = plane + ((nint)iy * iw) + ix0;
                    if (sw == 1)
                    {
                        if (w == GemmKernels.Nr512 && ix0 >= 0 && ix0 + GemmKernels.Nr512 <= iw)
                        {
                            Vector512.Load(at).Store(d);
                            Vector512.Load(at + 16).Store(d + 16);
                        }
                        else
                        {
                            Run1(at, ix0, iw, 0, w, 0).Store(d);
                            Run1(at, ix0, iw, 0, w, 16).Store(d + 16);
                        }
                    }
                    else if (w == GemmKernels.Nr512 && ix0 >= 0 && ix0 + 63 <= iw)
                    {
                        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                        Avx512F.PermuteVar16x32x2(Vector512.Load(at), even, Vector512.Load(at + 16)).Store(d);
                        Avx512F.PermuteVar16x32x2(Vector512.Load(at + 32), even, Vector512.Load(at + 48)).Store(d + 16);
                    }
                    else
                    {
                        Run2(at, ix0, iw, 0, w, 0).Store(d);
                        Run2(at, ix0, iw, 0, w, 32).Store(d + 16);
                    }
                }
                else
                {
                    Vector512<float>.Zero.Store(d);
                    Vector512<float>.Zero.Store(d + 16);
                }
                if (++kx == kw)
                {
                    kx = 0;
                    if (++ky == kh) { ky = 0; ci++; }
                }
            }
        }
    }

    /// <summary>
    /// A panel over several output rows: the columns of each packed row are runs, each from one input row. Each run's loads
    /// are zero outside its own lanes, so OR assembles the row in registers (lanes past the matrix's last column stay zero)
    /// for two plain stores: the micro-kernel reads the panel right away, and masked stores would not forward to its loads.
    /// Out of line, so that the one-run loop keeps its values in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PackRuns(in ConvImage im, int kc, int ci, int ky, int kx, int oy0, int ox0, int w, float* panel)
    {
        float* x = im.X;
        int ih = im.Ih, iw = im.Iw, kh = im.Kh, kw = im.Kw, sh = im.Sh, sw = im.Sw, dh = im.Dh, pt = im.Pt, pl = im.Pl, ow = im.Ow;
        nint planeSize = (nint)ih * iw;
        for (int kk = 0; kk < kc; kk++)
        {
            float* plane = x + (ci * planeSize);
            Vector512<float> lo = default, hi = default;
            for (int lane = 0, oy = oy0, ox = ox0; lane < w; oy++, ox = 0)
            {
                int length = Math.Min(w - lane, ow - ox);
                int iy = (oy * sh) - pt + (ky * dh);
                if ((uint)iy < (uint)ih)
                {
                    int ix0 = (ox * sw) - pl + kx;
                    float* at = plane + ((nint)iy * iw) + ix0;
                    if (sw == 1)
                    {
                        lo |= Run1(at, ix0, iw, lane, length, 0);
                        hi |= Run1(at, ix0, iw, lane, length, 16);
                    }
                    else
                    {
                        lo |= Run2(at, ix0, iw, lane, length, 0);
                        hi |= Run2(at, ix0, iw, lane, length, 32);
                    }
                }
                lane += length;
            }
            float* d = panel + ((nint)kk * GemmKernels.Nr512);
            lo.Store(d);
            hi.Store(d + 16);
            if (++kx == kw)
            {
                kx = 0;
                if (++ky == kh) { ky = 0; ci++; }
            }
        }
    }

    /// <summary>Widest kernel row <see cref="TapRow2"/> serves: its taps reach 80 columns from the first.</summary>
    private const int MaxTapRowWidth = 17;

    /// <summary>
    /// All <paramref name="kw"/> taps of one kernel row at stride 2, packed rows d, d + 32, ...: tap kx of output column j reads
    /// column ix0 + kx + 2j. Five loads cover the 80 columns from ix0 (zero outside the row); their even and odd columns,
    /// split once, give every tap by a shift of whole lanes (VALIGND), where the row-by-row packer loaded and split the
    /// same columns again for each tap (ResNet-50's conv1, 7 taps per kernel row: 7.0 -> 5.0 ns per packed row).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TapRow2(float* row, int ix0, int iw, int kw, float* d)
    {
        Vector512<float> v0, v1, v2, v3, v4;
        float* at = row + ix0;
        if (ix0 >= 0 && ix0 + 80 <= iw)
        {
            v0 = Vector512.Load(at);
            v1 = Vector512.Load(at + 16);
            v2 = Vector512.Load(at + 32);
            v3 = Vector512.Load(at + 48);
            v4 = Vector512.Load(at + 64);
        }
        else
        {
            int first = Math.Max(0, -ix0), end = iw - ix0;
            v0 = Avx512F.MaskLoad(at, Lanes(first, end, 0), Vector512<float>.Zero);
            v1 = Avx512F.MaskLoad(at + 16, Lanes(first, end, 16), Vector512<float>.Zero);
            v2 = Avx512F.MaskLoad(at + 32, Lanes(first, end, 32), Vector512<float>.Zero);
            v3 = Avx512F.MaskLoad(at + 48, Lanes(first, end, 48), Vector512<float>.Zero);
            v4 = Avx512F.MaskLoad(at + 64, Lanes(first, end, 64), Vector512<float>.Zero);
        }
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = even + Vector512<int>.One;
        var e0 = Avx512F.PermuteVar16x32x2(v0, even, v1).AsInt32();
        var e1 = Avx512F.PermuteVar16x32x2(v2, even, v3).AsInt32();
        var e2 = Avx512F.PermuteVar16x32x2(v4, even, Vector512<float>.Zero).AsInt32();
        var o0 = Avx512F.PermuteVar16x32x2(v0, odd, v1).AsInt32();
        var o1 = Avx512F.PermuteVar16x32x2(v2, odd, v3).AsInt32();
        var o2 = Avx512F.PermuteVar16x32x2(v4, odd, Vector512<float>.Zero).AsInt32();
        for (int kx = 0; kx < kw; kx++)
        {
            float* dr = d + (kx * GemmKernels.Nr512);
            bool isOdd = (kx & 1) != 0;
            var a0 = isOdd ? o0 : e0;
            var a1 = isOdd ? o1 : e1;
            var a2 = isOdd ? o2 : e2;
            Shift(a0, a1, kx >> 1).AsSingle().Store(dr);
            Shift(a1, a2, kx >> 1).AsSingle().Store(dr + 16);
        }
    }

    /// <summary>Lanes t..t+16 of the 32 lanes lo:hi (VALIGND needs its shift as a constant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Shift(Vector512<int> lo, Vector512<int> hi, int t) => t switch
    {
        0 => lo,
        1 => Avx512F.AlignRight32(hi, lo, 1),
        2 => Avx512F.AlignRight32(hi, lo, 2),
        3 => Avx512F.AlignRight32(hi, lo, 3),
        4 => Avx512F.AlignRight32(hi, lo, 4),
        5 => Avx512F.AlignRight32(hi, lo, 5),
        6 => Avx512F.AlignRight32(hi, lo, 6),
        7 => Avx512F.AlignRight32(hi, lo, 7),
        _ => Avx512F.AlignRight32(hi, lo, 8),
    };

    /// <summary>One masked load (two and an even permute at stride 2) of a run's part in one half of a packed row.</summary>
    private struct RunLoad
    {
        public Vector512<float> Mask0, Mask1;
        public nint Offset;
    }

    /// <summary>Fewest channels a k block must have for <see cref="PackRunsTabled"/> to pay for its table.</summary>
    private const int MinChannelsPerTable = 4;

    /// <summary>Most run loads <see cref="PackRunsTabled"/> keeps (17 KiB of stack).</summary>
    private const int MaxRunLoads = 128;

    /// <summary>
    /// <see cref="PackRuns"/> with the runs' offsets and masks worked out once per kernel tap instead of per packed row: they
    /// do not depend on the channel. A packed row is then its loads and two stores (128 -> 128 channels, 3x3 stride 2 at
    /// 56x56, whose 28-pixel rows put every panel across two: 14.3 -> 8.1 ns per packed row). False when the table would
    /// not fit (very narrow planes).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static bool PackRunsTabled(in ConvImage im, int kc, int ci, int ky, int kx, int oy0, int ox0, int w, float* panel)
    {
        float* x = im.X;
        int ih = im.Ih, iw = im.Iw, kh = im.Kh, kw = im.Kw, sh = im.Sh, sw = im.Sw, dh = im.Dh, pt = im.Pt, pl = im.Pl, ow = im.Ow;
        int taps = kh * kw, slots = ((w + ow - 1) / ow) + 1;
        if (taps * 2 * slots > MaxRunLoads || kc < MinChannelsPerTable * taps) return false;
        var loads = stackalloc RunLoad[MaxRunLoads];
        int* counts = stackalloc int[MaxRunLoads];
        for (int tap = 0; tap < taps; tap++)
        {
            int tky = tap / kw, tkx = tap - (tky * kw);
            counts[2 * tap] = counts[(2 * tap) + 1] = 0;
            for (int lane = 0, oy = oy0, ox = ox0; lane < w; oy++, ox = 0)
            {
                int length = Math.Min(w - lane, ow - ox);
                int iy = (oy * sh) - pt + (tky * dh);
                if ((uint)iy < (uint)ih)
                {
                    int ix0 = (ox * sw) - pl + tkx;
                    nint at = ((nint)iy * iw) + ix0;
                    for (int half = 0; half < 2; half++)
                    {
                        RunLoad load;
                        if (sw == 1)
                        {
                            int first = lane + Math.Max(0, -ix0), end = lane + Math.Min(length, iw - ix0), offset = 16 * half;
                            load.Mask0 = Lanes(first, end, offset);
                            load.Mask1 = default;
                            load.Offset = at - lane + offset;
                        }
                        else
                        {
                            int first = (2 * lane) + Math.Max(0, -ix0), end = (2 * lane) + Math.Min((2 * length) - 1, iw - ix0), offset = 32 * half;
                            load.Mask0 = Lanes(first, end, offset);
                            load.Mask1 = Lanes(first, end, offset + 16);
                            load.Offset = at - (2 * lane) + offset;
                        }
                        if ((load.Mask0 | load.Mask1) == Vector512<float>.Zero) continue;
                        int slot = (2 * tap) + half;
                        loads[(slot * slots) + counts[slot]++] = load;
                    }
                }
                lane += length;
            }
        }
        nint planeSize = (nint)ih * iw;
        int t = (ky * kw) + kx;
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        for (int kk = 0; kk < kc; kk++)
        {
            float* plane = x + (ci * planeSize);
            Vector512<float> lo = default, hi = default;
            RunLoad* l = loads + (2 * t * slots);
            int nl = counts[2 * t], nh = counts[(2 * t) + 1];
            if (sw == 1)
            {
                for (int i = 0; i < nl; i++) lo |= Avx512F.MaskLoad(plane + l[i].Offset, l[i].Mask0, Vector512<float>.Zero);
                l += slots;
                for (int i = 0; i < nh; i++) hi |= Avx512F.MaskLoad(plane + l[i].Offset, l[i].Mask0, Vector512<float>.Zero);
            }
            else
            {
                for (int i = 0; i < nl; i++)
                {
                    float* at = plane + l[i].Offset;
                    lo |= Avx512F.PermuteVar16x32x2(Avx512F.MaskLoad(at, l[i].Mask0, Vector512<float>.Zero), even,
                        Avx512F.MaskLoad(at + 16, l[i].Mask1, Vector512<float>.Zero));
                }
                l += slots;
                for (int i = 0; i < nh; i++)
                {
                    float* at = plane + l[i].Offset;
                    hi |= Avx512F.PermuteVar16x32x2(Avx512F.MaskLoad(at, l[i].Mask0, Vector512<float>.Zero), even,
                        Avx512F.MaskLoad(at + 16, l[i].Mask1, Vector512<float>.Zero));
                }
            }
            float* d = panel + ((nint)kk * GemmKernels.Nr512);
            lo.Store(d);
            hi.Store(d + 16);
            if (++t == taps)
            {
                t = 0;
                ci++;
            }
        }
        return true;
    }

    /// <summary>
    /// Lanes offset..offset+16 of a run: lane j in lane..lane+length reads x[j - lane], column ix0 + j - lane of a row of
    /// <paramref name="width"/>; every other lane, and columns outside the row, are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Run1(float* x, int ix0, int width, int lane, int length, int offset)
    {
        int first = lane + Math.Max(0, -ix0), end = lane + Math.Min(length, width - ix0);
        return Avx512F.MaskLoad(x - lane + offset, Lanes(first, end, offset), Vector512<float>.Zero);
    }

    /// <summary>
    /// Stride 2, lanes offset / 2.. of a run: lane j in lane..lane+length reads x[2 (j - lane)]. Element e of the 64 from
    /// x - 2 lane feeds lane e / 2: wanted from 2 lane to the run's last even element, on the row; the odd ones are dropped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Run2(float* x, int ix0, int width, int lane, int length, int offset)
    {
        int first = (2 * lane) + Math.Max(0, -ix0), end = (2 * lane) + Math.Min((2 * length) - 1, width - ix0);
        x -= 2 * lane;
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        return Avx512F.PermuteVar16x32x2(Avx512F.MaskLoad(x + offset, Lanes(first, end, offset), Vector512<float>.Zero), even,
            Avx512F.MaskLoad(x + offset + 16, Lanes(first, end, offset + 16), Vector512<float>.Zero));
    }

    /// <summary>The mask of lanes j (elements offset + j) with first &lt;= offset + j &lt; end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Lanes(int first, int end, int offset)
    {
        var e = Vector512<int>.Indices + Vector512.Create(offset);
        return (Vector512.GreaterThanOrEqual(e, Vector512.Create(first)) & Vector512.LessThan(e, Vector512.Create(end))).AsSingle();
    }
}
