using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The left operand of the int8 GEMM (weights, M x K, signed 8-bit values), packed once at prepare time into panels of
/// <see cref="Mr"/> rows: panel p holds, for each group of K, the 4 bytes of each of its rows (<c>[group][row][4 bytes]</c>),
/// so the micro-kernel broadcasts one 32-bit group per row. Two layouts (see <see cref="IInt8Madd"/>):
/// <list type="bullet">
/// <item>u8 x s8, groups of 4 bytes, for VPMADDUBSW, chosen when no pair of weights (k even, k + 1) can saturate its
/// int16 pair sum: |w0| + |w1| &lt;= 128 in every row (255 * 128 = 32640 &lt;= 32767);</item>
/// <item>the same u8 x s8 layout when few pairs (at most 1 in <see cref="MaxSaturatingShare"/>) could saturate: the second
/// weight of such a pair is stored shrunk to sign(w1) * (128 - |w0|), and the rest (a sparse residual per row) is added
/// to the int32 tile by <see cref="Int8GemmKernels.Correct"/> (sum over the residuals of residual * x[k]);</item>
/// <item>otherwise int16 x int16, groups of 2 values, for VPMADDWD, which cannot saturate (the same multiplier throughput,
/// twice the activation bytes; measured 25-35% slower than u8 on Zen 4). All give exact int32 sums, so the choice changes speed only.</item>
/// </list>
/// Padding rows and K positions hold weight 0. The group count is even (the 512-bit GEMV reads two groups per vector).
/// </summary>
internal sealed class Int8PackedWeights
{
    /// <summary>Rows per panel on every path.</summary>
    public const int Mr = 8;

    /// <summary>
    /// Largest share of saturating pairs that the u8 layout takes with residual corrections (one in 12: added in registers, a
    /// residual costs about as much as 8 weights of the 8 x 32 tile; measured on 8-bit MobileNetV2/SqueezeNet, 8 and 32 were slower).
    /// </summary>
    public const int MaxSaturatingShare = 12;

    private Int8PackedWeights(int rows, int depth, int groups, bool wide, byte[] data, int[] rowSums)
    {
        Rows = rows;
        Depth = depth;
        Groups = groups;
        Wide = wide;
        Data = data;
        RowSums = rowSums;
    }

    public int Rows { get; }
    public int Depth { get; }

    /// <summary>Groups of K per panel (K / <see cref="GroupSize"/> rounded up to an even count).</summary>
    public int Groups { get; }

    /// <summary>Whether the int16 layout was chosen (a weight pair could saturate VPMADDUBSW).</summary>
    public bool Wide { get; }

    /// <summary>K elements per 4-byte group: 4 (u8 x s8) or 2 (int16).</summary>
    public int GroupSize => Wide ? 2 : 4;

    public int Panels => (Rows + Mr - 1) / Mr;

    /// <summary>Bytes per panel.</summary>
    public int PanelBytes => Groups * Mr * 4;

    internal byte[] Data { get; }

    /// <summary>Per row, the sum of its weights (for the activation zero-point correction).</summary>
    public int[] RowSums { get; }

    /// <summary>Residuals of shrunk saturating pairs: entries CorrectionStart[p] .. CorrectionStart[p + 1] belong to panel p (null: none).</summary>
    internal int[]? CorrectionStart { get; private init; }

    /// <summary>Per residual: (row within the panel) | (k &lt;&lt; 3), and the residual weight.</summary>
    internal int[] CorrectionIndex { get; private init; } = [];
    internal int[] CorrectionValue { get; private init; } = [];

    /// <summary>
    /// Whether the u8 layout also bounds each quad (the same two positions of two consecutive groups, k, k + 1, k + 4, k + 5
    /// with k % 8 in {0, 2}) to |w0| + |w1| + |w4| + |w5| &lt;= 128, so that the AVX-512 kernel may add two groups' int16
    /// VPMADDUBSW sums before widening them (255 * 128 fits int16): three multiplies per two groups instead of four.
    /// Weights beyond the bound are shrunk and their residuals corrected like those of saturating pairs.
    /// </summary>
    public bool Quads { get; private init; }

    /// <summary>Largest share of weights that the quad bound may shrink (1 in <see cref="MaxQuadShare"/>) for <see cref="Quads"/>.</summary>
    public const int MaxQuadShare = 64;

