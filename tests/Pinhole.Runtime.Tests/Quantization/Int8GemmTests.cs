using CsCheck;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>The int8 GEMM on every path this machine runs (and the portable 128-bit form) against a scalar reference of the formula.</summary>
public unsafe class Int8GemmTests
{
    public static TheoryData<GemmIsa, bool> Paths()
    {
        var data = new TheoryData<GemmIsa, bool>();
        foreach (var isa in Isa.Supported())
        {
            if (!Int8Gemm.IsSupported(isa)) continue;
            data.Add(isa, false);
            if (isa == GemmIsa.Vector128) data.Add(isa, true);
        }
        return data;
    }

    /// <summary>y = clamp(round_half_even(float(sum (x - zx)(w - zw) + bias) * scale) + zy): the ONNX formula, int32 wrapping as the reference.</summary>
    private static byte[] Reference(sbyte[] w, int m, int k, byte[] x, bool transposed, bool signedX, int n, int zx, int[] zw, int[] bias,
        float[] scale, int zy, int min, int max, out float[] unrounded)
    {
        var y = new byte[m * n];
        unrounded = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int acc = bias[i];
                for (int p = 0; p < k; p++)
                {
                    byte raw = transposed ? x[(j * k) + p] : x[(p * n) + j];
                    int xv = signedX ? (sbyte)raw : raw;
                    acc = unchecked(acc + ((xv - zx) * (w[(i * k) + p] - zw[i])));
                }
                unrounded[(i * n) + j] = acc * scale[i];
                float q = Math.Clamp(MathF.Round(acc * scale[i], MidpointRounding.ToEven) + zy, min, max);
                y[(i * n) + j] = (byte)(int)q;
            }
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void GemmMatchesReference(GemmIsa isa, bool portable)
    {
        // Odd shapes around the 8-row panels, the 4/8/32-column panels, the 2/4-element groups, and the GEMV (n <= 2).
        Gen.Select(Gen.Int[1, 41], Gen.Int[1, 300], Gen.Int[1, 100], Gen.Int[0, 511]).Sample(t =>
        {
            var (m, k, n, flags) = t;
            var rnd = new Random((m * 7919) + (k * 31) + n + (flags << 20));
            bool signedX = (flags & 1) != 0, transposed = (flags & 2) != 0, saturating = (flags & 4) != 0, forceWide = (flags & 8) != 0;
            bool weightZeros = (flags & 16) != 0, signedY = (flags & 32) != 0, threads2 = (flags & 64) != 0;
            // Saturating weights reach +-128 in pairs; the others keep |w0| + |w1| <= 128 so that the u8 layout is taken.
            var w = new sbyte[m * k];
            for (int i = 0; i < w.Length; i++) w[i] = saturating ? (sbyte)rnd.Next(-128, 128) : (sbyte)rnd.Next(-64, 65);
            var x = new byte[k * n];
            rnd.NextBytes(x);
            int zx = signedX ? rnd.Next(-128, 128) : rnd.Next(0, 256);
            var zw = new int[m];
            for (int i = 0; i < m; i++) zw[i] = weightZeros ? rnd.Next(-128, 128) : 0;
            var bias = new int[m];
            var scale = new float[m];
            for (int i = 0; i < m; i++)
            {
                bias[i] = rnd.Next(-100000, 100000);
                scale[i] = (float)(rnd.NextDouble() * 0.01);
            }
            int zy = signedY ? rnd.Next(-20, 20) : rnd.Next(0, 256);
            var (min, max) = signedY ? (-128, 127) : (0, 255);
            var expected = Reference(w, m, k, x, transposed, signedX, n, zx, zw, bias, scale, zy, min, max, out var unrounded);

            // Layouts: int16, u8 with residuals for every saturating pair (however many), or the automatic choice; u8 with the
            // quad bound (residuals however many) on half of the cases that allow it.
            bool? layout = forceWide ? true : (flags & 128) != 0 ? false : null;
            bool? quads = !forceWide && (flags & 256) != 0 ? true : null;
            var packed = Int8PackedWeights.Pack(w, m, k, k, layout, quads);
            if (layout is not null) Assert.Equal(layout.Value, packed.Wide);
            if (quads == true && !packed.Wide) Assert.True(packed.Quads);
            if (!saturating && layout is null) Assert.False(packed.Wide);
            // The zero point as the input gives it: Int8Requant adds the 128 of the u8 shift for int8 activations itself.
            var requant = new Int8Requant(packed.RowSums, zw, bias, scale, k, zx);
            var y = new byte[m * n];
            var yf = new float[m * n];
            fixed (byte* px = x)
            fixed (byte* py = y)
            fixed (float* pyf = yf)
            fixed (int* rowOffset = requant.RowOffset(signedX))
            fixed (int* weightZero = requant.WeightZero)
            fixed (float* ps = requant.Scale)
            {
                var source = new Int8Source(px, transposed ? k : n, transposed, signedX);
                int threads = threads2 ? 2 : 1;
                Int8Gemm.Run(packed, source, n, new Int8Output(rowOffset, weightZero, ps, py, n, 1, zy, min, max), threads, isa, portable);
                Int8Gemm.Run(packed, source, n, new Int8Output(rowOffset, weightZero, ps, pyf, n, 1), threads, isa, portable);
            }
            Assert.Equal(expected, y);
            Assert.Equal(unrounded, yf);
        }, iter: 250);
    }

