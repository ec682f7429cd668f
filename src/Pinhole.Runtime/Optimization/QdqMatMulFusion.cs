using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>DequantizeLinear(a), DequantizeLinear(b) → MatMul → QuantizeLinear ⇒ QLinearMatMul (per-tensor a and y; b per tensor or per column).</summary>
internal sealed class QdqMatMulFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqMatMulFusion());

    public string Name => "QdqMatMulFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "MatMul", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        if (node.Inputs[0] == node.Inputs[1]) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        var a = QdqMatch.Dequantize(rewriter, node.Inputs[0], node, QdqMatch.IsInt8);
        var b = QdqMatch.Dequantize(rewriter, node.Inputs[1], node, QdqMatch.IsInt8);
        if (a is not { IsPerTensor: true } || b is null) return false;
        if (!b.IsPerTensor && (rewriter.Constant(b.Data) is not { Rank: 2 } bt
            || b.ScaleTensor.Length != bt.Shape[1] || QdqMatch.Axis(b.Node, 2) != 1)) return false;
        var fused = new Node("QLinearMatMul",
            [a.Data, a.Scale, a.ZeroPoint, b.Data, b.Scale, b.ZeroPoint, q.Scale, q.ZeroPoint],
            [q.Node.Outputs[0]], "", node.Name);
        rewriter.Replace(q.Node, fused, node, a.Node, b.Node);
        return true;
    }
}
