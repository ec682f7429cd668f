using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Runtime.Optimization;
using Pinhole.Tools.Transforms.Opset;

namespace Pinhole.Tools.Quantization;

/// <summary>What dynamic quantization rewrote.</summary>
public sealed record DynamicQuantizationReport(long OpsetFrom, long OpsetTo, int QuantizedMatMuls, int QuantizedGemms, IReadOnlyDictionary<string, string> Skipped);

/// <summary>
/// Dynamic quantization (ONNX Runtime's <c>quantize_dynamic</c>): weights of MatMul and Gemm become int8 (per output column
/// or per tensor) ahead of time, activations are quantized to uint8 at run time from their own range:
/// DynamicQuantizeLinear(A) → MatMulInteger(A, W, a_zero, w_zero) → Cast(float) → Mul(a_scale × w_scale) [→ Add(bias)].
/// No calibration data; suits MatMul-heavy models (transformers, RNN heads) whose activation ranges vary by input.
/// Rewrites <paramref name="model"/> in place.
/// </summary>
public static class DynamicQuantizer
{
    public static DynamicQuantizationReport Quantize(Model model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var graph = model.Graph;
        var missing = options.Exclude.Where(name => !graph.Nodes.Exists(n => n.Name == name)).ToList();
        if (missing.Count > 0)
            throw new InvalidInputException($"--exclude: no node named {string.Join(", ", missing.Select(m => $"'{m}'"))} in the model");
        graph.Inputs.RemoveAll(i => graph.Initializers.ContainsKey(i.Name));
        long from = model.OpsetFor("") ?? 1;
        // DynamicQuantizeLinear and MatMulInteger need opset 11; 13 keeps the rewrites' Cast and Mul at their current form.
        OpsetUpgrade.Apply(model, 13);
        GraphOptimizer.Optimize(model, OptimizationLevel.Basic);
        graph = model.Graph;

        var names = new HashSet<string>(graph.Inputs.Select(i => i.Name).Concat(graph.Initializers.Keys)
            .Concat(graph.Nodes.SelectMany(n => n.Outputs)).Concat(graph.Nodes.Select(n => n.Name)), StringComparer.Ordinal);
        string Unique(string stem)
        {
            string name = stem;
            for (int k = 1; !names.Add(name); k++) name = $"{stem}_{k}";
            return name;
        }
        string Constant(string stem, Tensor value)
        {
            string name = Unique(stem);
            graph.Initializers[name] = value;
            return name;
        }

        var excluded = new HashSet<string>(options.Exclude, StringComparer.Ordinal);
        var skipped = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var quantizedWeights = new Dictionary<(string, bool), (string Data, string Zero, float[] Scales)>();
        var rewritten = new List<Node>(graph.Nodes.Count);
        int matMuls = 0, gemms = 0;
        foreach (var node in graph.Nodes)
        {
            string label = node.Name.Length > 0 ? node.Name : $"{node.OpType}({node.Outputs.FirstOrDefault()})";
            if (node.Domain.Length != 0 || node.OpType is not ("MatMul" or "Gemm")) { rewritten.Add(node); continue; }
            if (excluded.Contains(node.Name)) { skipped[label] = "excluded"; rewritten.Add(node); continue; }
            string? why = Check(node, graph, out bool transB, out string? bias);
            if (why is not null) { skipped[label] = why; rewritten.Add(node); continue; }

            string weights = node.Inputs[1];
            if (!quantizedWeights.TryGetValue((weights, transB), out var q))
            {
                var w = graph.Initializers[weights];
                if (transB) w = Transpose2D(w);
                var (data, scales) = WeightQuantizer.Quantize(w, options.PerChannel ? 1 : -1, options.ReduceRange);
                q = (Constant(weights + "_q", data),
                    Constant(weights + "_zero_point", options.PerChannel ? Tensor.FromArray(new sbyte[scales.Length], [scales.Length]) : Tensor.Scalar((sbyte)0)),
                    scales);
                quantizedWeights[(weights, transB)] = q;
            }
            string stem = node.Outputs[0];
            string a = node.Inputs[0];
            string aq = Unique(stem + "_a_q"), aScale = Unique(stem + "_a_scale"), aZero = Unique(stem + "_a_zero_point");
            rewritten.Add(new Node("DynamicQuantizeLinear", [a], [aq, aScale, aZero], "", Unique(label + "_quantize")));
            string product = Unique(stem + "_int32");
            rewritten.Add(new Node("MatMulInteger", [aq, q.Data, aZero, q.Zero], [product], "", Unique(label + "_MatMulInteger")));
            string asFloat = Unique(stem + "_float");
            rewritten.Add(new Node("Cast", [product], [asFloat], "", Unique(label + "_cast")).WithAttribute(NodeAttribute.Of("to", (long)DataType.Float)));
            string wScale = Constant(stem + "_w_scale", options.PerChannel ? Tensor.FromArray(q.Scales, [q.Scales.Length]) : Tensor.Scalar(q.Scales[0]));
            string scale = Unique(stem + "_scale");
            rewritten.Add(new Node("Mul", [aScale, wScale], [scale], "", Unique(label + "_scale")));
            string output = node.Outputs[0];
            string scaled = bias is null ? output : Unique(stem + "_no_bias");
            rewritten.Add(new Node("Mul", [asFloat, scale], [scaled], "", Unique(label + "_rescale")));
            if (bias is not null) rewritten.Add(new Node("Add", [scaled, bias], [output], "", Unique(label + "_bias")));
            if (node.OpType == "MatMul") matMuls++;
            else gemms++;
        }
        graph.Nodes.Clear();
        graph.Nodes.AddRange(rewritten);
        var read = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs.Select(o => o.Name)), StringComparer.Ordinal);
        foreach (var n in graph.Nodes) foreach (var g in n.Subgraphs()) read.UnionWith(g.OuterScopeReads());
        foreach (var name in graph.Initializers.Keys.ToList()) if (!read.Contains(name)) graph.Initializers.Remove(name);
        graph.Validate();
        model.MetadataProps["pinhole.quantization"] = $"dynamic, uint8 activations, int8 weights {(options.PerChannel ? "per column" : "per tensor")}{(options.ReduceRange ? " (7-bit)" : "")}";
        return new DynamicQuantizationReport(from, model.OpsetFor("") ?? 13, matMuls, gemms, skipped);
    }

    /// <summary>Null when the node can be rewritten: float A, a constant 2-D float B, and (Gemm) no transA, alpha 1, a constant bias vector.</summary>
    private static string? Check(Node node, Graph graph, out bool transB, out string? bias)
    {
        transB = false;
        bias = null;
        if (node.Inputs.Count < 2 || node.Outputs.Count != 1) return "unexpected inputs or outputs";
        if (!graph.Initializers.TryGetValue(node.Inputs[1], out var w) || w.Type != DataType.Float || w.Rank != 2)
            return "its weights are not a constant 2-D float tensor";
        if (node.OpType == "MatMul") return null;
        if (node.Attributes.TryGetValue("transA", out var ta) && ta.Int != 0) return "Gemm with transA";
        if (node.Attributes.TryGetValue("alpha", out var alpha) && alpha.Float != 1f) return "Gemm with alpha != 1";
        transB = node.Attributes.TryGetValue("transB", out var tb) && tb.Int != 0;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            float beta = node.Attributes.TryGetValue("beta", out var b) ? b.Float : 1f;
            if (beta != 1f) return "Gemm with beta != 1";
            bias = node.Inputs[2];
        }
        return null;
    }

    private static Tensor Transpose2D(Tensor w)
    {
        int rows = w.Shape[0], cols = w.Shape[1];
        var src = w.ReadOnlySpan<float>();
        var t = new float[src.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = src[r * cols + c];
        return Tensor.FromArray(t, [cols, rows]);
    }
}
