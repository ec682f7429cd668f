using System.Globalization;
using Pinhole.IR;
using Pinhole.Runtime;

namespace Pinhole.Tools.Devices;

/// <summary>Whether a node runs on a backend and why not; <see cref="Folded"/>: the converter removes it (it costs nothing).</summary>
internal readonly record struct Verdict(bool Supported, string Reason, bool Folded = false)
{
    public static implicit operator Verdict((bool Supported, string Reason) v) => new(v.Supported, v.Reason);
}

/// <summary>Whether one node can run on a backend, and if not, why (op, domain, opset, dtype, rank, attribute, constant input).</summary>
internal static class OpSupport
{
    public static Verdict Evaluate(BackendOpSet set, NodeFacts f)
    {
        var n = f.Node;
        string domain = n.Domain.Length == 0 ? "ai.onnx" : n.Domain;
        // Converters (and ONNX Runtime's own graph optimizer) drop inference no-ops and fold constants before any backend sees them.
        if (n.Domain.Length == 0 && (n.OpType is "Identity" or "Constant" || n.OpType == "Dropout" && (n.Inputs.Count < 3 || n.Inputs[2].Length == 0)
            || n.OpType == "Cast" && n.Attributes.TryGetValue("to", out var to) && f.Dtype is { } from && (long)from == to.Int))
            return new Verdict(true, "removed by the converter (a no-op or a constant at inference)", Folded: true);
        if (f.Node.Outputs.Count > 0 && f.ConstantOutput)
            return new Verdict(true, "computed from constants: folded by the converter", Folded: true);
        // Pinhole's own optimizer folds constants and removes no-ops too (above); the rest needs a kernel.
        if (set.FromPinholeRegistry)
        {
            return KernelRegistry.Find(n.Domain, n.OpType, f.Opset) is null
                ? (false, $"no Pinhole kernel for {n.OpType} ({domain}, opset {f.Opset})")
                : (true, "");
        }
        if (f.QuantizationMarker && set.RunsQuantized)
            return new Verdict(true, "quantization marker: folded into its neighbours by the converter", Folded: true);
        OpRule? rule = set.Ops.TryGetValue((n.Domain, n.OpType), out var r) ? r : null;
        // A QOperator op (QLinearConv, ...) is the quantized form of a float op: backends that list only the float op
        // run it quantized (TFLite's int8 CONV_2D is both).
        int[]? inputMap = null;
        if (rule is null && QuantizedForms.TryGetValue(n.OpType, out var form) && set.Ops.TryGetValue(("", form.Op), out var floatRule))
        {
            rule = floatRule;
            inputMap = form.Inputs;
        }
        // Inference BatchNormalization with constant statistics is lowered by every converter: folded into the Conv before
        // it, or a per-channel Mul + Add.
        if (rule is null && n is { OpType: "BatchNormalization", Domain: "" } && n.Inputs.Count >= 5
            && Enumerable.Range(1, 4).All(i => f.ConstantInputs[i]) && Supports(set, "Mul") && Supports(set, "Add"))
        {
            if (set.RequiresQuantized && !f.Quantized)
                return (false, $"{set.Name} runs only quantized int8/uint8 ops; this node computes in {TypeName(f.Dtype)}");
            return (true, "lowered by the converter to a per-channel Mul + Add (or folded into the preceding Conv)");
        }
        if (rule is null && !(set.AllOps && n.Domain.Length == 0 && !set.Except.Contains(n.OpType)))
        {
            string reason = $"{set.Name} has no {n.OpType}" + (n.Domain.Length == 0 ? "" : $" ({domain})");
            if (set.Replacements.FirstOrDefault(x => x.Op == n.OpType) is { } rep)
                reason += $"; replace it with {string.Join(" + ", rep.Use)}" + (rep.Note is null ? "" : $" ({rep.Note})");
            return (false, reason);
        }
        if (set.RequiresQuantized && !f.Quantized)
            return (false, $"{set.Name} runs only quantized int8/uint8 ops; this node computes in {TypeName(f.Dtype)}");
        var dtypes = rule?.Dtypes ?? set.Dtypes;
        if (f.Dtype is { } t && !f.QuantizationMarker && !dtypes.Contains(t))
            return (false, $"{n.OpType} in {TypeName(t)} is not supported (only {string.Join(", ", dtypes.Select(DataTypes.OnnxName))})");
        if ((rule?.MaxRank ?? set.MaxRank) is int maxRank)
        {
            for (int i = 0; i < f.InputRanks.Length; i++)
                if (f.InputRanks[i] > maxRank)
                    return (false, $"input '{n.Inputs[i]}' has rank {f.InputRanks[i]}, more than the {maxRank} {set.Name} allows");
            for (int i = 0; i < f.OutputRanks.Length; i++)
                if (f.OutputRanks[i] > maxRank)
                    return (false, $"output '{n.Outputs[i]}' has rank {f.OutputRanks[i]}, more than the {maxRank} {set.Name} allows");
        }
        if (rule is null) return (true, "");
        foreach (var (name, constraint) in rule.Attributes)
        {
            if (!n.Attributes.TryGetValue(name, out var attribute)) continue; // the default applies; rules describe non-defaults
            if (!Allowed(attribute, constraint, f)) return (false, $"attribute {name}={Format(attribute)} is not supported ({Describe(constraint)})");
        }
        foreach (int floatIndex in rule.ConstantInputs)
        {
            int index = inputMap is null ? floatIndex : floatIndex < inputMap.Length ? inputMap[floatIndex] : -1;
            if (index >= 0 && index < n.Inputs.Count && n.Inputs[index].Length > 0 && !f.ConstantInputs[index])
                return (false, $"input {index} ('{n.Inputs[index]}') must be a constant (weights) on {set.Name}");
        }
        return (true, inputMap is null ? "" : $"as a quantized {rule.Op}");
    }

