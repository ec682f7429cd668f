namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The left operand of the int8 GEMM (weights, M x K, signed 8-bit values), packed once at prepare time into panels of
/// <see cref="Mr"/> rows: panel p holds, for each group of K, the 4 bytes of each of its rows (<c>[group][row][4 bytes]</c>),
/// so the micro-kernel broadcasts one 32-bit group per row. Two layouts (see <see cref="IInt8Madd"/>):
/// <list type="bullet">
/// <item>u8 x s8, groups of 4 bytes, for VPMADDUBSW, chosen when no pair of weights (k even, k + 1) can saturate its
/// int16 pair sum: |w0| + |w1| &lt;= 128 in every row (255 * 128 = 32640 &lt;= 32767);</item>
/// <item>otherwise int16 x int16, groups of 2 values, for VPMADDWD, which cannot saturate (the same multiplier throughput,
/// twice the activation bytes). Both give exact int32 sums, so the choice changes speed only.</item>
/// </list>
/// Padding rows and K positions hold weight 0. The group count is even (the 512-bit GEMV reads two groups per vector).
/// </summary>
internal sealed class Int8PackedWeights
{
    /// <summary>Rows per panel on every path.</summary>
    public const int Mr = 8;

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

    /// <summary>Packs <paramref name="rows"/> x <paramref name="depth"/> weights (row stride <paramref name="ld"/>); <paramref name="forceWide"/> is for tests.</summary>
    public static Int8PackedWeights Pack(ReadOnlySpan<sbyte> w, int rows, int depth, int ld, bool forceWide = false)
    {
        if (rows < 0 || depth < 0 || ld < depth || (rows > 0 && depth > 0 && (long)(rows - 1) * ld + depth > w.Length))
            throw new ArgumentException($"weights too small for {rows}x{depth} with stride {ld}", nameof(w));
        bool wide = forceWide || CanSaturate(w, rows, depth, ld);
        int g = wide ? 2 : 4;
        int groups = (depth + g - 1) / g;
        groups += groups & 1;
        int panels = (rows + Mr - 1) / Mr;
        var data = new byte[Math.Max(1, panels * groups * Mr * 4)];
        var sums = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            var row = w.Slice(i * ld, depth);
            int p = i / Mr, r = i % Mr, s = 0;
            for (int k = 0; k < depth; k++)
            {
                s += row[k];
                int at = (((p * groups) + (k / g)) * Mr + r) * 4;
                if (wide)
                {
                    short v = row[k];
                    data[at + (2 * (k % 2))] = (byte)v;
                    data[at + (2 * (k % 2)) + 1] = (byte)(v >> 8);
                }
                else
                {
                    data[at + (k % 4)] = (byte)row[k];
                }
            }
            sums[i] = s;
        }
        return new Int8PackedWeights(rows, depth, groups, wide, data, sums);
    }

    /// <summary>Whether some pair (w[2p], w[2p+1]) of a row has |w0| + |w1| > 128, which VPMADDUBSW could saturate with u8 activations.</summary>
    public static bool CanSaturate(ReadOnlySpan<sbyte> w, int rows, int depth, int ld)
    {
        for (int i = 0; i < rows; i++)
        {
            var row = w.Slice(i * ld, depth);
            for (int k = 0; k + 1 < depth; k += 2)
                if (Math.Abs((int)row[k]) + Math.Abs((int)row[k + 1]) > 128) return true;
        }
        return false;
    }
}
