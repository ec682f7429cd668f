using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// im2col for 8-bit 2-D convolutions: rows (c, ky, kx), columns (oy, ox) of the input window values, with the input
/// zero point where the window leaves the image (so padding contributes (zx - zx) * w = 0, as the spec requires).
/// </summary>
internal static unsafe class Int8Im2Col
{
    /// <summary>
    /// Fills col[(c * kh * kw + ky * kw + kx) * oh * ow + oy * ow + ox] for <paramref name="channels"/> planes of x, channels
    /// split over <paramref name="threads"/> (each writes its own rows).
    /// </summary>
    public static void Run(byte* x, int channels, in ConvDepthwise.Shape s, byte pad, byte* col, int threads)
    {
        if ((long)channels * s.Kh * s.Kw * s.Oh * s.Ow < 1 << 16) threads = 1;
        int chunks = Math.Min(channels, threads == 1 ? 1 : 2 * threads);
        IntraOp.For(chunks, threads, new Body(x, channels, s, pad, col, chunks));
    }

    private readonly struct Body(byte* x, int channels, ConvDepthwise.Shape s, byte pad, byte* col, int chunks) : IParallelBody
    {
        public void Invoke(int index) =>
            Channels(x, (int)((long)channels * index / chunks), (int)((long)channels * (index + 1) / chunks), s, pad, col);
    }

    private static void Channels(byte* x, int c0, int c1, in ConvDepthwise.Shape s, byte pad, byte* col)
    {
        int outSize = s.Oh * s.Ow;
        for (int c = c0; c < c1; c++)
        {
            byte* plane = x + ((nint)c * s.Ih * s.Iw);
            for (int ky = 0; ky < s.Kh; ky++)
            {
                for (int kx = 0; kx < s.Kw; kx++)
                {
                    byte* row = col + ((nint)(((c * s.Kh) + ky) * s.Kw + kx) * outSize);
                    int offX = (kx * s.Dw) - s.Pl;
                    // Output columns whose input column is inside the image: lo <= ox < hi.
                    int lo = offX >= 0 ? 0 : Math.Min(s.Ow, (-offX + s.Sw - 1) / s.Sw);
                    int hi = s.Iw - offX <= 0 ? 0 : Math.Min(s.Ow, ((s.Iw - offX - 1) / s.Sw) + 1);
                    if (hi < lo) hi = lo;
                    for (int oy = 0; oy < s.Oh; oy++)
                    {
                        byte* d = row + ((nint)oy * s.Ow);
                        int iy = (oy * s.Sh) - s.Pt + (ky * s.Dh);
                        if ((uint)iy >= (uint)s.Ih)
                        {
                            new Span<byte>(d, s.Ow).Fill(pad);
                            continue;
                        }
                        byte* src = plane + ((nint)iy * s.Iw) + offX;
                        for (int ox = 0; ox < lo; ox++) d[ox] = pad;
                        if (s.Sw == 1) new ReadOnlySpan<byte>(src + lo, hi - lo).CopyTo(new Span<byte>(d + lo, hi - lo));
                        else if (s.Sw == 2) Evens(src, d, lo, hi, s.Iw - offX);
                        else for (int ox = lo; ox < hi; ox++) d[ox] = src[ox * s.Sw];
                        for (int ox = hi; ox < s.Ow; ox++) d[ox] = pad;
                    }
                }
            }
        }
    }

    /// <summary>d[ox] = src[2 * ox] for lo &lt;= ox &lt; hi; vector loads only while they stay inside the row (src[0 .. limit)).</summary>
    private static void Evens(byte* src, byte* d, int lo, int hi, int limit)
    {
        int ox = lo;
        if (Vector128.IsHardwareAccelerated)
        {
            // 32 input bytes as 16-bit lanes; the truncating narrow keeps the low (even) byte of each.
            for (; ox + 16 <= hi && (2 * ox) + 32 <= limit; ox += 16)
                Vector128.Narrow(Vector128.Load((ushort*)(src + (2 * ox))), Vector128.Load((ushort*)(src + (2 * ox) + 16))).Store(d + ox);
        }
        for (; ox < hi; ox++) d[ox] = src[2 * ox];
    }
}
