using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>DequantizeLinear(a), DequantizeLinear(b) → Add/Mul → QuantizeLinear ⇒ com.microsoft QLinearAdd/QLinearMul (one type throughout).</summary>
internal sealed class QdqBinaryFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqBinaryFusion());

    public string Name => "QdqBinaryFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Add" or "Mul", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        if (node.Inputs[0] == node.Inputs[1]) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        var a = QdqMatch.Dequantize(rewriter, node.Inputs[0], node, QdqMatch.IsInt8);
        var b = QdqMatch.Dequantize(rewriter, node.Inputs[1], node, QdqMatch.IsInt8);
        if (a is not { IsPerTensor: true } || b is not { IsPerTensor: true }) return false;
        if (a.QuantizedType != q.QuantizedType || b.QuantizedType != q.QuantizedType) return false;
        var fused = new Node("QLinear" + node.OpType,
            [a.Data, a.Scale, a.ZeroPoint, b.Data, b.Scale, b.ZeroPoint, q.Scale, q.ZeroPoint],
            [q.Node.Outputs[0]], "com.microsoft", node.Name);
        rewriter.EnsureOpset("com.microsoft", 1);
        rewriter.Replace(q.Node, fused, node, a.Node, b.Node);
        return true;
    }
}
