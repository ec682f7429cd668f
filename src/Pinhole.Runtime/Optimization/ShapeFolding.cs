using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Shape(x) ⇒ a constant when the dimensions it reports are statically known (<see cref="StaticShapes"/>), and
/// likewise Size(x), Gather(Shape(x), constant indices) and Slice(Shape(x), constant starts/ends) when just the
/// dimensions they pick are known (batch dimensions may stay symbolic). What reads the constant then folds through
/// <see cref="ConstantFolding"/>, and the Shape node, if nothing else reads it, through <see cref="DeadCodeElimination"/>.
/// </summary>
internal sealed class ShapeFolding : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new ShapeFolding());

    public string Name => "ShapeFolding";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node.Domain.Length != 0 || node.Outputs.Count != 1 || node.Outputs[0].Length == 0) return false;
        Tensor? value = node.OpType switch
        {
            "Shape" => FoldShape(rewriter, node),
            "Size" => rewriter.Shapes.Known(node.Inputs[0]) is { } s ? Tensor.Scalar(s.Aggregate(1L, (a, b) => a * b)) : null,
            "Gather" => FoldGather(rewriter, node),
            "Slice" => FoldSlice(rewriter, node),
            _ => null,
        };
        if (value is null) return false;
        rewriter.Remove(node);
        rewriter.Graph.Initializers[node.Outputs[0]] = value;
        rewriter.Invalidate();
        return true;
    }

    private static Tensor? FoldShape(GraphRewriter r, Node node)
    {
        var dims = ShapeDims(r, node);
        return dims is not null && dims.All(d => d.HasValue) ? Tensor.Vector(dims.Select(d => d!.Value).ToArray()) : null;
    }

    /// <summary>The dimensions a Shape node reports, known or not; null when the input's rank is unknown.</summary>
    private static long?[]? ShapeDims(GraphRewriter r, Node shape)
    {
        if (shape.Inputs.Count != 1 || r.Shapes.Of(shape.Inputs[0]) is not { } x) return null;
        var (start, end) = StaticShapes.ShapeRange(shape, x.Length);
        return end > start ? x[start..end] : [];
    }

    private static long?[]? ShapeInput(GraphRewriter r, Node node)
    {
        if (node.Inputs.Count == 0 || r.Constant(node.Inputs[0]) is not null) return null;
        var p = r.Producer(node.Inputs[0]);
        return p is { OpType: "Shape", Domain: "" } ? ShapeDims(r, p) : null;
    }

    private static Tensor? FoldGather(GraphRewriter r, Node node)
    {
        if (node.Inputs.Count != 2 || ShapeInput(r, node) is not { } dims) return null;
        if (r.Constant(node.Inputs[1]) is not { } idx || idx.Rank > 1) return null;
        var picked = new long[idx.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            long k = idx.GetInt64(i);
            if (k < 0) k += dims.Length;
            if (k < 0 || k >= dims.Length || dims[k] is not { } d) return null;
            picked[i] = d;
        }
        return idx.Rank == 0 ? Tensor.Scalar(picked[0]) : Tensor.Vector(picked);
    }

    private static Tensor? FoldSlice(GraphRewriter r, Node node)
    {
        if (node.Inputs.Count < 3 || ShapeInput(r, node) is not { } dims) return null;
        if (r.Constant(node.Inputs[1]) is not { Length: 1 } st || r.Constant(node.Inputs[2]) is not { Length: 1 } en) return null;
        if (node.Inputs.Count > 3 && node.Inputs[3].Length > 0
            && (r.Constant(node.Inputs[3]) is not { Length: 1 } ax || ax.GetInt64(0) is not (0 or -1))) return null;
        long step = 1;
        if (node.Inputs.Count > 4 && node.Inputs[4].Length > 0)
        {
            if (r.Constant(node.Inputs[4]) is not { Length: 1 } sp) return null;
            step = sp.GetInt64(0);
        }
        if (step != 1) return null;
        long n = dims.Length, start = st.GetInt64(0), end = en.GetInt64(0);
        if (start < 0) start += n;
        if (end < 0) end += n;
        start = Math.Clamp(start, 0, n);
        end = Math.Clamp(end, 0, n);
        var picked = new List<long>();
        for (long k = start; k < end; k++)
        {
            if (dims[k] is not { } d) return null;
            picked.Add(d);
        }
        return Tensor.Vector(picked.ToArray());
    }
}
