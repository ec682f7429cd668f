using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Quantized depthwise convolution on the float depthwise kernels (<see cref="ConvDepthwise"/>), exactly: a few planes at a
/// time are widened to float as x - zx (integers in [-255, 255]), convolved with the weights w - zw and the int32 bias as
/// floats, and requantized. Every product and partial sum is an integer below 2^24 (checked per channel at prepare
/// time: |bias| + 255 * sum |w - zw| &lt; 2^24), so float arithmetic computes the int32 accumulator without rounding
/// in any order, and the requantization sees the same value as the integer reference.
/// </summary>
internal static unsafe class Int8Depthwise
{
    /// <summary>Largest accumulator magnitude that float32 holds exactly for every partial sum.</summary>
    public const long ExactLimit = 1 << 24;

    /// <summary>Floats of input per chunk of planes (L2-sized together with the output).</summary>
    private const int ChunkFloats = 32 * 1024;

    [ThreadStatic] private static float[]? _buffer;

    /// <summary>y[p] for planes p of x (channels per image: <paramref name="channels"/>), per-channel float weights, bias and scale.</summary>
    public static void Run(byte* x, bool signedInput, int zx, float* w, float* bias, float* scale, byte* y, int zy, int min, int max, int planes,
        int channels, in ConvDepthwise.Shape s, int threads, GemmIsa isa)
    {
        int inSize = s.Ih * s.Iw, outSize = s.Oh * s.Ow;
        int perChunk = Math.Clamp(ChunkFloats / Math.Max(1, inSize), 1, channels);
        int chunksPerImage = (channels + perChunk - 1) / perChunk;
        int chunks = chunksPerImage * (planes / channels);
        if ((long)planes * outSize * s.Kh * s.Kw < 1 << 15) threads = 1;
        IntraOp.For(chunks, threads, new Body(x, signedInput, zx, w, bias, scale, y, zy, min, max, channels, perChunk, chunksPerImage, s, isa));
    }

    private readonly struct Body(byte* x, bool signedInput, int zx, float* w, float* bias, float* scale, byte* y, int zy, int min, int max,
        int channels, int perChunk, int chunksPerImage, ConvDepthwise.Shape s, GemmIsa isa) : IParallelBody
    {
        public void Invoke(int index)
        {
            int image = index / chunksPerImage, c0 = (index % chunksPerImage) * perChunk;
            int count = Math.Min(perChunk, channels - c0);
            int inSize = s.Ih * s.Iw, outSize = s.Oh * s.Ow;
            int need = count * (inSize + outSize);
            var buf = _buffer;
            if (buf == null || buf.Length < need) _buffer = buf = new float[need];
            nint first = ((nint)image * channels) + c0;
            fixed (float* fx = buf)
            {
                float* fy = fx + ((nint)count * inSize);
                Widen(x + (first * inSize), signedInput, zx, fx, count * inSize);
                var epi = new EpilogueArgs(null, null, null);
                ConvDepthwise.Run(fx, w + ((nint)c0 * s.Kh * s.Kw), bias + c0, fy, count, count, s, epi, 1, isa);
                for (int c = 0; c < count; c++)
                    Int8Convert.Requantize(fy + ((nint)c * outSize), outSize, scale[c0 + c], zy, min, max, y + ((first + c) * outSize));
            }
        }
    }

    /// <summary>dst = (float)(x - zx), x read as int8 or uint8.</summary>
    private static void Widen(byte* x, bool signedInput, int zx, float* dst, int count)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var z = Vector512.Create(zx);
            if (signedInput)
                for (; i + 16 <= count; i += 16) Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)x + i)) - z).Store(dst + i);
            else
                for (; i + 16 <= count; i += 16) Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(x + i)) - z).Store(dst + i);
        }
        if (signedInput) for (; i < count; i++) dst[i] = ((sbyte*)x)[i] - zx;
        else for (; i < count; i++) dst[i] = x[i] - zx;
    }
}
