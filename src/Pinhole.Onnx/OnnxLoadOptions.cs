namespace Pinhole.Onnx;

/// <summary>Limits and checks applied while loading an ONNX model.</summary>
public sealed record OnnxLoadOptions
{
    public static OnnxLoadOptions Default { get; } = new();

    /// <summary>How deeply subgraphs (If/Loop/Scan bodies) may nest; deeper models are refused, not recursed into.</summary>
    public int MaxSubgraphDepth { get; init; } = 64;

    /// <summary>
    /// Largest dense tensor a sparse initializer or attribute may expand to. Sparse data is small in the file
    /// but densified in memory, so its claimed shape is the one size not bounded by the file's length.
    /// </summary>
    public long MaxDensifiedSparseBytes { get; init; } = 1L << 30;

    /// <summary>Run <see cref="IR.Graph.Validate"/> on the main graph and function bodies after loading.</summary>
    public bool Validate { get; init; } = true;
}
