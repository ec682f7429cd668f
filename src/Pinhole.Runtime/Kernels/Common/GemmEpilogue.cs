using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// What a GEMM applies to each finished C tile while it is in cache: y = act(y + rowBias[i] + columnBias[j]).
/// Row bias is the per-output-channel bias of a convolution; column bias the bias vector of Gemm.
/// </summary>
public readonly ref struct GemmEpilogue
{
    public GemmEpilogue(ReadOnlySpan<float> rowBias, ReadOnlySpan<float> columnBias, LinalgActivation? activation)
    {
        RowBias = rowBias;
        ColumnBias = columnBias;
        Activation = activation;
    }

    /// <summary>Empty, or one value per row of C.</summary>
    public ReadOnlySpan<float> RowBias { get; }

    /// <summary>Empty, or one value per column of C.</summary>
    public ReadOnlySpan<float> ColumnBias { get; }

    public LinalgActivation? Activation { get; }

    public bool IsEmpty => RowBias.IsEmpty && ColumnBias.IsEmpty && (Activation == null || Activation.IsNone);
}

/// <summary>The epilogue as pinned pointers, carried by parallel bodies.</summary>
internal readonly unsafe struct EpilogueArgs
{
    public readonly float* RowBias;
    public readonly float* ColumnBias;
    public readonly LinalgActivation? Activation;
    public readonly bool Clamp;
    public readonly float Low;
    public readonly float High;
    public readonly bool Active;

    public EpilogueArgs(float* rowBias, float* columnBias, LinalgActivation? activation)
    {
        RowBias = rowBias;
        ColumnBias = columnBias;
        Clamp = activation == null || activation.IsClamp(out Low, out High);
        if (activation == null) { Low = float.NegativeInfinity; High = float.PositiveInfinity; }
        Activation = Clamp ? null : activation;
        bool clampActive = Clamp && (Low != float.NegativeInfinity || High != float.PositiveInfinity);
        Clamp = clampActive;
        Active = rowBias != null || columnBias != null || clampActive || Activation != null;
    }

    /// <summary>
    /// Whether a full tile of <paramref name="isa"/> can take this epilogue in its micro-kernel: the 512-bit path, a row bias
    /// and/or a clamp, no column bias and no other activation.
    /// </summary>
    public bool Fusable(GemmIsa isa) => Active && isa == GemmIsa.Vector512 && ColumnBias == null && Activation == null;

    /// <summary>Applies the epilogue to the h x w block at (row0, col0) of C, whose first element is at <paramref name="c"/>.</summary>
    public void Apply(float* c, nint ldc, int row0, int col0, int h, int w)
    {
        for (int i = 0; i < h; i++)
        {
            float* r = c + (i * ldc);
            float rb = RowBias != null ? RowBias[row0 + i] : 0f;
            float* cb = ColumnBias != null ? ColumnBias + col0 : null;
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var vrb = Vector256.Create(rb);
                var lo = Vector256.Create(Low);
                var hi = Vector256.Create(High);
                for (; j <= w - 8; j += 8)
                {
                    var v = Vector256.Load(r + j) + vrb;
                    if (cb != null) v += Vector256.Load(cb + j);
                    if (Clamp) v = Vector256.Min(Vector256.Max(v, lo), hi);
                    v.Store(r + j);
                }
            }
            for (; j < w; j++)
            {
                float v = r[j] + rb;
                if (cb != null) v += cb[j];
                if (Clamp) v = Math.Min(Math.Max(v, Low), High);
                r[j] = v;
            }
            Activation?.Apply(new Span<float>(r, w));
        }
    }
}
