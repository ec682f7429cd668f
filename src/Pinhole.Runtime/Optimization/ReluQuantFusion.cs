using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Relu → QuantizeLinear with a zero point at the bottom of the quantized range ⇒ QuantizeLinear alone: the
/// quantization saturates every negative value to the zero point anyway (ORT's ReluQuantFusion).
/// </summary>
internal sealed class ReluQuantFusion : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new ReluQuantFusion());

    public string Name => "ReluQuantFusion";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Relu", Domain: "" } || node.Inputs.Count != 1 || node.Outputs.Count != 1) return false;
        var q = QdqMatch.QuantizeOf(rewriter, node);
        if (q is null) return false;
        double zero = q.ZeroPointTensor is null ? 0 : q.ZeroPointTensor.GetDouble(0);
        double min = q.QuantizedType == DataType.Int8 ? sbyte.MinValue : byte.MinValue;
        if (zero != min) return false;
        rewriter.SetInput(q.Node, 0, node.Inputs[0]);
        rewriter.Remove(node);
        return true;
    }
}
