using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The requantizing epilogue of the int8 GEMM. Row i of the result is <c>v = acc + RowOffset[i] - WeightZero[i] *
/// colSum[j]</c> (the bias and the zero-point terms that were folded into per-row constants at prepare time), then
/// <c>y = clamp(round_half_even(v * Scale[i]) + zp, qmin, qmax)</c> as 8-bit, or <c>v * Scale[i]</c> as float.
/// This is the ONNX definition (QLinearConv, QLinearMatMul: float scale, round half to even), computed exactly as the
/// reference kernels do, so results are bit-identical to them and to ONNX Runtime; the clamp is applied before rounding
/// (to qmin - zp .. qmax - zp, integers, so it commutes with rounding) so that huge values cannot overflow the conversion.
/// A fused Relu/Relu6 that the quantizer folded into the output range is this same clamp.
/// </summary>
internal unsafe readonly struct Int8Output
{
    public readonly int* RowOffset;
    public readonly int* WeightZero;
    public readonly float* Scale;
    public readonly byte* Y;
    public readonly float* YFloat;
    public readonly nint RowStride;
    public readonly nint ColumnStride;
    public readonly int ZeroPoint;
    public readonly float Low;
    public readonly float High;

    /// <summary>
    /// Whether every |scale| is below 1 and the range is the whole 8-bit type, so that a fused epilogue may round first and
    /// narrow with saturation (no float clamp; see <see cref="Int8GemmKernels"/>).
    /// </summary>
    public readonly bool Saturating;

    /// <summary>Whether the 8-bit output is int8 (else uint8).</summary>
    public readonly bool SignedOutput;

    /// <summary>
    /// 8-bit output (<paramref name="min"/>/<paramref name="max"/>: the type's range) at y[i * rowStride + j * columnStride];
    /// <paramref name="scalesBelowOne"/>: every scale has magnitude below 1 (<see cref="Int8Requant.ScalesBelowOne"/>).
    /// </summary>
    public Int8Output(int* rowOffset, int* weightZero, float* scale, byte* y, nint rowStride, nint columnStride, int zeroPoint, int min, int max,
        bool scalesBelowOne = false)
    {
        SignedOutput = min < 0;
        Saturating = scalesBelowOne && (min, max) is (0, 255) or (-128, 127);
        RowOffset = rowOffset;
        WeightZero = weightZero;
        Scale = scale;
        Y = y;
        RowStride = rowStride;
        ColumnStride = columnStride;
        ZeroPoint = zeroPoint;
        Low = min - zeroPoint;
        High = max - zeroPoint;
    }

    /// <summary>Float output: y = v * scale.</summary>
    public Int8Output(int* rowOffset, int* weightZero, float* scale, float* y, nint rowStride, nint columnStride)
    {
        RowOffset = rowOffset;
        WeightZero = weightZero;
        Scale = scale;
        YFloat = y;
        RowStride = rowStride;
        ColumnStride = columnStride;
    }

    /// <summary>Stores the h x w block of a tile (row stride <paramref name="ts"/>) at rows i0.., columns j0.. .</summary>
    public void Store(int* tile, int ts, int* colSum, int i0, int h, int j0, int w)
    {
        for (int r = 0; r < h; r++)
        {
            int i = i0 + r;
            int off = RowOffset[i], zw = WeightZero != null ? WeightZero[i] : 0;
            float scale = Scale[i];
            int* acc = tile + (r * ts);
            int j = 0;
            if (YFloat != null)
            {
                float* yf = YFloat + (i * RowStride) + (j0 * ColumnStride);
                for (; j < w; j++) yf[j * ColumnStride] = (acc[j] + off - (zw * (colSum != null ? colSum[j] : 0))) * scale;
                continue;
            }
            byte* y = Y + (i * RowStride) + (j0 * ColumnStride);
            if (ColumnStride == 1 && Avx512F.IsSupported)
            {
                var vo = Vector512.Create(off);
                var vs = Vector512.Create(scale);
                var lo = Vector512.Create(Low);
                var hi = Vector512.Create(High);
                var zp = Vector512.Create(ZeroPoint);
                for (; j + 16 <= w; j += 16)
                {
                    var v = Vector512.Load(acc + j) + vo;
                    if (zw != 0) v -= Vector512.Create(zw) * Vector512.Load(colSum + j);
                    var f = Avx512F.Min(Avx512F.Max(Vector512.ConvertToSingle(v) * vs, lo), hi);
                    // VCVTPS2DQ rounds to nearest even (the default MXCSR mode); the value is in range, so VPMOVDB's truncation is exact.
                    Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f) + zp).Store(y + j);
                }
            }
            else if (ColumnStride == 1 && Vector256.IsHardwareAccelerated)
            {
                var vo = Vector256.Create(off);
                var vs = Vector256.Create(scale);
                var lo = Vector256.Create(Low);
                var hi = Vector256.Create(High);
                var zp = Vector256.Create(ZeroPoint);
                for (; j + 16 <= w; j += 16)
                {
                    var v0 = Vector256.Load(acc + j) + vo;
                    var v1 = Vector256.Load(acc + j + 8) + vo;
                    if (zw != 0)
                    {
                        v0 -= Vector256.Create(zw) * Vector256.Load(colSum + j);
                        v1 -= Vector256.Create(zw) * Vector256.Load(colSum + j + 8);
                    }
                    var q0 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.ConvertToSingle(v0) * vs, lo), hi))) + zp;
                    var q1 = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.ConvertToSingle(v1) * vs, lo), hi))) + zp;
                    var s16 = Vector256.Narrow(q0, q1);
                    Vector128.Narrow(s16.GetLower(), s16.GetUpper()).AsByte().Store(y + j);
                }
            }
            for (; j < w; j++)
            {
                int v = acc[j] + off - (zw * (colSum != null ? colSum[j] : 0));
                float f = Math.Clamp(v * scale, Low, High);
                y[j * ColumnStride] = (byte)((int)MathF.Round(f) + ZeroPoint);
            }
        }
    }
}
