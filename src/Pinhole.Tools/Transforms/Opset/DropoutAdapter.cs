using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>
/// Dropout's <c>ratio</c> attribute became an input at opset 12 (inference ignores it either way). Before opset 10 the mask
/// output had the data's type, from 10 it is bool: a model that reads that mask is refused, an unread mask is dropped.
/// </summary>
internal sealed class DropoutAdapter : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register() => OpsetAdapters.Register(new DropoutAdapter());

    public override string OpType => "Dropout";
    public override long Since => 12;

    public override void Check(Node node, long from, Graph graph)
    {
        if (from < 10 && node.Outputs.Count > 1 && IsRead(graph, node.Outputs[1]))
            throw new UnsupportedModelException($"node '{node.Name}' (Dropout, opset {from}) uses its mask output, whose type changed at opset 10");
    }

    private static bool IsRead(Graph graph, string value) =>
        value.Length > 0 && (graph.Nodes.Exists(n => n.Inputs.Contains(value) || n.Subgraphs().Any(g => g.OuterScopeReads().Contains(value)))
            || graph.Outputs.Exists(o => o.Name == value));

    public override bool Adapt(Node node, long from, AdapterContext context)
    {
        bool changed = false;
        if (from < 10 && node.Outputs.Count > 1)
        {
            node.Outputs.RemoveRange(1, node.Outputs.Count - 1);
            changed = true;
        }
        if (!node.Attributes.Remove("ratio", out var ratio)) return changed;
        var type = context.TypeOf(node.Inputs[0])?.ElementType ?? DataType.Float;
        node.Inputs.Add(context.AddConstant((node.Name.Length > 0 ? node.Name : "Dropout") + "_ratio", ClipAdapter.ScalarOf(type, ratio.Float)));
        return true;
    }
}
