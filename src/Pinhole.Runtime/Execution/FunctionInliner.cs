using Pinhole.IR;

namespace Pinhole.Runtime;

/// <summary>Replaces calls to model-local functions by the function's nodes, so only primitive ops reach kernels.</summary>
internal static class FunctionInliner
{
    private const int MaxDepth = 32;

    public static void Inline(Model model)
    {
        if (model.Functions.Count == 0) return;
        var functions = model.Functions.ToDictionary(f => (Node.NormalizeDomain(f.Domain), f.Name));
        foreach (var f in model.Functions)
            foreach (var (domain, version) in f.OpsetImports)
                model.OpsetImports.TryAdd(Node.NormalizeDomain(domain), version);
        int counter = 0;
        InlineGraph(model.Graph, functions, ref counter, 0);
    }

    private static void InlineGraph(Graph graph, Dictionary<(string, string), Function> functions, ref int counter, int depth)
    {
        if (depth > MaxDepth) throw new InvalidModelException($"model-local functions nest deeper than {MaxDepth} levels");
        for (int k = 0; k < graph.Nodes.Count; k++)
        {
            var call = graph.Nodes[k];
            foreach (var g in call.Subgraphs()) InlineGraph(g, functions, ref counter, depth + 1);
            if (!functions.TryGetValue((call.Domain, call.OpType), out var function)) continue;
            var body = Expand(call, function, counter++);
            var nested = new Graph();
            nested.Nodes.AddRange(body);
            InlineGraph(nested, functions, ref counter, depth + 1);
            graph.Nodes.RemoveAt(k);
            graph.Nodes.InsertRange(k, nested.Nodes);
            k += nested.Nodes.Count - 1;
        }
    }

    private static List<Node> Expand(Node call, Function function, int id)
    {
        var rename = new Dictionary<string, string>(StringComparer.Ordinal) { [""] = "" };
        for (int i = 0; i < function.Inputs.Count; i++)
            rename[function.Inputs[i]] = i < call.Inputs.Count ? call.Inputs[i] : "";
        for (int i = 0; i < function.Outputs.Count; i++)
            rename[function.Outputs[i]] = i < call.Outputs.Count ? call.Outputs[i] : "";
        string Map(string name) => rename.TryGetValue(name, out var n) ? n : rename[name] = $"{call.Name}__{function.Name}_{id}__{name}";

        var result = new List<Node>(function.Nodes.Count);
        foreach (var n in function.Nodes)
        {
            var copy = new Node(n.OpType, n.Inputs.Select(Map), n.Outputs.Select(Map), n.Domain, $"{call.Name}/{n.Name}");
            foreach (var a in n.Attributes.Values)
            {
                if (a.RefAttrName is null) { copy.Attributes[a.Name] = a; continue; }
                var actual = call.Attributes.GetValueOrDefault(a.RefAttrName) ?? function.AttributeDefaults.GetValueOrDefault(a.RefAttrName);
                if (actual is not null) copy.Attributes[a.Name] = actual.Copy(a.Name);
            }
            result.Add(copy);
        }
        return result;
    }
}
