namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Where <see cref="Linalg.PackA(bool, int, int, ReadOnlySpan{float}, int, GemmIsa)"/> (untransposed: rows are A's rows) and
/// <see cref="Linalg.PackB"/> (transposed: rows are B's columns) put element (row, k): k blocks of <see cref="Linalg.Kc(GemmIsa, int)"/>,
/// each holding panels of <see cref="Width"/> rows stored k-major, the rows past the last padded with zeros. Lets a producer
/// (the Winograd weight transform) write the packed operand directly instead of building the plain matrix and packing it.
/// </summary>
internal readonly struct PackedRowLayout
{
    private readonly int _kcMax;
    private readonly bool _asA;
    private readonly GemmIsa _isa;

    public PackedRowLayout(bool asA, int rows, int k, GemmIsa isa)
    {
        _asA = asA;
        _isa = isa;
        _kcMax = Linalg.Kc(isa, k);
        Rows = rows;
        K = k;
        Width = asA ? Linalg.Mr(isa) : Linalg.Nr(isa);
        PaddedRows = Linalg.RoundUp(rows, Width);
    }

    public int Rows { get; }
    public int K { get; }

    /// <summary>Rows per panel: the micro-kernel's MR (A) or NR (B).</summary>
    public int Width { get; }

    private int PaddedRows { get; }

    /// <summary>Floats in the packed data.</summary>
    public int Length => Math.Max(1, PaddedRows * K);

    /// <summary>The index of element (<paramref name="row"/>, <paramref name="k"/>) in the packed data.</summary>
    public int IndexOf(int row, int k)
    {
        // The k block that holds column k: its first column and width.
        int start = k / _kcMax * _kcMax, width = Math.Min(_kcMax, K - start);
        return (start * PaddedRows) + (row / Width * width * Width) + ((k - start) * Width) + (row % Width);
    }

    /// <summary>The packed operand over <paramref name="data"/> (written in this layout, <see cref="Length"/> floats).</summary>
    public PackedMatrix Wrap(float[] data) => _asA ? new PackedMatrix(Rows, K, data, _isa, packedA: true) : new PackedMatrix(K, Rows, data, _isa, packedA: false);
}