    [Fact]
    public void QuadBoundShrinksInOrderAndKeepsResiduals()
    {
        // Quad (k0, k1, k4, k5): 100 + 20 + 10 + 30 = 160 > 128: k4 keeps 8 (residual 2), k5 becomes 0 (residual 30).
        var w = new sbyte[] { 100, 20, 1, 1, 10, 30, 1, 1 };
        var packed = Int8PackedWeights.Pack(w, 1, 8, 8, layout: false, quads: true);
        Assert.True(packed.Quads);
        Assert.Equal([2, 30], packed.CorrectionValue);
        Assert.Equal([4 << 3, 5 << 3], packed.CorrectionIndex);
        Assert.Equal(1, Int8PackedWeights.QuadResiduals(new sbyte[] { 64, 64, 0, 0, 1, 0, 0, 0 }, 1, 8, 8));
        Assert.Equal(0, Int8PackedWeights.QuadResiduals(new sbyte[] { 64, -64, 0, 0, 0, 0, 0, 0 }, 1, 8, 8));
    }

    [Fact]
    public void VectorizedBoundChecksCountAsTheirDefinitions()
    {
        // Rows of any length (vector blocks of 16, chunks of 64 blocks, scalar tails), weights near the bounds.
        Gen.Select(Gen.Int[1, 70], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 1000]).Sample(t =>
        {
            var (length, longRow, spread, seed) = t;
            int depth = longRow ? length * 31 : length;
            var rng = new Random(seed);
            int range = spread switch { 0 => 30, 1 => 64, 2 => 100, _ => 128 };
            var row = new sbyte[depth];
            for (int k = 0; k < depth; k++) row[k] = (sbyte)Math.Clamp(rng.Next(-range, range + 1), -128, 127);
            int pairs = 0, quads = 0;
            for (int k = 0; k + 1 < depth; k += 2) pairs += Math.Abs((int)row[k]) + Math.Abs((int)row[k + 1]) > 128 ? 1 : 0;
            for (int b = 0; b < depth; b += 8)
                for (int half = 0; half < 4; half += 2)
                {
                    int m = 0;
                    foreach (int d in new[] { 0, 1, 4, 5 })
                        if (b + half + d < depth) m += Math.Abs((int)row[b + half + d]);
                    quads += m > 128 ? 1 : 0;
                }
            Assert.Equal(pairs, Int8PackedWeights.Over(row, quads: false, firstOnly: false));
            Assert.Equal(quads, Int8PackedWeights.Over(row, quads: true, firstOnly: false));
            Assert.Equal(Math.Min(1, pairs), Int8PackedWeights.Over(row, quads: false, firstOnly: true));
            Assert.Equal(Math.Min(1, quads), Int8PackedWeights.Over(row, quads: true, firstOnly: true));
            Assert.Equal(pairs, Int8PackedWeights.SaturatingPairs(row, 1, depth, depth));
            var packed = Int8PackedWeights.Pack(row, 1, depth, depth);
            Assert.Equal(row.Sum(v => (int)v), packed.RowSums[0]);
        }, iter: 400);
    }

    [Fact]
    public void VectorizedShrinkingMatchesTheBoundsOneWeightAtATime()
    {
        // Pairs: the second weight of a pair over 128 becomes sign(w1)(128 - |w0|). Quads (k, k + 1, k + 4, k + 5 and
        // k + 2, k + 3, k + 6, k + 7 of each 8-weight block): magnitudes kept in that order up to a budget of 128.
        Gen.Select(Gen.Int[1, 70], Gen.Bool, Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Bool).Sample(t =>
        {
            var (length, longRow, spread, seed, quads) = t;
            int depth = longRow ? length * 31 : length; // up to 2170: several chunks of 64 blocks
            var rng = new Random(seed);
            int range = spread switch { 0 => 30, 1 => 64, 2 => 100, _ => 128 };
            var row = new sbyte[depth];
            for (int k = 0; k < depth; k++) row[k] = (sbyte)Math.Clamp(rng.Next(-range, range + 1), -128, 127);
            var expected = row.Select(v => (int)v).ToArray();
            if (!quads)
            {
                for (int k = 1; k < depth; k += 2)
                    if (Math.Abs(expected[k - 1]) + Math.Abs(expected[k]) > 128) expected[k] = Math.Sign(expected[k]) * (128 - Math.Abs(expected[k - 1]));
            }
            else
            {
                for (int b = 0; b < depth; b += 8)
                    for (int half = 0; half < 4; half += 2)
                    {
                        int budget = 128;
                        foreach (int d in new[] { 0, 1, 4, 5 })
                        {
                            int k = b + half + d;
                            if (k >= depth) continue;
                            int kept = Math.Min(Math.Abs(expected[k]), budget);
                            budget -= kept;
                            expected[k] = Math.Sign(expected[k]) * kept;
                        }
                    }
            }
            var positions = new List<int>();
            var values = new List<int>();
            Int8PackedWeights.Shrunk(row, quads, positions, values);
            var changed = Enumerable.Range(0, depth).Where(k => expected[k] != row[k]).ToArray();
            Assert.Equal(changed, positions);
            Assert.Equal(changed.Select(k => expected[k]), values);
        }, iter: 600);
    }

    [Fact]
    public void CountsThatStopEarlyDecideAsFullCounts()
    {
        // Many rows, each with 0-3 saturating pairs and quads: a count that stops once above the limit is above it
        // exactly when the full count is, and equals the full count otherwise.
        Gen.Select(Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[0, 30], Gen.Int[0, 1000]).Sample(t =>
        {
            var (rows, depth, limit, seed) = t;
            var rng = new Random(seed);
            var w = new sbyte[rows * depth];
            for (int i = 0; i < w.Length; i++) w[i] = (sbyte)(rng.Next(4) == 0 ? rng.Next(-128, 128) : rng.Next(-20, 21));
            foreach (var count in new Func<long, long>[]
            {
                stop => Int8PackedWeights.SaturatingPairs(w, rows, depth, depth, stop),
                stop => Int8PackedWeights.QuadResiduals(w, rows, depth, depth, stop),
            })
            {
                long full = count(long.MaxValue), stopped = count(limit);
                Assert.Equal(full > limit, stopped > limit);
                if (full <= limit) Assert.Equal(full, stopped);
            }
        }, iter: 300);
    }

    [Fact]
    public void SaturatingPairsSelectTheInt16Layout()
    {
        // 127 + 2 > 128: VPMADDUBSW could saturate 255 * 127 + 255 * 2 = 32895; the int16 layout keeps the sum exact.
        Assert.True(Int8PackedWeights.Pack(new sbyte[] { 127, 2, 0, 0 }, 1, 4, 4).Wide);
        Assert.False(Int8PackedWeights.Pack(new sbyte[] { -128, 0, 64, 64 }, 1, 4, 4).Wide);
        Assert.False(Int8PackedWeights.Pack(new sbyte[] { 127, 0, 127, 0 }, 1, 4, 4).Wide);
        // One saturating pair in 64 keeps the u8 layout, with that pair's residual (2 - 1 = 1) kept aside.
        var w = new sbyte[128];
        w[0] = 127;
        w[1] = 2;
        var packed = Int8PackedWeights.Pack(w, 1, 128, 128);
        Assert.False(packed.Wide);
        Assert.Equal([1], packed.CorrectionValue);
        Assert.Equal(129, packed.RowSums[0]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void WorstCaseSumsAreExact(GemmIsa isa, bool portable)
    {
        // All activations 255 and weights -128 in every pair: the int16 layout; then +64/+64 pairs, the largest safe u8 case.
        foreach (sbyte wv in new sbyte[] { -128, 64 })
        {
            int m = 9, k = 1001, n = 37;
            var w = Enumerable.Repeat(wv, m * k).ToArray();
            var x = Enumerable.Repeat((byte)255, k * n).ToArray();
            var packed = Int8PackedWeights.Pack(w, m, k, k, wv == -128 ? null : false);
            Assert.Equal(wv == -128, packed.Wide);
            var requant = new Int8Requant(packed.RowSums, new int[m], null, Enumerable.Repeat(1f, m).ToArray(), k, 0);
            var y = new float[m * n];
            fixed (byte* px = x)
            fixed (float* py = y)
            fixed (int* rowOffset = requant.RowOffset(false))
            fixed (float* ps = requant.Scale)
                Int8Gemm.Run(packed, new Int8Source(px, n, false, false), n, new Int8Output(rowOffset, null, ps, py, n, 1), 1, isa, portable);
            Assert.All(y, v => Assert.Equal(255f * wv * k, v));
        }
    }
}
