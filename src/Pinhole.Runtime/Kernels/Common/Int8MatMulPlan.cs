using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// A constant 8-bit right operand (K x N, or N x K when transposed) prepared for QLinearMatMul and QGemm: packed as the
/// GEMM's weight side (one packed row per output column n), with the folded per-column terms. Activation rows m become
/// the GEMM's columns, so the output is stored transposed (row n of the GEMM result is column n of Y).
/// </summary>
internal sealed unsafe class Int8MatMulPlan
{
    private Int8MatMulPlan(Int8PackedWeights weights, Int8Requant requant, int zy)
    {
        Weights = weights;
        Requant = requant;
        OutputZero = zy;
    }

    public Int8PackedWeights Weights { get; }
    public Int8Requant Requant { get; }
    public int OutputZero { get; }
    public int K => Weights.Depth;
    public int N => Weights.Rows;

    /// <summary>The plan, or null when the shapes or parameters need the reference path.</summary>
    /// <param name="scale">Per output column n, the float multiplier as the reference computes it.</param>
    public static Int8MatMulPlan? TryCreate(Tensor b, bool transposed, Tensor? bZero, int[]? bias, float[] scale, int activationZero, int zy)
    {
        if (b.Rank != 2 || b.Type is not (DataType.Int8 or DataType.UInt8)) return null;
        int k = transposed ? b.Shape[1] : b.Shape[0], n = transposed ? b.Shape[0] : b.Shape[1];
        if (k == 0 || n == 0 || scale.Length != n || (bias is not null && bias.Length != n)) return null;
        var zw = Int8Requant.PerRowInts(bZero, n, 0);
        if (zw is null) return null;
        var (values, shift) = Int8Requant.SignedWeights(b);
        for (int i = 0; i < n; i++) zw[i] += shift;
        sbyte[] rows = values;
        if (!transposed)
        {
            // In 64 x 64 tiles, by pointer: the checked element loop took about 2 ms for a 1000 x 1280 classifier at load.
            rows = new sbyte[values.Length];
            const int Tile = 64;
            fixed (sbyte* src = values)
            fixed (sbyte* dst = rows)
            {
                for (int k0 = 0; k0 < k; k0 += Tile)
                    for (int j0 = 0; j0 < n; j0 += Tile)
                    {
                        int k1 = Math.Min(k, k0 + Tile), j1 = Math.Min(n, j0 + Tile);
                        for (int j = j0; j < j1; j++)
                        {
                            sbyte* d = dst + ((nint)j * k);
                            sbyte* s = src + j;
                            for (int kk = k0; kk < k1; kk++) d[kk] = s[(nint)kk * n];
                        }
                    }
            }
        }
        var packed = Int8PackedWeights.Pack(rows, n, k, k);
        return new Int8MatMulPlan(packed, new Int8Requant(packed.RowSums, zw, bias, scale, k, activationZero), zy);
    }

    /// <summary>Y[m, n] for the m activation rows at <paramref name="a"/> (K bytes each), 8-bit or (when <paramref name="yFloat"/>) float.</summary>
    public void Run(byte* a, bool signedInput, int m, byte* y, float* yFloat, DataType outType, int threads, GemmIsa isa)
    {
        var requant = Requant;
        fixed (int* rowOffset = requant.RowOffset(signedInput))
        fixed (int* weightZero = requant.WeightZero)
        fixed (float* scale = requant.Scale)
        {
            var source = new Int8Source(a, K, transposed: true, signedInput);
            Int8Output output;
            if (yFloat != null)
            {
                output = new Int8Output(rowOffset, weightZero, scale, yFloat, 1, N);
            }
            else
            {
                var (min, max) = Range(outType);
                output = new Int8Output(rowOffset, weightZero, scale, y, 1, N, OutputZero, min, max);
            }
            Int8Gemm.Run(Weights, source, m, output, threads, isa);
        }
    }
}
