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
                PreparationGarbage.Checkpoint();
                foreach (var rule in rules)
                {
                    if (rule is DeadCodeElimination) continue; // swept back to front below
                    if (!rule.TryApply(rewriter, node)) continue;
                    changed = true;
                    break;
                }
            }
            // Dead chains die back to front in one sweep instead of one node per pass.
            if (rules.Any(r => r is DeadCodeElimination)) changed |= DeadCodeElimination.Sweep(rewriter);
            if (!changed) break;
        }
        RemoveUnused(graph);
        DeclareConvInputShapes(rewriter, graph);
    }

    /// <summary>
    /// Declares the statically known shape of each convolution's input (value_info), so that the kernel can choose its
    /// method by the image size at prepare time (Winograd needs the width). The element type is the weights' (ONNX Conv
    /// takes X and W of one type); values that are already declared or have unknown rank are left alone.
    /// </summary>
    private static void DeclareConvInputShapes(GraphRewriter rewriter, Graph graph)
    {
        var declared = new HashSet<string>(graph.Inputs.Concat(graph.ValueInfos).Concat(graph.Outputs).Select(v => v.Name), StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
        {
            bool conv = (n.Domain.Length == 0 && n.OpType == "Conv") || (n.Domain == "com.microsoft" && n.OpType == "FusedConv");
            if (!conv || n.Inputs.Count < 2 || declared.Contains(n.Inputs[0])) continue;
            if (!graph.Initializers.TryGetValue(n.Inputs[1], out var w) || rewriter.Shapes.Of(n.Inputs[0]) is not { } shape) continue;
            graph.ValueInfos.Add(new ValueInfo(n.Inputs[0], new TensorTypeInfo(w.Type, ShapeArrays.Dims(shape))));
            declared.Add(n.Inputs[0]);
        }
    }

    /// <summary>Drops initializers nothing reads (unless they are graph inputs) and value_info entries of values that are gone.</summary>
    private static void RemoveUnused(Graph graph)
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
        {
            foreach (var i in n.Inputs) read.Add(i);
            foreach (var o in n.Outputs) produced.Add(o);
            foreach (var g in n.Subgraphs()) read.UnionWith(g.OuterScopeReads());
        }
        foreach (var o in graph.Outputs) read.Add(o.Name);
        var inputs = new HashSet<string>(graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        // Rebuilt rather than removed from one by one: OrderedDictionary.Remove shifts the entries after it. Names and
        // tensors in lists of their own, not LINQ over key-value pairs (an instantiation the JIT compiles at every start).
        var keptNames = new List<string>(graph.Initializers.Count);
        foreach (string name in graph.Initializers.Keys)
            if (read.Contains(name) || inputs.Contains(name)) keptNames.Add(name);
        if (keptNames.Count != graph.Initializers.Count)
        {
            var keptTensors = new List<Tensor>(keptNames.Count);
            foreach (string name in keptNames) keptTensors.Add(graph.Initializers[name]);
            graph.Initializers.Clear();
            for (int i = 0; i < keptNames.Count; i++) graph.Initializers.Add(keptNames[i], keptTensors[i]);
        }
        graph.ValueInfos.RemoveAll(v => !produced.Contains(v.Name) && !graph.Initializers.ContainsKey(v.Name) && !inputs.Contains(v.Name));
    }
}
