using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>What <see cref="OpsetUpgrade.Apply"/> did: the default-domain opset before and after, and the nodes it rewrote.</summary>
public sealed record OpsetUpgradeResult(long From, long To, IReadOnlyList<string> Adapted);

/// <summary>
/// Raises a model's default-domain (ai.onnx) opset, rewriting the nodes whose op changed meaning on the way (such as
/// Softmax's axis at 13, or attributes that became inputs: Squeeze/Unsqueeze axes, Clip min/max, Pad pads, Slice starts).
/// Quantization needs it: DequantizeLinear takes per-channel scales from opset 13, and many exported models are older.
/// Ops whose history between the two versions only adds types, attributes with the old default or negative axes need no
/// change (checked against the version lists of ONNX's Operators.md); ops whose old semantics cannot be expressed
/// (Upsample, Scatter, opset-10 Resize, opset-8 Scan) are refused with <see cref="UnsupportedModelException"/> naming the node,
/// before anything is changed.
/// </summary>
public static class OpsetUpgrade
{
    /// <summary>The oldest opset an upgrade starts from: below 7, Add, Gemm and others had a different broadcast model.</summary>
    public const long OldestSupported = 7;

    public static OpsetUpgradeResult Apply(Model model, long target)
    {
        ArgumentNullException.ThrowIfNull(model);
        long from = model.OpsetFor("") ?? 1;
        if (from >= target) return new OpsetUpgradeResult(from, from, []);
        if (from < OldestSupported)
            throw new UnsupportedModelException($"ai.onnx opset {from} cannot be upgraded to {target}: upgrades start at opset {OldestSupported}");

        // Check every node first, so that a refusal leaves the model untouched.
        var graphs = AllGraphs(model.Graph).ToList();
        foreach (var g in graphs)
            foreach (var node in g.Nodes)
                if (node.Domain.Length == 0 && OpsetAdapters.Find(node.OpType, from, target) is { } adapter)
                    adapter.Check(node, from, g);

        var adapted = new List<string>();
        foreach (var g in graphs)
        {
            var context = new AdapterContext(model, g);
            foreach (var node in g.Nodes.ToArray())
            {
                if (node.Domain.Length != 0 || OpsetAdapters.Find(node.OpType, from, target) is not { } adapter) continue;
                if (adapter.Adapt(node, from, context)) adapted.Add(node.Name.Length > 0 ? node.Name : node.OpType);
            }
            context.Commit();
        }
        model.OpsetImports[""] = target;
        model.OpsetImports.Remove("ai.onnx");
        // Opset 13 needs IR version 7 (ONNX's versioning table).
        if (target >= 13 && model.IrVersion < 7) model.IrVersion = 7;
        return new OpsetUpgradeResult(from, target, adapted);
    }

    private static IEnumerable<Graph> AllGraphs(Graph g)
    {
        yield return g;
        foreach (var n in g.Nodes)
            foreach (var sub in n.Subgraphs())
                foreach (var inner in AllGraphs(sub)) yield return inner;
    }
}
