using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// DequantizeLinear(x1..xn) → Concat → QuantizeLinear ⇒ Concat of the quantized inputs when every input shares the
/// output's scale and zero point (exact: only copies), else com.microsoft QLinearConcat, which requantizes each input
/// (ORT's QDQ Concat selector).
/// </summary>
internal sealed class QdqConcatFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqConcatFusion());

    public string Name => "QdqConcatFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Concat", Domain: "" } || node.Inputs.Count < 1 || node.Outputs.Count != 1) return false;
        if (node.Inputs.Distinct().Count() != node.Inputs.Count) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        var inputs = new List<QdqNode>(node.Inputs.Count);
        foreach (var input in node.Inputs)
        {
            var x = QdqMatch.Dequantize(rewriter, input, node, QdqMatch.IsInt8);
            if (x is not { IsPerTensor: true } || x.QuantizedType != q.QuantizedType) return false;
            inputs.Add(x);
        }
        Node fused;
        if (inputs.TrueForAll(x => x.SameParameters(q)))
        {
            fused = new Node("Concat", inputs.Select(x => x.Data), [q.Node.Outputs[0]], "", node.Name);
        }
        else
        {
            fused = new Node("QLinearConcat", [q.Scale, q.ZeroPoint, .. inputs.SelectMany(x => new[] { x.Data, x.Scale, x.ZeroPoint })],
                [q.Node.Outputs[0]], "com.microsoft", node.Name);
            rewriter.EnsureOpset("com.microsoft", 1);
        }
        QdqMatch.CopyAttributes(node, fused);
        rewriter.Replace(q.Node, fused, [node, .. inputs.Select(x => x.Node)]);
        return true;
    }
}