    /// <summary>QOperator ops and the float op each is a quantized form of, with where the float op's inputs are.</summary>
    private static readonly Dictionary<string, (string Op, int[] Inputs)> QuantizedForms = new(StringComparer.Ordinal)
    {
        ["QLinearConv"] = ("Conv", [0, 3, 8]),
        ["ConvInteger"] = ("Conv", [0, 1]),
        ["QLinearMatMul"] = ("MatMul", [0, 3]),
        ["MatMulInteger"] = ("MatMul", [0, 1]),
        ["QGemm"] = ("Gemm", [0, 3, 6]),
        ["QLinearAdd"] = ("Add", [0, 3]),
        ["QLinearMul"] = ("Mul", [0, 3]),
        ["QLinearGlobalAveragePool"] = ("GlobalAveragePool", [0]),
        ["QLinearAveragePool"] = ("AveragePool", [0]),
        ["QLinearConcat"] = ("Concat", []),
        ["QLinearSigmoid"] = ("Sigmoid", [0]),
        ["QLinearLeakyRelu"] = ("LeakyRelu", [0]),
        ["QLinearSoftmax"] = ("Softmax", [0]),
    };

    private static bool Supports(BackendOpSet set, string op) =>
        set.Ops.ContainsKey(("", op)) || (set.AllOps && !set.Except.Contains(op));

    private static bool Allowed(NodeAttribute a, AttributeRule rule, NodeFacts f)
    {
        long[]? ints = a.Type switch
        {
            AttributeType.Int => [a.Int],
            AttributeType.Ints => [.. a.Ints],
            _ => null,
        };
        if (rule.Max is long max && ints is not null && ints.Any(v => v > max)) return false;
        if (rule.Min is long min && ints is not null && ints.Any(v => v < min)) return false;
        if (rule.Allowed is null) return true;
        foreach (var allowed in rule.Allowed)
        {
            bool match = allowed switch
            {
                "depthwise" when a.Name == "group" => f.InputChannels is long c && a.Int == c && c > 1,
                long l => ints is [var v] && v == l,
                double d => a.Type == AttributeType.Float && Math.Abs(a.Float - d) < 1e-6,
                string s => a.Type == AttributeType.String && a.String == s,
                long[] list => ints is not null && ints.AsSpan().SequenceEqual(list),
                _ => false,
            };
            if (match) return true;
        }
        return false;
    }

    private static string Format(NodeAttribute a) => a.Type switch
    {
        AttributeType.Int => a.Int.ToString(CultureInfo.InvariantCulture),
        AttributeType.Ints => "[" + string.Join(",", a.Ints) + "]",
        AttributeType.Float => a.Float.ToString(CultureInfo.InvariantCulture),
        AttributeType.String => a.String,
        _ => a.Type.ToString(),
    };

    private static string Describe(AttributeRule rule)
    {
        var parts = new List<string>();
        if (rule.Allowed is { } values)
            parts.Add("allowed: " + string.Join(", ", values.Select(v => v is long[] l ? "[" + string.Join(",", l) + "]" : Convert.ToString(v, CultureInfo.InvariantCulture))));
        if (rule.Max is long max) parts.Add($"at most {max}");
        if (rule.Min is long min) parts.Add($"at least {min}");
        return string.Join("; ", parts);
    }

    private static string TypeName(DataType? t) => t is { } type ? DataTypes.OnnxName(type) : "an unknown type";
}
