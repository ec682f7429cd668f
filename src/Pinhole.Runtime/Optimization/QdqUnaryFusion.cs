using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// DequantizeLinear → GlobalAveragePool/Sigmoid/LeakyRelu → QuantizeLinear ⇒ the com.microsoft QLinear op
/// (X, X_scale, X_zero_point, Y_scale, Y_zero_point), same type in and out.
/// </summary>
internal sealed class QdqUnaryFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqUnaryFusion());

    public string Name => "QdqUnaryFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "GlobalAveragePool" or "Sigmoid" or "LeakyRelu", Domain: "" }
            || node.Inputs.Count != 1 || node.Outputs.Count != 1) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        var x = QdqMatch.Dequantize(rewriter, node.Inputs[0], node, QdqMatch.IsInt8);
        if (x is not { IsPerTensor: true } || x.QuantizedType != q.QuantizedType) return false;
        var fused = new Node("QLinear" + node.OpType, [x.Data, x.Scale, x.ZeroPoint, q.Scale, q.ZeroPoint],
            [q.Node.Outputs[0]], "com.microsoft", node.Name);
        QdqMatch.CopyAttributes(node, fused);
        rewriter.EnsureOpset("com.microsoft", 1);
        rewriter.Replace(q.Node, fused, node, x.Node);
        return true;
    }
}
