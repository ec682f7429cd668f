using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>A node none of whose outputs is read (by a node, a subgraph or as a graph output) ⇒ removed.</summary>
internal sealed class DeadCodeElimination : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new DeadCodeElimination());

    public string Name => "DeadCodeElimination";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        foreach (var o in node.Outputs)
            if (o.Length > 0 && rewriter.UseCount(o) > 0) return false;
        rewriter.Remove(node);
        return true;
    }
}
