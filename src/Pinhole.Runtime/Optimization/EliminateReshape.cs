using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Reshape(x, s) ⇒ x when x's shape is statically known and equals the result's; and Reshape(Reshape(x, s1), s2) ⇒
/// Reshape(x, s2) when s2 is constant and copies no dimension from its input (no 0 entries, or allowzero).
/// </summary>
internal sealed class EliminateReshape : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new EliminateReshape());

    public string Name => "EliminateReshape";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Reshape", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        if (rewriter.Shapes.Known(node.Inputs[0]) is { } inShape && rewriter.Shapes.Known(node.Outputs[0]) is { } outShape
            && ShapeArrays.Equal(inShape, outShape) && Bypass.TryBypass(rewriter, node))
            return true;
        var inner = rewriter.Producer(node.Inputs[0]);
        if (inner is not { OpType: "Reshape", Domain: "" } || inner.Inputs.Count != 2) return false;
        if (rewriter.Constant(node.Inputs[1]) is not { } target) return false;
        bool allowZero = node.Attributes.TryGetValue("allowzero", out var az) && az.Int != 0;
        if (!allowZero && target.ToInt64Array().Contains(0)) return false;
        rewriter.SetInput(node, 0, inner.Inputs[0]);
        if (rewriter.UseCount(inner.Outputs[0]) == 0) rewriter.Remove(inner);
        return true;
    }
}
