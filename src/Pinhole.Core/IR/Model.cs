namespace Pinhole.IR;

/// <summary>A model-local function (ONNX <c>FunctionProto</c>): a named subgraph callable as an op.</summary>
public sealed class Function
{
    public string Name { get; set; } = "";
    public string Domain { get; set; } = "";
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];
    public List<string> AttributeNames { get; } = [];

    /// <summary>Attributes with defaults declared by the function.</summary>
    public Dictionary<string, NodeAttribute> AttributeDefaults { get; } = new(StringComparer.Ordinal);
    public List<Node> Nodes { get; } = [];
    public Dictionary<string, long> OpsetImports { get; } = new(StringComparer.Ordinal);
    public string? DocString { get; set; }
}

/// <summary>A model: the main graph plus the opsets and metadata it was written against.</summary>
public sealed class Model
{
    public long IrVersion { get; set; } = 8;

    /// <summary>Operator set version per domain ("" is the default ONNX domain).</summary>
    public Dictionary<string, long> OpsetImports { get; init; } = new(StringComparer.Ordinal);
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    public string Domain { get; set; } = "";
    public long ModelVersion { get; set; }
    public string? DocString { get; set; }
    public Dictionary<string, string> MetadataProps { get; } = new(StringComparer.Ordinal);
    public List<Function> Functions { get; } = [];
    public Graph Graph { get; set; } = new();

    /// <summary>The opset version this model uses for <paramref name="domain"/>, or null if it imports none.</summary>
    public long? OpsetFor(string domain)
    {
        domain = Node.NormalizeDomain(domain);
        if (OpsetImports.TryGetValue(domain, out var v)) return v;
        if (domain.Length == 0 && OpsetImports.TryGetValue("ai.onnx", out v)) return v;
        return null;
    }
}
