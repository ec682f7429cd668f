using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// DequantizeLinear(x), DequantizeLinear(w) [, DequantizeLinear(bias int32)] → Conv → QuantizeLinear ⇒ QLinearConv,
/// which accumulates in int32 and requantizes once (ORT's QDQ Conv selector and action).
/// </summary>
internal sealed class QdqConvFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new QdqConvFusion());

    public string Name => "QdqConvFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Conv", Domain: "" } || node.Inputs.Count < 2 || node.Outputs.Count != 1) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        var x = QdqMatch.Dequantize(rewriter, node.Inputs[0], node, QdqMatch.IsInt8);
        if (x is not { IsPerTensor: true }) return false;
        var w = QdqMatch.Dequantize(rewriter, node.Inputs[1], node, QdqMatch.IsInt8);
        if (w is null || rewriter.Constant(w.Data) is not { } wt) return false;
        if (!w.IsPerTensor && (wt.Rank < 1 || w.ScaleTensor.Length != wt.Shape[0] || QdqMatch.Axis(w.Node, wt.Rank) != 0)) return false;
        QdqNode? bias = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            bias = QdqMatch.Dequantize(rewriter, node.Inputs[2], node, t => t == DataType.Int32);
            if (bias is null || !BiasMatches(bias, x, w)) return false;
        }
        var fused = new Node("QLinearConv",
            [x.Data, x.Scale, x.ZeroPoint, w.Data, w.Scale, w.ZeroPoint, q.Scale, q.ZeroPoint, bias?.Data ?? ""],
            [q.Node.Outputs[0]], "", node.Name);
        QdqMatch.CopyAttributes(node, fused);
        rewriter.Replace(q.Node, fused, node, x.Node, w.Node);
        if (bias is not null) rewriter.Remove(bias.Node);
        return true;
    }

    /// <summary>The int32 bias must be quantized with zero point 0 and scale x_scale * w_scale (per channel), as QLinearConv assumes.</summary>
    internal static bool BiasMatches(QdqNode bias, QdqNode x, QdqNode w)
    {
        if (bias.ZeroPointTensor is { } z)
            for (int i = 0; i < z.Length; i++) if (z.GetDouble(i) != 0) return false;
        int n = bias.ScaleTensor.Length;
        if (n != 1 && n != w.ScaleTensor.Length) return false;
        double sx = x.ScaleTensor.GetDouble(0);
        for (int i = 0; i < Math.Max(n, w.ScaleTensor.Length); i++)
        {
            double expected = sx * w.ScaleTensor.GetDouble(w.ScaleTensor.Length == 1 ? 0 : i);
            double actual = bias.ScaleTensor.GetDouble(n == 1 ? 0 : i);
            if (Math.Abs(actual - expected) > 1e-4 * Math.Abs(expected)) return false;
        }
        return true;
    }
}
