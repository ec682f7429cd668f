namespace Pinhole.IR;

/// <summary>
/// One operation. Inputs and outputs name graph values; an empty name marks an omitted optional input or output.
/// </summary>
public sealed class Node
{
    public Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "", string name = "")
    {
        OpType = opType;
        Domain = NormalizeDomain(domain);
        Name = name;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
    }

    public string Name { get; set; }
    public string OpType { get; set; }

    /// <summary>Operator domain; the default ONNX domain is "" (also spelled "ai.onnx", normalized to "").</summary>
    public string Domain { get; set; }
    public List<string> Inputs { get; }
    public List<string> Outputs { get; }
    public Dictionary<string, NodeAttribute> Attributes { get; } = new(StringComparer.Ordinal);
    public string? DocString { get; set; }

    /// <summary>A label for error messages: name (or first output), op and domain.</summary>
    public string Describe() =>
        $"node '{(Name.Length > 0 ? Name : Outputs.FirstOrDefault() ?? "?")}' ({(Domain.Length > 0 ? Domain + "." : "")}{OpType})";

    public Node WithAttribute(NodeAttribute attribute)
    {
        Attributes[attribute.Name] = attribute;
        return this;
    }

    public static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    /// <summary>Subgraphs held in attributes (If branches, Loop/Scan bodies).</summary>
    public IEnumerable<Graph> Subgraphs()
    {
        foreach (var a in Attributes.Values)
        {
            if (a.Graph is not null) yield return a.Graph;
            foreach (var g in a.Graphs) yield return g;
        }
    }

    public override string ToString() => Describe();
}
