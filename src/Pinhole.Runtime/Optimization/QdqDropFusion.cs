using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// DequantizeLinear → data-movement op (Flatten, Reshape, Transpose, Squeeze, Unsqueeze) or MaxPool → QuantizeLinear
/// with the same scale and zero point ⇒ the op alone on the quantized values: exact, since these ops only move or
/// select values, and quantization is monotonic (ORT's "drop QDQ" rules).
/// </summary>
internal sealed class QdqDropFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqDropFusion());

    public string Name => "QdqDropFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Flatten" or "Reshape" or "Transpose" or "Squeeze" or "Unsqueeze" or "MaxPool", Domain: "" }
            || node.Inputs.Count < 1 || node.Outputs.Count != 1) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        var x = QdqMatch.Dequantize(rewriter, node.Inputs[0], node, QdqMatch.IsInt8);
        if (x is null || !x.SameParameters(q)) return false;
        var moved = new Node(node.OpType, [x.Data, .. node.Inputs.Skip(1)], [q.Node.Outputs[0]], "", node.Name);
        QdqMatch.CopyAttributes(node, moved);
        rewriter.Replace(q.Node, moved, node, x.Node);
        return true;
    }
}
