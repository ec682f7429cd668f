using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>Runs the registered rewrite rules of a level over a model's graph (and its subgraphs) until none applies.</summary>
public static class GraphOptimizer
{
    private const int MaxPasses = 32;

    /// <summary>Rewrites <paramref name="model"/> in place; pass a clone when the caller's model must stay untouched.</summary>
    public static void Optimize(Model model, OptimizationLevel level)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (level == OptimizationLevel.None) return;
        var rules = OptimizationRules.For(level);
        if (rules.Count == 0) return;
        OptimizeGraph(model, model.Graph, rules);
    }

    private static void OptimizeGraph(Model model, Graph graph, IReadOnlyList<IGraphRewrite> rules)
    {
        foreach (var n in graph.Nodes)
            foreach (var g in n.Subgraphs())
                OptimizeGraph(model, g, rules);
        var rewriter = new GraphRewriter(model, graph);
        for (int pass = 0; pass < MaxPasses; pass++)
        {
            bool changed = false;
            foreach (var node in graph.Nodes.ToArray())
            {
                if (rewriter.IsRemoved(node)) continue;
                foreach (var rule in rules)
                {
                    if (!rule.TryApply(rewriter, node)) continue;
                    changed = true;
                    break;
                }
            }
            if (!changed) break;
        }
    }
}