    /// <summary>
    /// Packs <paramref name="rows"/> x <paramref name="depth"/> weights (row stride <paramref name="ld"/>); <paramref name="layout"/>
    /// forces a layout (tests): true int16, false u8 with residuals however many, null by the share of saturating pairs;
    /// <paramref name="quads"/> forces the quad bound of the u8 layout on or off (null: by the share of weights it shrinks).
    /// </summary>
    public static Int8PackedWeights Pack(ReadOnlySpan<sbyte> w, int rows, int depth, int ld, bool? layout = null, bool? quads = null)
    {
        if (rows < 0 || depth < 0 || ld < depth || (rows > 0 && depth > 0 && (long)(rows - 1) * ld + depth > w.Length))
            throw new ArgumentException($"weights too small for {rows}x{depth} with stride {ld}", nameof(w));
        // Each count stops once it decides (packing runs over every weight at load).
        bool wide = layout ?? SaturatingPairs(w, rows, depth, ld, stopAbove: (long)rows * (depth / 2) / MaxSaturatingShare)
            * MaxSaturatingShare > (long)rows * (depth / 2);
        bool useQuads = !wide && (quads ?? QuadResiduals(w, rows, depth, ld, stopAbove: (long)rows * depth / MaxQuadShare)
            * MaxQuadShare <= (long)rows * depth);
        int g = wide ? 2 : 4;
        int groups = (depth + g - 1) / g;
        groups += groups & 1;
        int panels = (rows + Mr - 1) / Mr;
        var data = new byte[Math.Max(1, panels * groups * Mr * 4)];
        var sums = new int[rows];
        var start = !wide ? new int[panels + 1] : null;
        var index = new List<int>();
        var residual = new List<int>();
        var positions = new List<int>();
        var shrunk = new List<int>();
        for (int i = 0; i < rows; i++)
        {
            var row = w.Slice(i * ld, depth);
            int p = i / Mr, r = i % Mr;
            sums[i] = Sum(row);
            int rowBase = ((p * groups * Mr) + r) * 4, step = Mr * 4;
            PackRow(row, data, rowBase, step, wide);
            if (wide) continue;
            // The few weights over the bound are stored shrunk, their residuals kept aside.
            positions.Clear();
            shrunk.Clear();
            Shrunk(row, useQuads, positions, shrunk);
            for (int e = 0; e < positions.Count; e++)
            {
                int k = positions[e];
                data[rowBase + ((k / 4) * step) + (k % 4)] = (byte)shrunk[e];
                index.Add(r | (k << 3));
                residual.Add(row[k] - shrunk[e]);
            }
            start![p + 1] = index.Count;
        }
        if (start is not null)
            for (int p = 1; p <= panels; p++) start[p] = Math.Max(start[p], start[p - 1]);
        bool any = index.Count > 0;
        return new Int8PackedWeights(rows, depth, groups, wide, data, sums)
        {
            Quads = useQuads,
            CorrectionStart = any ? start : null,
            CorrectionIndex = [.. index],
            CorrectionValue = [.. residual],
        };
    }

    /// <summary>
    /// Appends the position and the stored (shrunk) value of each weight of <paramref name="row"/> that the pair bound (or,
    /// with <paramref name="quads"/>, the quad bound) shrinks, in increasing position. Blocks of 16 weights are checked with
    /// vectors: only the pairs over the bound are shrunk, or the 8-weight blocks whose quads are.
    /// </summary>
    internal static void Shrunk(ReadOnlySpan<sbyte> row, bool quads, List<int> positions, List<int> values)
    {
        Span<int> block = stackalloc int[8];
        Span<byte> masks = stackalloc byte[MaskChunk];
        int k = 0;
        if (Isa.HasVector128)
        {
            for (int b = 0, blocks = 0; k + 16 <= row.Length; k += 16, b++)
            {
                if (b == blocks) (b, blocks) = (0, OverMasks(row[k..], quads, masks));
                uint mask = masks[b];
                if (mask == 0) continue;
                if (!quads)
                {
                    // Bit j: pair (k + 2j, k + 2j + 1), whose second weight is shrunk.
                    for (; mask != 0; mask &= mask - 1)
                    {
                        int p = k + (2 * BitOperations.TrailingZeroCount(mask));
                        positions.Add(p + 1);
                        values.Add(ShrunkSecond(row[p], row[p + 1]));
                    }
                    continue;
                }
                // Bits 0-1 are the first 8-weight block's quads, bits 2-3 the second's.
                if ((mask & 3) != 0) ShrinkBlock(row, k, 8, quads: true, block, positions, values);
                if ((mask & 12) != 0) ShrinkBlock(row, k + 8, 8, quads: true, block, positions, values);
            }
        }
        for (; k < row.Length; k += 8) ShrinkBlock(row, k, Math.Min(8, row.Length - k), quads, block, positions, values);
    }

    /// <summary>Shrinks the (up to) 8 weights at <paramref name="at"/> one by one and appends those that changed.</summary>
    private static void ShrinkBlock(ReadOnlySpan<sbyte> row, int at, int n, bool quads, Span<int> block, List<int> positions, List<int> values)
    {
        for (int t = 0; t < 8; t++) block[t] = t < n ? row[at + t] : 0;
        if (quads) ShrinkQuads(block);
        else ShrinkPairs(block);
        for (int t = 0; t < n; t++)
        {
            if (block[t] == row[at + t]) continue;
            positions.Add(at + t);
            values.Add(block[t]);
        }
    }

