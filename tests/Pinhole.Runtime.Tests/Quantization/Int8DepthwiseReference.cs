using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>The ONNX formula for an int8 depthwise convolution, and the plan's folding of its zero points, for kernel tests.</summary>
internal static class Int8DepthwiseReference
{
    /// <summary>
    /// clamp(round_half_even((bias + sum (x - zx) * w) * scale) + zy, min, max) per output, as a byte (an int8 output as
    /// its two's complement); w is already minus its zero point, the planes' channel is p % channels.
    /// </summary>
    public static byte[] Expected(byte[] x, bool signedX, int zx, int[] w, int[] bias, float[] scale, int zy, int min, int max, int planes,
        int channels, in ConvDepthwise.Shape s)
    {
        var y = new byte[planes * s.Oh * s.Ow];
        for (int p = 0; p < planes; p++)
        {
            int c = p % channels;
            for (int oy = 0; oy < s.Oh; oy++)
                for (int ox = 0; ox < s.Ow; ox++)
                {
                    int acc = bias[c];
                    for (int ky = 0; ky < s.Kh; ky++)
                        for (int kx = 0; kx < s.Kw; kx++)
                        {
                            int iy = (oy * s.Sh) - s.Pt + ky, ix = (ox * s.Sw) - s.Pl + kx;
                            if ((uint)iy >= (uint)s.Ih || (uint)ix >= (uint)s.Iw) continue;
                            byte raw = x[(((p * s.Ih) + iy) * s.Iw) + ix];
                            acc += ((signedX ? (sbyte)raw : raw) - zx) * w[(((c * s.Kh) + ky) * s.Kw) + kx];
                        }
                    y[(((p * s.Oh) + oy) * s.Ow) + ox] = unchecked((byte)(int)Math.Clamp(MathF.Round(acc * scale[c], MidpointRounding.ToEven) + zy, min, max));
                }
        }
        return y;
    }

    /// <summary>The plan's folding: the u8-domain zero point (int8 inputs move by 128) and per channel bias - zx' * sum(w).</summary>
    public static (int Zu, int[] Offset) Fold(bool signedX, int zx, int[] w, int[] bias, int channels, int taps)
    {
        int zu = zx + (signedX ? 128 : 0);
        var offset = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            int sum = 0;
            for (int i = 0; i < taps; i++) sum += w[(c * taps) + i];
            offset[c] = bias[c] - (zu * sum);
        }
        return (zu, offset);
    }
}
