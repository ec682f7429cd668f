using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Per-output-row constants of a quantized GEMM or convolution, folded at prepare time so that the kernels only add:
/// with activations moved to u8 (int8 x as x + 128, so its zero point zx becomes zx + 128), weights w as s8 (uint8 w as
/// w - 128, zero point zw - 128), and K products per output,
/// <c>sum (x - zx)(w - zw) + bias = sum x w + [bias - zx sum w + K zx zw] - zw sum x</c>.
/// The bracket is <see cref="RowOffset(bool)"/>; the last term needs the activation column sums and is computed only when
/// some zw is not 0 (<see cref="WeightZero"/>). All of this is int32 arithmetic that wraps exactly as the reference's does.
/// </summary>
internal sealed class Int8Requant
{
    private readonly int[] _offsetUnsigned;
    private readonly int[] _offsetSigned;

    /// <param name="rowSums">Per row, the sum of its (s8) weights.</param>
    /// <param name="weightZero">Per row, the weight zero point in the s8 domain.</param>
    /// <param name="bias">Per row bias (int32), or null.</param>
    /// <param name="scale">Per row float multiplier (input scale * weight scale / output scale).</param>
    public Int8Requant(int[] rowSums, int[] weightZero, int[]? bias, float[] scale, int depth, int activationZero)
    {
        int m = rowSums.Length;
        _offsetUnsigned = new int[m];
        _offsetSigned = new int[m];
        bool anyZero = false;
        for (int i = 0; i < m; i++)
        {
            int b = bias?[i] ?? 0, zw = weightZero[i];
            anyZero |= zw != 0;
            int zu = activationZero, zs = activationZero + 128;
            _offsetUnsigned[i] = unchecked(b - (zu * rowSums[i]) + (depth * zu * zw));
            _offsetSigned[i] = unchecked(b - (zs * rowSums[i]) + (depth * zs * zw));
        }
        WeightZero = anyZero ? weightZero : null;
        Scale = scale;
        ScalesBelowOne = Array.TrueForAll(scale, v => MathF.Abs(v) < 1f);
    }

    /// <summary>Whether every |scale| is below 1: float(int32) * scale then always fits int32 (no clamp needed before rounding).</summary>
    public bool ScalesBelowOne { get; }

    /// <summary>Per row, the constant term for uint8 (false) or int8 (true) activations.</summary>
    public int[] RowOffset(bool signedActivations) => signedActivations ? _offsetSigned : _offsetUnsigned;

    /// <summary>Per row weight zero points (s8 domain), or null when all are 0.</summary>
    public int[]? WeightZero { get; }

    public float[] Scale { get; }

    /// <summary>Weights of an int8 or uint8 tensor as s8 values (uint8 minus 128) and the zero point shift that goes with them.</summary>
    public static (sbyte[] Values, int ZeroShift) SignedWeights(Tensor w)
    {
        var values = new sbyte[w.Length];
        if (w.Type == DataType.Int8)
        {
            w.ReadOnlySpan<sbyte>().CopyTo(values);
            return (values, 0);
        }
        var src = w.ReadOnlySpan<byte>();
        for (int i = 0; i < values.Length; i++) values[i] = (sbyte)(src[i] - 128);
        return (values, -128);
    }

    /// <summary>A constant scalar or per-row tensor as one value per row (null when it has another length).</summary>
    public static int[]? PerRowInts(Tensor? t, int rows, int shift)
    {
        var r = new int[rows];
        if (t is null)
        {
            Array.Fill(r, shift);
            return r;
        }
        if (t.Length != 1 && t.Length != rows) return null;
        for (int i = 0; i < rows; i++) r[i] = (int)ReadInt64(t, t.Length == 1 ? 0 : i) + shift;
        return r;
    }

    /// <summary>Per-row float values of a scalar or per-row tensor (null when it has another length).</summary>
    public static float[]? PerRowFloats(Tensor t, int rows)
    {
        if (t.Length != 1 && t.Length != rows) return null;
        var r = new float[rows];
        for (int i = 0; i < rows; i++) r[i] = (float)t.GetDouble(t.Length == 1 ? 0 : i);
        return r;
    }
}
