using Pinhole.IR;

namespace Pinhole.Tools.Devices;

/// <summary>What op-support rules look at in one node: its element type, tensor ranks, constant inputs, channels.</summary>
internal sealed record NodeFacts(
    Node Node, long Opset, DataType? Dtype, bool Quantized, bool QuantizationMarker, int?[] InputRanks, int?[] OutputRanks,
    bool[] ConstantInputs, long? InputChannels, bool ConstantOutput = false)
{
    private static readonly HashSet<string> s_integerOps = new(StringComparer.Ordinal)
    {
        "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "QLinearAdd", "QLinearMul", "QLinearGlobalAveragePool",
        "QLinearAveragePool", "QLinearConcat", "QLinearSigmoid", "QLinearLeakyRelu", "QGemm", "QLinearSoftmax",
    };

    /// <summary>The facts of every node of <paramref name="graph"/>, from the value types shape inference found.</summary>
    public static List<NodeFacts> Of(Model model, Graph graph, Func<string, TensorTypeInfo?> typeOf)
    {
        var producer = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) producer.TryAdd(o, n);
        // Constant: an initializer, a Constant node, or computed from constants only (DequantizeLinear of int8 weights,
        // Cast, Reshape...), which converters fold.
        var constant = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool IsConstant(string v)
        {
            if (v.Length == 0 || graph.Initializers.ContainsKey(v)) return v.Length > 0;
            if (constant.TryGetValue(v, out bool known)) return known;
            constant[v] = false; // cycles (invalid graphs) end here
            bool result = producer.TryGetValue(v, out var p) && p.Domain.Length == 0 && p.Subgraphs().All(_ => false)
                && (p.OpType == "Constant"
                    // the shape of a tensor whose shape is static is known at conversion time
                    || (p.OpType is "Shape" or "Size" && typeOf(p.Inputs[0])?.Shape is { } s && s.All(d => d.Value is not null))
                    || (p.Inputs.Any(i => i.Length > 0) && p.Inputs.All(i => i.Length == 0 || IsConstant(i))));
            constant[v] = result;
            return result;
        }
        bool IsDequantized(string v) => producer.TryGetValue(v, out var p) && p is { OpType: "DequantizeLinear", Domain: "" } && !IsConstant(v);
        DataType? TypeOf(string v) => v.Length == 0 ? null
            : graph.Initializers.TryGetValue(v, out var t) ? t.Type
            : typeOf(v) is { ElementType: not DataType.Undefined } tt ? tt.ElementType : null;
        int? RankOf(string v) => v.Length == 0 ? null
            : graph.Initializers.TryGetValue(v, out var t) ? t.Rank
            : typeOf(v)?.Shape?.Length;

        var facts = new List<NodeFacts>(graph.Nodes.Count);
        foreach (var n in graph.Nodes)
        {
            bool marker = n.Domain.Length == 0 && n.OpType is "QuantizeLinear" or "DequantizeLinear";
            bool integerOp = s_integerOps.Contains(n.OpType);
            var floatInputs = n.Inputs.Where(i => i.Length > 0 && TypeOf(i) is DataType.Float or DataType.Float16).ToList();
            bool qdq = !marker && floatInputs.Count > 0 && floatInputs.Any(IsDequantized)
                && floatInputs.All(i => IsDequantized(i) || IsConstant(i) || producer.TryGetValue(i, out var p) && p is { OpType: "DequantizeLinear", Domain: "" });
            DataType? dtype = (integerOp, qdq) switch
            {
                (true, _) => TypeOf(n.Inputs[0]),
                (_, true) => TypeOf(producer[floatInputs.First(IsDequantized)].Inputs[0]),
                _ => n.Inputs.Count > 0 && n.Inputs[0].Length > 0 ? TypeOf(n.Inputs[0]) : n.Outputs.Count > 0 ? TypeOf(n.Outputs[0]) : null,
            };
            long? channels = null;
            if (n.Inputs.Count > 0 && typeOf(n.Inputs[0])?.Shape is { Length: >= 2 } shape && shape[1].Value is long c) channels = c;
            bool quantized = integerOp || qdq || (marker && n.OpType == "QuantizeLinear") || dtype is DataType.Int8 or DataType.UInt8;
            facts.Add(new NodeFacts(n, model.OpsetFor(n.Domain) ?? 0, dtype, quantized, marker,
                n.Inputs.Select(RankOf).ToArray(), n.Outputs.Select(RankOf).ToArray(), n.Inputs.Select(IsConstant).ToArray(), channels,
                ConstantOutput: n.Outputs.Any(o => o.Length > 0) && n.Outputs.All(o => o.Length == 0 || IsConstant(o))));
        }
        // In QDQ form an activation sits between a quantized op and QuantizeLinear (DQ -> Conv -> Relu -> Q): converters fuse
        // it into the op, so it computes in the op's type.
        var index = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int k = 0; k < facts.Count; k++) index[facts[k].Node] = k;
        var readers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
            foreach (var i in n.Inputs)
                if (i.Length > 0) (readers.TryGetValue(i, out var l) ? l : readers[i] = []).Add(n);
        for (int k = 0; k < facts.Count; k++)
        {
            var f = facts[k];
            if (f.Quantized || f.QuantizationMarker || f.Node.Inputs.Count == 0 || f.Node.Outputs.Count != 1) continue;
            if (!producer.TryGetValue(f.Node.Inputs[0], out var p) || !facts[index[p]].Quantized || facts[index[p]].QuantizationMarker) continue;
            if (!readers.TryGetValue(f.Node.Outputs[0], out var r) || !r.All(x => x is { OpType: "QuantizeLinear", Domain: "" })) continue;
            facts[k] = f with { Quantized = true, Dtype = facts[index[p]].Dtype };
        }
        return facts;
    }
}
