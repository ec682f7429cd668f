using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Conv (float, or FusedConv without an activation or a sum) → Add(other) [→ Relu / Clip / LeakyRelu / Sigmoid / Tanh /
/// HardSigmoid], the Conv output read only by the Add, the other input of the output's exact static shape (no
/// broadcasting; a symbolic batch counts when both sides take it from the same graph input) ⇒ com.microsoft FusedConv(X, W, B, Z = other) with the activation: Y = activation(conv + B + Z), as ONNX
/// Runtime's FusedConv defines its sum input. The residual joins of ResNet and MobileNetV2 then cost no pass of their
/// own: the GEMM methods start from Z and accumulate onto it, in Z's memory when Z is not read afterwards.
/// </summary>
internal sealed class FuseConvAddIntoSum : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Extended, new FuseConvAddIntoSum());

    public string Name => "FuseConvAddIntoSum";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Add", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        for (int side = 0; side < 2; side++)
        {
            var conv = rewriter.Producer(node.Inputs[side]);
            if (conv is null || !Fusable(rewriter, conv, node)) continue;
            string z = node.Inputs[1 - side];
            // Z must be another tensor than the convolution's own inputs: Y may take Z's memory while X is still read.
            if (z.Length == 0 || conv.Inputs.Contains(z)) continue;
            if (rewriter.ElementType(z) is { } zt && zt != DataType.Float) continue;
            if (!SameShape(rewriter, conv, z)) continue;
            var next = rewriter.SoleConsumer(node.Outputs[0]);
            var act = next is not null && next.Inputs[0] == node.Outputs[0] ? Activation.Parse(rewriter, next, forConv: true) : null;
            string output = act is null ? node.Outputs[0] : next!.Outputs[0];
            var inputs = new List<string> { conv.Inputs[0], conv.Inputs[1], conv.Inputs.Count > 2 ? conv.Inputs[2] : "", z };
            var fused = new Node("FusedConv", inputs, [output], "com.microsoft", conv.Name);
            foreach (var (k, v) in conv.Attributes) fused.Attributes[k] = v;
            if (act is { } a)
            {
                fused.Attributes["activation"] = NodeAttribute.Of("activation", a.Name);
                if (a.Parameters.Length > 0) fused.Attributes["activation_params"] = NodeAttribute.Of("activation_params", a.Parameters);
            }
            rewriter.EnsureOpset("com.microsoft", 1);
            if (act is null) rewriter.Replace(node, fused, conv);
            else rewriter.Replace(next!, fused, conv, node);
            return true;
        }
        return false;
    }

    private static bool Fusable(GraphRewriter rewriter, Node conv, Node add)
    {
        bool plain = conv is { OpType: "Conv", Domain: "" };
        bool fusedWithoutActivation = conv is { OpType: "FusedConv", Domain: "com.microsoft" } && !conv.Attributes.ContainsKey("activation");
        if (!plain && !fusedWithoutActivation) return false;
        if (conv.Outputs.Count != 1 || conv.Inputs.Count < 2 || conv.Inputs.Count > 3 || !rewriter.IsOnlyUsedBy(conv.Outputs[0], add)) return false;
        return (rewriter.ElementType(conv.Inputs[0]) ?? rewriter.ElementType(conv.Inputs[1])) == DataType.Float;
    }

    /// <summary>
    /// Whether Z provably has the Conv output's shape: every dimension known and equal, except a symbolic batch (axis 0
    /// unknown on both sides) that both take from the same graph input (<see cref="BatchOrigin"/>).
    /// </summary>
    private static bool SameShape(GraphRewriter rewriter, Node conv, string z)
    {
        var a = rewriter.Shapes.Of(conv.Outputs[0]);
        var b = rewriter.Shapes.Of(z);
        if (a is null || b is null || a.Length != b.Length || a.Length == 0) return false;
        for (int i = 1; i < a.Length; i++)
            if (a[i] is not long x || b[i] is not long y || x != y) return false;
        if (a[0] is long a0 && b[0] is long b0) return a0 == b0;
        if (a[0] is not null || b[0] is not null) return false;
        var memo = new Dictionary<string, string?>(StringComparer.Ordinal);
        return BatchOrigin(rewriter, conv.Inputs[0], memo, 0) is { } origin && BatchOrigin(rewriter, z, memo, 0) == origin;
    }

    /// <summary>
    /// The graph input whose first dimension <paramref name="value"/>'s first dimension provably is: followed back through
    /// ops that keep axis 0 (convolutions, pooling, normalization, activations) and through same-origin Add / Mul / Sub;
    /// null when it cannot be told.
    /// </summary>
    private static string? BatchOrigin(GraphRewriter r, string value, Dictionary<string, string?> memo, int depth)
    {
        if (memo.TryGetValue(value, out var known)) return known;
        if (depth > 4000) return null; // very deep chains: give up rather than risk the stack
        string? origin = null;
        var n = r.Producer(value);
        if (n is null)
        {
            if (r.Constant(value) is null && r.Graph.Inputs.Any(i => i.Name == value)) origin = value;
        }
        else if (n.Inputs.Count > 0 && n.Outputs[0] == value && (n.Domain, n.OpType) is ("", "Conv" or "Relu" or "Clip" or "LeakyRelu" or "Sigmoid"
            or "HardSigmoid" or "Tanh" or "BatchNormalization" or "MaxPool" or "AveragePool" or "GlobalAveragePool" or "Identity")
            or ("com.microsoft", "FusedConv"))
        {
            origin = BatchOrigin(r, n.Inputs[0], memo, depth + 1);
        }
        else if (n is { Domain: "", OpType: "Add" or "Mul" or "Sub" } && n.Inputs.Count == 2 && r.Constant(n.Inputs[0]) is null && r.Constant(n.Inputs[1]) is null)
        {
            var left = BatchOrigin(r, n.Inputs[0], memo, depth + 1);
            origin = left is not null && BatchOrigin(r, n.Inputs[1], memo, depth + 1) == left ? left : null;
        }
        memo[value] = origin;
        return origin;
    }
}
