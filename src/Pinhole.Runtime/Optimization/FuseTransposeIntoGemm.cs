using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Transpose (2-D, perm [1,0]) feeding input A or B of a Gemm, read by nothing else ⇒ the Gemm's transA / transB
/// toggled; and MatMul of statically 2-D float inputs with such a transposed input ⇒ Gemm with transA / transB.
/// </summary>
internal sealed class FuseTransposeIntoGemm : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new FuseTransposeIntoGemm());

    public string Name => "FuseTransposeIntoGemm";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node.Domain.Length != 0 || node.Outputs.Count != 1 || node.Inputs.Count < 2) return false;
        if (node.OpType == "MatMul")
        {
            if (rewriter.ElementType(node.Inputs[0]) != DataType.Float || rewriter.Opset("") < 11) return false; // C optional from 11
            if (rewriter.Shapes.Of(node.Inputs[0]) is not { Length: 2 } || rewriter.Shapes.Of(node.Inputs[1]) is not { Length: 2 }) return false;
            if (Transposed(rewriter, node, 0) is null && Transposed(rewriter, node, 1) is null) return false;
            var gemm = new Node("Gemm", [node.Inputs[0], node.Inputs[1]], [node.Outputs[0]], "", node.Name);
            Absorb(rewriter, gemm, 0, "transA");
            Absorb(rewriter, gemm, 1, "transB");
            rewriter.Replace(node, gemm);
            return true;
        }
        if (node.OpType != "Gemm") return false;
        bool changed = false;
        for (int k = 0; k < 2; k++) changed |= Absorb(rewriter, node, k, k == 0 ? "transA" : "transB");
        return changed;
    }

    private static Node? Transposed(GraphRewriter r, Node consumer, int input)
    {
        var t = r.Producer(consumer.Inputs[input]);
        if (t is not { OpType: "Transpose", Domain: "" } || t.Inputs.Count != 1 || !r.IsOnlyUsedBy(t.Outputs[0], consumer)) return null;
        return EliminateTranspose.Perm(r, t) is [1, 0] ? t : null;
    }

    private static bool Absorb(GraphRewriter r, Node gemm, int input, string attribute)
    {
        var t = Transposed(r, gemm, input);
        if (t is null) return false;
        long current = gemm.Attributes.TryGetValue(attribute, out var a) ? a.Int : 0;
        gemm.Attributes[attribute] = NodeAttribute.Of(attribute, current == 0 ? 1L : 0L);
        r.SetInput(gemm, input, t.Inputs[0]);
        r.Remove(t);
        return true;
    }
}
