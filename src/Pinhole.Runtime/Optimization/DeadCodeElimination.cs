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

    /// <summary>Removes every dead node in one back-to-front walk (a dead node's inputs may die with it); true if any went.</summary>
    public static bool Sweep(GraphRewriter rewriter)
    {
        var nodes = rewriter.Graph.Nodes;
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        int Uses(string v) => uses.TryGetValue(v, out int c) ? c : uses[v] = rewriter.UseCount(v);
        var dead = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        for (int k = nodes.Count - 1; k >= 0; k--)
        {
            var n = nodes[k];
            bool live = false;
            foreach (var o in n.Outputs)
                if (o.Length > 0 && Uses(o) > 0) live = true;
            if (live) continue;
            dead.Add(n);
            foreach (var i in n.Inputs)
                if (i.Length > 0) uses[i] = Uses(i) - 1;
        }
        if (dead.Count == 0) return false;
        foreach (var n in dead) rewriter.Remove(n);
        return true;
    }
}