    /// <summary>Shrinks the second weight of each pair with |w0| + |w1| &gt; 128 (see <see cref="ShrunkSecond"/>).</summary>
    private static void ShrinkPairs(Span<int> v)
    {
        for (int k = 1; k < v.Length; k += 2)
            if (Math.Abs(v[k - 1]) + Math.Abs(v[k]) > 128) v[k] = ShrunkSecond(v[k - 1], v[k]);
    }

    /// <summary>The stored second weight of a pair over the bound: sign(w1)(128 - |w0|), so that |w0| + |w1| is 128.</summary>
    private static int ShrunkSecond(int w0, int w1) => Math.Sign(w1) * (128 - Math.Abs(w0));

    /// <summary>Shrinks each quad (see <see cref="Quads"/>) in order to a total magnitude of 128 at most.</summary>
    private static void ShrinkQuads(Span<int> v)
    {
        for (int k0 = 0; k0 < v.Length; k0 += 8)
            for (int half = 0; half < 4; half += 2)
            {
                int budget = 128;
                foreach (int d in (ReadOnlySpan<int>)[0, 1, 4, 5])
                {
                    int k = k0 + half + d;
                    if (k >= v.Length) continue;
                    int allowed = Math.Min(Math.Abs(v[k]), budget);
                    budget -= allowed;
                    v[k] = Math.Sign(v[k]) * allowed;
                }
            }
    }

    /// <summary>How many weights the quad bound would shrink (once more than <paramref name="stopAbove"/>, some count above it).</summary>
    public static long QuadResiduals(ReadOnlySpan<sbyte> w, int rows, int depth, int ld, long stopAbove = long.MaxValue)
    {
        long count = 0;
        var positions = new List<int>();
        var values = new List<int>();
        for (int i = 0; i < rows; i++)
        {
            positions.Clear();
            values.Clear();
            Shrunk(w.Slice(i * ld, depth), quads: true, positions, values);
            count += positions.Count;
            if (count > stopAbove) break;
        }
        return count;
    }

    /// <summary>Whether some pair (w[2p], w[2p+1]) of a row has |w0| + |w1| > 128, which VPMADDUBSW could saturate with u8 activations.</summary>
    public static bool CanSaturate(ReadOnlySpan<sbyte> w, int rows, int depth, int ld) => SaturatingPairs(w, rows, depth, ld, stopAbove: 0) > 0;

    /// <summary>How many pairs (w[2p], w[2p+1]) have |w0| + |w1| > 128 (once more than <paramref name="stopAbove"/>, some count above it).</summary>
    public static long SaturatingPairs(ReadOnlySpan<sbyte> w, int rows, int depth, int ld, long stopAbove = long.MaxValue)
    {
        long count = 0;
        for (int i = 0; i < rows && count <= stopAbove; i++) count += Over(w.Slice(i * ld, depth), quads: false, firstOnly: false);
        return count;
    }

    // Preparation runs over every weight of the model several times: the checks and copies below are vectorized (the
    // scalar forms took about 20 ns per weight, 25 ms for MobileNetV2's 1.28M-weight classifier).

    /// <summary>
    /// How many pairs (or, with <paramref name="quads"/>, quads) of a row exceed magnitude 128; with <paramref name="firstOnly"/>,
    /// 0 or 1 for whether any does. A pair is (w[2j], w[2j + 1]); quads are pairs j and j + 2 of each 8-weight block.
    /// </summary>
    internal static int Over(ReadOnlySpan<sbyte> row, bool quads, bool firstOnly)
    {
        int count = 0, k = 0;
        if (Isa.HasVector128)
        {
            Span<byte> masks = stackalloc byte[MaskChunk];
            for (int b = 0, blocks = 0; k + 16 <= row.Length; k += 16, b++)
            {
                if (b == blocks) (b, blocks) = (0, OverMasks(row[k..], quads, masks));
                uint mask = masks[b];
                if (mask == 0) continue;
                if (firstOnly) return 1;
                count += BitOperations.PopCount(mask);
            }
        }
        // The rest, from a whole block (k is a multiple of 16).
        for (int p = k; p < row.Length; p += quads ? 8 : 2)
        {
            if (quads)
            {
                for (int half = 0; half < 4; half += 2)
                {
                    int m = 0;
                    foreach (int d in (ReadOnlySpan<int>)[0, 1, 4, 5])
                        if (p + half + d < row.Length) m += Math.Abs((int)row[p + half + d]);
                    if (m <= 128) continue;
                    if (firstOnly) return 1;
                    count++;
                }
            }
            else if (p + 1 < row.Length && Math.Abs((int)row[p]) + Math.Abs((int)row[p + 1]) > 128)
            {
                if (firstOnly) return 1;
                count++;
            }
        }
        return count;
    }

