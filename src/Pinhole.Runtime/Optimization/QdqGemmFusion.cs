using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// DequantizeLinear(A), DequantizeLinear(B) [, DequantizeLinear(C int32)] → Gemm [→ QuantizeLinear] ⇒ com.microsoft QGemm:
/// int32 accumulation plus int32 bias, requantized to the QuantizeLinear's parameters, or scaled to float without one.
/// </summary>
internal sealed class QdqGemmFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqGemmFusion());

    public string Name => "QdqGemmFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Gemm", Domain: "" } || node.Inputs.Count < 2 || node.Outputs.Count != 1) return false;
        var a = QdqMatch.Dequantize(rewriter, node.Inputs[0], node, QdqMatch.IsInt8);
        var b = QdqMatch.Dequantize(rewriter, node.Inputs[1], node, QdqMatch.IsInt8);
        if (a is not { IsPerTensor: true } || b is null) return false;
        bool transB = node.Attributes.TryGetValue("transB", out var tb) && tb.Int != 0;
        if (!b.IsPerTensor)
        {
            // Per-column scales of B (N values, along B's N axis) only.
            if (rewriter.Constant(b.Data) is not { Rank: 2 } bt) return false;
            int nAxis = transB ? 0 : 1;
            if (b.ScaleTensor.Length != bt.Shape[nAxis] || QdqMatch.Axis(b.Node, 2) != nAxis) return false;
        }
        QdqNode? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            float beta = node.Attributes.TryGetValue("beta", out var be) ? be.Float : 1f;
            if (beta != 1f) return false;
            bias = QdqMatch.Dequantize(rewriter, node.Inputs[2], node, t => t == DataType.Int32);
            if (bias is null || !QdqConvFusion.BiasMatches(bias, a, b)) return false;
        }
        var q = QdqMatch.QuantizeOf(rewriter, node);
        string[] inputs = [a.Data, a.Scale, a.ZeroPoint, b.Data, b.Scale, b.ZeroPoint, bias?.Data ?? "",
            .. q is null ? (string[])[] : [q.Scale, q.ZeroPoint]];
        var fused = new Node("QGemm", inputs, [q?.Node.Outputs[0] ?? node.Outputs[0]], "com.microsoft", node.Name);
        QdqMatch.CopyAttributes(node, fused, "beta");
        rewriter.EnsureOpset("com.microsoft", 1);
        if (q is null) rewriter.Replace(node, fused, a.Node, b.Node);
        else rewriter.Replace(q.Node, fused, node, a.Node, b.Node);
        if (bias is not null) rewriter.Remove(bias.Node);
        return true;
    }
}
