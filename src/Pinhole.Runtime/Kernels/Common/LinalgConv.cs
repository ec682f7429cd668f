namespace Pinhole.Runtime.Kernels;

/// <summary>Convolution geometry shared by Conv, ConvTranspose, FusedConv, Col2Im: attribute parsing, im2col and col2im.</summary>
public static class LinalgConv
{
    /// <summary>Reads an ints attribute as int[] of length <paramref name="rank"/> (or the default value repeated).</summary>
    public static int[] Ints(KernelInfo info, string name, int rank, int defaultValue)
    {
        var v = info.GetInts(name);
        if (v == null) return IntArrays.Filled(rank, defaultValue);
        if (v.Length != rank) throw info.Invalid($"attribute '{name}' has {v.Length} values, expected {rank}");
        var result = new int[rank];
        for (int i = 0; i < rank; i++) result[i] = checked((int)v[i]);
        return result;
    }

    /// <summary>Pads (begin..., end...) and output spatial sizes for a forward convolution.</summary>
    public static int[] OutputSize(KernelContext context, ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, ReadOnlySpan<int> strides,
        ReadOnlySpan<int> dilations, string autoPad, int[]? padsAttr, out int[] pads)
    {
        int r = input.Length;
        pads = new int[2 * r];
        var output = new int[r];
        for (int d = 0; d < r; d++)
        {
            int ext = (dilations[d] * (kernel[d] - 1)) + 1;
            switch (autoPad)
            {
                case "SAME_UPPER":
                case "SAME_LOWER":
                    {
                        int o = (input[d] + strides[d] - 1) / strides[d];
                        int total = Math.Max(0, ((o - 1) * strides[d]) + ext - input[d]);
                        pads[d] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                        pads[d + r] = total - pads[d];
                        output[d] = o;
                        break;
                    }
                case "VALID":
                    output[d] = input[d] - ext >= 0 ? ((input[d] - ext) / strides[d]) + 1 : 0;
                    break;
                default:
                    if (padsAttr != null)
                    {
                        pads[d] = padsAttr[d];
                        pads[d + r] = padsAttr[d + r];
                    }
                    int span = input[d] + pads[d] + pads[d + r] - ext;
                    output[d] = span >= 0 ? (span / strides[d]) + 1 : 0;
                    break;
            }
            if (output[d] <= 0 && input[d] > 0)
                throw context.Error($"kernel extent {ext} exceeds padded input size {input[d] + pads[d] + pads[d + r]} on spatial axis {d}");
            output[d] = Math.Max(output[d], 0);
        }
        return output;
    }

    /// <summary>
    /// im2col: col[(c * prod(kernel) + kidx) * outCount + o] = x[c, o * stride - pad + kidx * dilation] (0 outside).
    /// <paramref name="x"/> holds <paramref name="channels"/> planes of prod(<paramref name="input"/>).
    /// </summary>
    public static void Im2Col(ReadOnlySpan<float> x, int channels, ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, ReadOnlySpan<int> output,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> col)
    {
        int r = input.Length;
        int inCount = 1, outCount = 1, kCount = 1;
        for (int d = 0; d < r; d++) { inCount *= input[d]; outCount *= output[d]; kCount *= kernel[d]; }
        Span<int> kidx = stackalloc int[r];
        Span<int> oidx = stackalloc int[r];
        int last = r - 1;
        int ow = output[last], iw = input[last], sw = strides[last];
        int outer = outCount / Math.Max(ow, 1);
        for (int c = 0; c < channels; c++)
        {
            var plane = x.Slice(c * inCount, inCount);
            for (int kk = 0; kk < kCount; kk++)
            {
                // kernel multi-index
                int rem = kk;
                for (int d = last; d >= 0; d--) { kidx[d] = rem % kernel[d]; rem /= kernel[d]; }
                var dst = col.Slice(((c * kCount) + kk) * outCount, outCount);
                int offW = (kidx[last] * dilations[last]) - pads[last];
                // valid ow range: 0 <= ow*sw + offW < iw
                int lo = offW >= 0 ? 0 : (-offW + sw - 1) / sw;
                int hi = iw - offW <= 0 ? 0 : Math.Min(ow, ((iw - offW - 1) / sw) + 1);
                lo = Math.Min(lo, ow);
                if (hi < lo) hi = lo;
                oidx.Clear();
                for (int o = 0; o < outer; o++)
                {
                    // offset of the input row for the outer output multi-index
                    int rowOff = 0;
                    bool inside = true;
                    for (int d = 0; d < last; d++)
                    {
                        int i = (oidx[d] * strides[d]) + (kidx[d] * dilations[d]) - pads[d];
                        if ((uint)i >= (uint)input[d]) { inside = false; break; }
                        rowOff = (rowOff * input[d]) + i;
                    }
                    var drow = dst.Slice(o * ow, ow);
                    if (!inside)
                    {
                        drow.Clear();
                    }
                    else
                    {
                        var srow = plane.Slice(rowOff * iw, iw);
                        drow.Slice(0, lo).Clear();
                        drow.Slice(hi).Clear();
                        if (hi > lo && sw == 1)
                        {
                            srow.Slice(lo + offW, hi - lo).CopyTo(drow.Slice(lo, hi - lo));
                        }
                        else
                        {
                            for (int w = lo; w < hi; w++) drow[w] = srow[(w * sw) + offW];
                        }
                    }
                    for (int d = last - 1; d >= 0; d--)
                    {
                        if (++oidx[d] < output[d]) break;
                        oidx[d] = 0;
                    }
                }
            }
        }
    }

