namespace Pinhole.Onnx.Import;

/// <summary>State of one load: options, where external data lives, and how deep in subgraphs we are.</summary>
internal sealed class ImportContext(OnnxLoadOptions options, string? baseDirectory) : IDisposable
{
    public OnnxLoadOptions Options { get; } = options;
    public ExternalDataReader ExternalData { get; } = new(baseDirectory);
    private int _depth;

    /// <summary>Protobuf nesting allowed: three messages per subgraph level (graph, node, attribute) plus room for types.</summary>
    public int ProtobufRecursionLimit => 3 * Options.MaxSubgraphDepth + 64;

    /// <summary>Counts one more level of subgraph nesting; dispose the result on the way out.</summary>
    /// <exception cref="UnsupportedModelException">Nesting beyond <see cref="OnnxLoadOptions.MaxSubgraphDepth"/>.</exception>
    public DepthScope EnterSubgraph(string what)
    {
        if (_depth >= Options.MaxSubgraphDepth)
            throw new UnsupportedModelException(
                $"{what} nests subgraphs more than {Options.MaxSubgraphDepth} deep (OnnxLoadOptions.MaxSubgraphDepth)");
        _depth++;
        return new DepthScope(this);
    }

    public void Dispose() => ExternalData.Dispose();

    internal readonly struct DepthScope(ImportContext context) : IDisposable
    {
        public void Dispose() => context._depth--;
    }
}
