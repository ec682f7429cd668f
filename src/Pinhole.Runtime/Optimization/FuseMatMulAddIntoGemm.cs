using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// MatMul(A, B) → Add(C) with A and B statically 2-D float, C constant and broadcastable to [M, N] ([N], [1,N], [M,1],
/// [M,N] or a scalar), the MatMul output read only by the Add ⇒ Gemm(A, B, C) (ORT's MatMulAddFusion).
/// </summary>
internal sealed class FuseMatMulAddIntoGemm : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new FuseMatMulAddIntoGemm());

    public string Name => "FuseMatMulAddIntoGemm";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Add", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        if (rewriter.Opset("") < 7) return false; // Gemm's broadcast attribute
        for (int side = 0; side < 2; side++)
        {
            var mm = rewriter.Producer(node.Inputs[side]);
            if (mm is not { OpType: "MatMul", Domain: "" } || mm.Outputs.Count != 1 || !rewriter.IsOnlyUsedBy(mm.Outputs[0], node)) continue;
            if (rewriter.Constant(node.Inputs[1 - side]) is not { Type: DataType.Float } c) continue;
            if (rewriter.ElementType(mm.Inputs[0]) != DataType.Float) continue;
            var a = rewriter.Shapes.Of(mm.Inputs[0]);
            var b = rewriter.Shapes.Of(mm.Inputs[1]);
            if (a is not { Length: 2 } || b is not { Length: 2 }) continue;
            if (!Broadcastable(c.Shape, a[0], b[1])) continue;
            var gemm = new Node("Gemm", [mm.Inputs[0], mm.Inputs[1], node.Inputs[1 - side]], [node.Outputs[0]], "", mm.Name);
            rewriter.Replace(node, gemm, mm);
            return true;
        }
        return false;
    }

    /// <summary>Whether a C of <paramref name="shape"/> broadcasts unidirectionally to [m, n] without growing it.</summary>
    private static bool Broadcastable(int[] shape, long? m, long? n)
    {
        if (shape.Length > 2) return false;
        if (shape.Length == 0) return true;
        bool Fits(int d, long? target) => d == 1 || (target is { } t && t == d);
        if (shape.Length == 1) return Fits(shape[0], n);
        return Fits(shape[0], m) && Fits(shape[1], n);
    }
}
