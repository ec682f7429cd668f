using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// A node whose inputs are all constant (Constant nodes included) ⇒ initializers holding its outputs, computed by the
/// node's own kernel. Skipped: non-deterministic ops, nodes with subgraphs, DequantizeLinear (its constant input is
/// the weight of a QDQ group that the QDQ fusions turn into an integer kernel, as ORT keeps it), contrib-domain ops,
/// and results more than 16 MiB larger than the inputs (ConstantOfShape, Expand, Tile of big shapes).
/// </summary>
internal sealed class ConstantFolding : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new ConstantFolding());

    /// <summary>How much bigger (in bytes) folded outputs may be than the constant inputs they replace.</summary>
    internal const long MaxGrowthBytes = 16L << 20;

    private static readonly HashSet<string> s_skip = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
        "DequantizeLinear", "If", "Loop", "Scan",
    };

    public string Name => "ConstantFolding";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node.Domain.Length != 0 || s_skip.Contains(node.OpType) || node.Outputs.Count == 0) return false;
        if (node.Subgraphs().Any()) return false;
        var inputs = new List<(string Name, Tensor Value)>();
        foreach (var i in node.Inputs)
        {
            if (i.Length == 0) continue;
            if (rewriter.Constant(i) is not { } c) return false;
            inputs.Add((i, c));
        }
        if (node.OpType == "Dropout" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0) return false; // training_mode given
        if (rewriter.IsRejected(node, Name)) return false;
        if (node is { OpType: "Constant", Outputs: [var name] } && node.Attributes.TryGetValue("value", out var attr) && attr.Tensor is { } held
            && name.Length > 0)
        {
            // The common case, without running (and copying) anything: the attribute's tensor becomes the initializer.
            rewriter.Remove(node);
            rewriter.SetConstant(name, held);
            return true;
        }
        if (node is { OpType: "ConstantOfShape", Outputs: [var filled] } && filled.Length > 0 && inputs.Count == 1
            && Kernels.ConstantOfShape.TryFold(inputs[0].Value, node.Attributes.TryGetValue("value", out var v) ? v.Tensor : null,
                Bytes(inputs[0].Value) + MaxGrowthBytes) is { } result)
        {
            rewriter.Remove(node);
            rewriter.SetConstant(filled, result, owned: true);
            return true;
        }
        var outputs = ConstantEvaluator.TryRun(rewriter.Model, node, inputs);
        long inBytes = 0, outBytes = 0;
        foreach (var i in inputs) inBytes += Bytes(i.Value); // loops, not Sum over tuples: that instantiation is JIT-compiled at every start
        if (outputs is not null) foreach (var o in outputs) outBytes += o is null ? 0 : Bytes(o);
        if (outputs is null || outBytes > inBytes + MaxGrowthBytes)
        {
            rewriter.MarkRejected(node, Name); // same constant inputs next sweep: same answer
            return false;
        }
        rewriter.Remove(node);
        for (int k = 0; k < node.Outputs.Count; k++)
            if (node.Outputs[k].Length > 0 && outputs[k] is { } t)
                rewriter.SetConstant(node.Outputs[k], t, owned: true);
        return true;
    }

    private static long Bytes(Tensor t) => (long)t.Length * Math.Max(1, DataTypes.SizeOf(t.Type));
}

/// <summary>Runs one node on constant inputs with its registered kernel.</summary>
internal static class ConstantEvaluator
{
    /// <summary>The node's outputs (null entries for omitted outputs), or null when it has no kernel or fails.</summary>
    public static Tensor?[]? TryRun(Model model, Node node, IReadOnlyList<(string Name, Tensor Value)> inputs)
    {
        long opset = model.OpsetFor(node.Domain) ?? 0;
        if (opset == 0 || KernelRegistry.Find(node.Domain, node.OpType, opset) is null) return null;
        var graph = new Graph { Name = "constant-folding" };
        foreach (var (name, value) in inputs) graph.Initializers[name] = value;
        var copy = new Node(node.OpType, node.Inputs, node.Outputs, node.Domain, node.Name);
        foreach (var (k, v) in node.Attributes) copy.Attributes[k] = v;
        graph.Nodes.Add(copy);
        foreach (var o in node.Outputs)
            if (o.Length > 0) graph.Outputs.Add(new ValueInfo(o));
        var options = new SessionOptions { IntraOpThreads = 1, ValidateInputs = false, OptimizationLevel = OptimizationLevel.None };
        try
        {
            var plan = ExecutionPlan.Compile(graph, model, options, []);
            var frame = new Frame(plan);
            frame.Reset(null);
            frame.Execute(options);
            var result = new Tensor?[node.Outputs.Count];
            for (int k = 0; k < node.Outputs.Count; k++)
                if (node.Outputs[k].Length > 0)
                {
                    var t = frame.Values[plan.SlotOf[node.Outputs[k]]];
                    if (t is null) return null;
                    // Outputs that alias an input (Identity, Reshape) must not share storage with another initializer.
                    // Views (arena memory) must become tensors of their own as well.
                    result[k] = t.Offset != 0 || t.Buffer.Length != t.Length || inputs.Any(i => ReferenceEquals(i.Value.Buffer, t.Buffer)) ? t.Clone() : t;
                }
            return result;
        }
        catch (Exception e) when (e is PinholeException or ArgumentException or InvalidOperationException or NotSupportedException
            or IndexOutOfRangeException or InvalidCastException or OverflowException or NullReferenceException or DivideByZeroException)
        {
            return null; // not foldable (the session reports the problem when it runs the node)
        }
    }
}