    /// <summary>Whole 16-weight blocks whose masks <see cref="OverMasks"/> computes per call.</summary>
    private const int MaskChunk = 64;

    /// <summary>
    /// For each whole 16-weight block of <paramref name="row"/>, up to <see cref="MaskChunk"/> of them, which pairs (8 bits:
    /// pair j is weights 2j, 2j + 1) or quads (4 bits: bits 0-1 the first 8-weight block's quads, 2-3 the second's) exceed
    /// magnitude 128. Returns the blocks done. The only vector code of the checks: its callers keep their ReadyToRun code
    /// (see <see cref="Isa.HasAvx512F"/>), it is compiled optimized at its first call (see <see cref="Sum"/>), and it is
    /// called once per 1024 weights.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int OverMasks(ReadOnlySpan<sbyte> row, bool quads, Span<byte> masks)
    {
        int blocks = Math.Min(Math.Min(MaskChunk, masks.Length), row.Length / 16);
        var limit = Vector128.Create(128);
        var low = Vector128.Create(0xFFFF);
        for (int b = 0; b < blocks; b++)
        {
            var (lo, hi) = Vector128.Widen(Vector128.Create(row.Slice(16 * b, 16)));
            var a = Vector128.Abs(lo).AsInt32();
            var c = Vector128.Abs(hi).AsInt32();
            // Lane j: |w[2j]| + |w[2j + 1]| of one 8-weight block.
            var pa = (a & low) + (a >>> 16);
            var pc = (c & low) + (c >>> 16);
            if (quads)
            {
                // Lanes 0 and 1 become the block's two quads (pairs 0 + 2 and 1 + 3); lanes 2 and 3 repeat them.
                pa += Vector128.Shuffle(pa, Vector128.Create(2, 3, 0, 1));
                pc += Vector128.Shuffle(pc, Vector128.Create(2, 3, 0, 1));
                masks[b] = (byte)((Vector128.ExtractMostSignificantBits(Vector128.GreaterThan(pa, limit)) & 3)
                    | ((Vector128.ExtractMostSignificantBits(Vector128.GreaterThan(pc, limit)) & 3) << 2));
            }
            else
            {
                masks[b] = (byte)(Vector128.ExtractMostSignificantBits(Vector128.GreaterThan(pa, limit))
                    | (Vector128.ExtractMostSignificantBits(Vector128.GreaterThan(pc, limit)) << 4));
            }
        }
        return blocks;
    }

    /// <summary>
    /// The sum of a row's weights. Compiled optimized at first call: vector code has its ReadyToRun code rejected on this
    /// CPU, and at tier 0 (where a model's weights are packed, during loading) each vector helper is a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Sum(ReadOnlySpan<sbyte> row)
    {
        int s = 0, k = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<int>.Zero;
            for (; k + 16 <= row.Length; k += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.Create(row.Slice(k, 16)));
                var (a, b) = Vector128.Widen(lo + hi);
                acc += a + b;
            }
            s = Vector128.Sum(acc);
        }
        for (; k < row.Length; k++) s += row[k];
        return s;
    }

    /// <summary>One row into its panel as it is: groups of 4 bytes (u8 layout) or of 2 int16 (wide layout), every <paramref name="step"/> bytes.</summary>
    /// <remarks>
    /// Pointers, not MemoryMarshal.Read/Write: those generic instantiations are JIT-compiled at every start and, at tier 0
    /// during loading, were a call per 4 bytes.
    /// </remarks>
    private static unsafe void PackRow(ReadOnlySpan<sbyte> row, byte[] data, int at, int step, bool wide)
    {
        // The last group (4 bytes in either layout) must lie inside data: the writes below are unchecked.
        int groups = wide ? (row.Length + 1) / 2 : (row.Length + 3) / 4;
        if (row.Length > 0 && (at < 0 || at + ((long)(groups - 1) * step) + 4 > data.Length)) throw new ArgumentOutOfRangeException(nameof(at));
        int k = 0;
        fixed (sbyte* src = row)
        fixed (byte* dst = data)
        {
            if (!wide)
            {
                for (; k + 4 <= row.Length; k += 4, at += step) Unsafe.WriteUnaligned(dst + at, Unsafe.ReadUnaligned<uint>(src + k));
                for (int t = 0; k + t < row.Length; t++) dst[at + t] = (byte)src[k + t];
                return;
            }
            for (; k < row.Length; k += 2, at += step)
            {
                Unsafe.WriteUnaligned(dst + at, (short)src[k]);
                if (k + 1 < row.Length) Unsafe.WriteUnaligned(dst + at + 2, (short)src[k + 1]);
            }
        }
    }
}