    /// <summary>col2im: the adjoint of <see cref="Im2Col"/>; adds col entries into <paramref name="x"/> (which is not cleared).</summary>
    public static void Col2Im(ReadOnlySpan<float> col, int channels, ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, ReadOnlySpan<int> output,
        ReadOnlySpan<int> strides, ReadOnlySpan<int> dilations, ReadOnlySpan<int> pads, Span<float> x)
    {
        int r = input.Length;
        int inCount = 1, outCount = 1, kCount = 1;
        for (int d = 0; d < r; d++) { inCount *= input[d]; outCount *= output[d]; kCount *= kernel[d]; }
        Span<int> kidx = stackalloc int[r];
        Span<int> oidx = stackalloc int[r];
        int last = r - 1;
        int ow = output[last], iw = input[last], sw = strides[last];
        int outer = outCount / Math.Max(ow, 1);
        for (int c = 0; c < channels; c++)
        {
            var plane = x.Slice(c * inCount, inCount);
            for (int kk = 0; kk < kCount; kk++)
            {
                int rem = kk;
                for (int d = last; d >= 0; d--) { kidx[d] = rem % kernel[d]; rem /= kernel[d]; }
                var src = col.Slice(((c * kCount) + kk) * outCount, outCount);
                int offW = (kidx[last] * dilations[last]) - pads[last];
                int lo = offW >= 0 ? 0 : (-offW + sw - 1) / sw;
                int hi = iw - offW <= 0 ? 0 : Math.Min(ow, ((iw - offW - 1) / sw) + 1);
                oidx.Clear();
                for (int o = 0; o < outer; o++)
                {
                    int rowOff = 0;
                    bool inside = true;
                    for (int d = 0; d < last; d++)
                    {
                        int i = (oidx[d] * strides[d]) + (kidx[d] * dilations[d]) - pads[d];
                        if ((uint)i >= (uint)input[d]) { inside = false; break; }
                        rowOff = (rowOff * input[d]) + i;
                    }
                    if (inside && hi > lo)
                    {
                        var srow = src.Slice(o * ow, ow);
                        var xrow = plane.Slice(rowOff * iw, iw);
                        if (sw == 1)
                        {
                            var t = xrow.Slice(lo + offW, hi - lo);
                            System.Numerics.Tensors.TensorPrimitives.Add(t, srow.Slice(lo, hi - lo), t);
                        }
                        else
                        {
                            for (int w = lo; w < hi; w++) xrow[(w * sw) + offW] += srow[w];
                        }
                    }
                    for (int d = last - 1; d >= 0; d--)
                    {
                        if (++oidx[d] < output[d]) break;
                        oidx[d] = 0;
                    }
                }
            }
        }
    }
}
