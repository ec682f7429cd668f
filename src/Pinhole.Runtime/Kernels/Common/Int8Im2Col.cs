using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// im2col for 8-bit 2-D convolutions, as the right operand of the int8 GEMM: rows (c, ky, kx), columns (oy, ox) of the
/// input window values, with the input zero point where the window leaves the image (so padding contributes
/// (zx - zx) * w = 0, as the spec requires). The GEMM fills it a block of columns at a time, on the thread that then
/// packs and multiplies those columns (<see cref="Fill"/>): the block stays in that core's cache, and one parallel loop
/// does both.
/// </summary>
internal unsafe readonly struct Int8Im2Col(byte* x, int channels, ConvDepthwise.Shape shape, byte pad)
{
    public readonly byte* X = x;
    public readonly int Channels = channels;
    public readonly ConvDepthwise.Shape Shape = shape;
    public readonly byte Pad = pad;

    /// <summary>Rows of the operand: channels x kernel height x kernel width.</summary>
    public int Depth => Channels * Shape.Kh * Shape.Kw;

    /// <summary>Columns of the operand: output height x output width.</summary>
    public int Columns => Shape.Oh * Shape.Ow;

    /// <summary>
    /// Writes columns c0 .. c1 of the operand: element (k, c) at <c>col[k * ld + c - c0]</c>.
    /// </summary>
    public void Fill(int c0, int c1, byte* col, int ld)
    {
        var s = Shape;
        if (s.Sh == 1 && s.Sw == 1 && s.Dh == 1 && s.Dw == 1 && s.Ow == s.Iw)
        {
            FillSameWidth(c0, c1, col, ld);
            return;
        }
        int ow = s.Ow;
        int oy0 = c0 / ow, oy1 = (c1 + ow - 1) / ow;
        for (int c = 0; c < Channels; c++)
        {
            byte* plane = X + ((nint)c * s.Ih * s.Iw);
            for (int ky = 0; ky < s.Kh; ky++)
            {
                for (int kx = 0; kx < s.Kw; kx++)
                {
                    byte* row = col + ((nint)(((c * s.Kh) + ky) * s.Kw + kx) * ld) - c0;
                    int offX = (kx * s.Dw) - s.Pl;
                    // Output columns whose input column is inside the image: lo <= ox < hi.
                    int lo = offX >= 0 ? 0 : Math.Min(ow, (-offX + s.Sw - 1) / s.Sw);
                    int hi = s.Iw - offX <= 0 ? 0 : Math.Min(ow, ((s.Iw - offX - 1) / s.Sw) + 1);
                    if (hi < lo) hi = lo;
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        int first = (int)((long)oy * ow);
                        // This block's part of the output row: a <= ox < b.
                        int a = Math.Max(0, c0 - first), b = Math.Min(ow, c1 - first);
                        byte* d = row + first;
                        int iy = (oy * s.Sh) - s.Pt + (ky * s.Dh);
                        if ((uint)iy >= (uint)s.Ih)
                        {
                            Set(d + a, b - a, Pad);
                            continue;
                        }
                        int l = Math.Clamp(lo, a, b), h = Math.Clamp(hi, l, b);
                        byte* src = plane + ((nint)iy * s.Iw) + offX;
                        for (int ox = a; ox < l; ox++) d[ox] = Pad;
                        if (s.Sw == 1) Copy(src + l, d + l, h - l);
                        else if (s.Sw == 2) Evens(src, d, l, h, s.Iw - offX);
                        else for (int ox = l; ox < h; ox++) d[ox] = src[ox * s.Sw];
                        for (int ox = h; ox < b; ox++) d[ox] = Pad;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Fill"/> for stride 1, no dilation and output rows as wide as the input's (a "same" convolution, 3x3 with
    /// one column of padding above all): column q of kernel tap (ky, kx) is input byte q + (ky - pt) * iw + kx - pl, so each
    /// operand row is one shifted copy of the plane, clamped to it, and only the padding columns at the row ends (and the
    /// rows above and below the image, which fall outside the plane) are set to the zero point afterwards, instead of a
    /// copy per output row and tap. Building the columns the general way took 12-15% of a 3x3 layer (`qconv 1` with the
    /// fill skipped); this form made those layers 3-4% faster.
    /// </summary>
    private void FillSameWidth(int c0, int c1, byte* col, int ld)
    {
        var s = Shape;
        int w = s.Iw, planeBytes = s.Ih * s.Iw;
        int oy0 = c0 / w, oy1 = (c1 + w - 1) / w;
        for (int c = 0; c < Channels; c++)
        {
            byte* plane = X + ((nint)c * planeBytes);
            for (int ky = 0; ky < s.Kh; ky++)
            {
                for (int kx = 0; kx < s.Kw; kx++)
                {
                    byte* row = col + ((nint)(((c * s.Kh) + ky) * s.Kw + kx) * ld) - c0;
                    int offX = kx - s.Pl, delta = ((ky - s.Pt) * w) + offX;
                    // Columns whose source lies in the plane: qa <= q < qb.
                    int qa = Math.Clamp(-delta, c0, c1), qb = Math.Clamp(planeBytes - delta, qa, c1);
                    Set(row + c0, qa - c0, Pad);
                    Copy(plane + qa + delta, row + qa, qb - qa);
                    Set(row + qb, c1 - qb, Pad);
                    // Within the plane, the copy wrapped across row ends where the tap leaves the image at the sides.
                    int left = Math.Min(w, -offX), right = Math.Max(0, w - offX);
                    if (left <= 0 && right >= w) continue;
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        int first = oy * w, a = Math.Max(c0, first), b = Math.Min(c1, first + w);
                        for (int q = a; q < Math.Min(b, first + left); q++) row[q] = Pad;
                        for (int q = Math.Max(a, first + right); q < b; q++) row[q] = Pad;
                    }
                }
            }
        }
    }

    // Rows are short (7 to 224 bytes): inline vector copies with overlapping ends beat a call to memmove.

    /// <summary>Copies <paramref name="count"/> bytes, touching no byte outside either range.</summary>
    private static void Copy(byte* src, byte* dst, int count)
    {
        if (count >= 32 && Vector256.IsHardwareAccelerated)
        {
            int i = 0;
            for (; i + 32 <= count; i += 32) Vector256.Load(src + i).Store(dst + i);
            if (i < count) Vector256.Load(src + count - 32).Store(dst + count - 32);
        }
        else if (count >= 16 && Vector128.IsHardwareAccelerated)
        {
            Vector128.Load(src).Store(dst);
            Vector128.Load(src + count - 16).Store(dst + count - 16);
        }
        else if (count >= 8)
        {
            *(ulong*)dst = *(ulong*)src;
            *(ulong*)(dst + count - 8) = *(ulong*)(src + count - 8);
        }
        else for (int i = 0; i < count; i++) dst[i] = src[i];
    }

    /// <summary>Sets <paramref name="count"/> bytes to <paramref name="value"/>.</summary>
    private static void Set(byte* dst, int count, byte value)
    {
        if (count >= 16 && Vector128.IsHardwareAccelerated)
        {
            var v = Vector128.Create(value);
            int i = 0;
            for (; i + 16 <= count; i += 16) v.Store(dst + i);
            if (i < count) v.Store(dst + count - 16);
        }
        else for (int i = 0; i < count; i++) dst[i] = value;
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
