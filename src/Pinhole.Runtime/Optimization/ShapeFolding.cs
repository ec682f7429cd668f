using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// A shape computation whose result is statically known ⇒ a constant: Shape(x) when the dimensions it reports are known
/// (<see cref="StaticShapes"/>), Size(x), and the Cast / Gather / Slice / Concat / Unsqueeze / Squeeze / ReduceProd
/// nodes on shapes when just the dimensions they pick are known (<see cref="StaticShapes.ValueOf"/>: symbolic batch
/// dimensions may stay unknown elsewhere). The Shape nodes, once nothing reads them, go through <see cref="DeadCodeElimination"/>.
/// </summary>
internal sealed class ShapeFolding : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new ShapeFolding());

    public string Name => "ShapeFolding";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node.Domain.Length != 0 || node.Outputs.Count != 1 || node.Outputs[0].Length == 0 || node.Inputs.Count == 0) return false;
        Tensor? value = null;
        if (node.OpType == "Size")
        {
            if (rewriter.Shapes.Known(node.Inputs[0]) is { } s) value = Tensor.Scalar(s.Aggregate(1L, (a, b) => a * b));
        }
        else if (node.OpType is "Shape" or "Cast" or "Gather" or "Slice" or "Concat" or "Unsqueeze" or "Squeeze" or "ReduceProd" or "ReduceSum"
            && rewriter.Shapes.ValueOf(node.Outputs[0]) is { IsKnown: true } v)
        {
            value = v.ToTensor();
        }
        if (value is null) return false;
        rewriter.Remove(node);
        rewriter.SetConstant(node.Outputs[0], value);
        return true;
    }
}
