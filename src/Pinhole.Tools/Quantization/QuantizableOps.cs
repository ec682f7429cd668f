using Pinhole.IR;

namespace Pinhole.Tools.Quantization;

/// <summary>How a quantized node treats its tensors.</summary>
internal enum UnitKind
{
    /// <summary>Conv, Gemm, MatMul: an activation, constant weights (per channel), an int32 bias.</summary>
    Compute,

    /// <summary>Add, Mul, and MatMul of two activations: every float input quantized, parameters of their own.</summary>
    Elementwise,

    /// <summary>Concat: the inputs and output share one set of parameters, so concatenation only copies.</summary>
    Concat,

    /// <summary>Ops that only move or select values (MaxPool, Reshape, Transpose...): the output keeps the input's parameters.</summary>
    SameAsInput,

    /// <summary>One activation in, one out, each with its own parameters (AveragePool, GlobalAveragePool, Sigmoid, LeakyRelu).</summary>
    Unary,

    /// <summary>Relu and Clip: removed when the output's parameters already saturate at the clip bounds.</summary>
    Clamp,
}

/// <summary>A node to quantize: which inputs are activations, which input holds the weights (and their channel axis), which the bias.</summary>
internal sealed record QuantizedUnit(Node Node, UnitKind Kind, int[] ActivationInputs, int WeightInput = -1, int WeightAxis = 0, int BiasInput = -1);

/// <summary>The ops the quantizer rewrites to QDQ form and how: the ones Pinhole's runtime (and ONNX Runtime) fuse into integer kernels.</summary>
internal static class QuantizableOps
{
    /// <summary>The unit for <paramref name="node"/>, or null (with the reason) when it stays in float.</summary>
    public static QuantizedUnit? Classify(Node node, Graph graph, Func<string, bool> isFloat, out string? reason)
    {
        reason = null;
        if (node.Domain.Length != 0) { reason = $"domain {node.Domain}"; return null; }
        bool Constant(int i) => i < node.Inputs.Count && graph.Initializers.ContainsKey(node.Inputs[i]);
        bool FloatInput(int i) => i < node.Inputs.Count && node.Inputs[i].Length > 0 && isFloat(node.Inputs[i]);
        switch (node.OpType)
        {
            case "Conv" when FloatInput(0) && Constant(1) && FloatInput(1):
                return new QuantizedUnit(node, UnitKind.Compute, [0], 1, 0, BiasIndex(node, graph, 2));
            case "Gemm" when FloatInput(0) && Constant(1) && FloatInput(1) && graph.Initializers[node.Inputs[1]].Rank == 2:
                {
                    bool transB = node.Attributes.TryGetValue("transB", out var tb) && tb.Int != 0;
                    bool transA = node.Attributes.TryGetValue("transA", out var ta) && ta.Int != 0;
                    float beta = node.Attributes.TryGetValue("beta", out var b) ? b.Float : 1f;
                    float alpha = node.Attributes.TryGetValue("alpha", out var a) ? a.Float : 1f;
                    if (transA || alpha != 1f) { reason = "Gemm with transA or alpha != 1"; return null; }
                    int bias = beta == 1f ? BiasIndex(node, graph, 2) : -1;
                    if (bias < 0 && node.Inputs.Count > 2 && node.Inputs[2].Length > 0) { reason = "Gemm whose C is not a per-column constant bias"; return null; }
                    return new QuantizedUnit(node, UnitKind.Compute, [0], 1, transB ? 0 : 1, bias);
                }
            case "MatMul" when FloatInput(0) && Constant(1) && FloatInput(1) && graph.Initializers[node.Inputs[1]].Rank == 2:
                return new QuantizedUnit(node, UnitKind.Compute, [0], 1, 1);
            case "MatMul" when FloatInput(0) && FloatInput(1) && !Constant(1):
            case "Add" or "Mul" when FloatInput(0) && FloatInput(1):
                return new QuantizedUnit(node, UnitKind.Elementwise, [0, 1]);
            case "Concat" when Enumerable.Range(0, node.Inputs.Count).All(FloatInput):
                return new QuantizedUnit(node, UnitKind.Concat, [.. Enumerable.Range(0, node.Inputs.Count)]);
            case "MaxPool" when node.Outputs.Count == 1 && FloatInput(0):
            case "Reshape" or "Flatten" or "Transpose" or "Squeeze" or "Unsqueeze" when FloatInput(0) && !Constant(0):
                return new QuantizedUnit(node, UnitKind.SameAsInput, [0]);
            case "AveragePool" or "GlobalAveragePool" or "Sigmoid" or "LeakyRelu" when FloatInput(0):
                return new QuantizedUnit(node, UnitKind.Unary, [0]);
            case "Relu" when FloatInput(0):
            case "Clip" when FloatInput(0) && Enumerable.Range(1, node.Inputs.Count - 1).All(i => node.Inputs[i].Length == 0 || Constant(i)):
                return new QuantizedUnit(node, UnitKind.Clamp, [0]);
            default:
                reason = "no integer kernel for this op";
                return null;
        }
    }

    /// <summary>The bias input's index when it is a float constant vector (of any length: checked against the weights later), else -1.</summary>
    private static int BiasIndex(Node node, Graph graph, int index) =>
        index < node.Inputs.Count && graph.Initializers.TryGetValue(node.Inputs[index], out var b) && b.Type == DataType.Float
            && (b.Rank == 1 || b.Rank == 2 && b.Shape[0] == 1) ? index : -1;

    /// <summary>The bounds a Relu or Clip clamps to.</summary>
    public static (double Low, double High) ClampBounds(Node node, Graph graph)
    {
        if (node.OpType == "Relu") return (0, double.PositiveInfinity);
        double low = double.NegativeInfinity, high = double.PositiveInfinity;
        if (node.Inputs.Count > 1 && graph.Initializers.TryGetValue(node.Inputs[1], out var min)) low = min.GetDouble(0);
        if (node.Inputs.Count > 2 && graph.Initializers.TryGetValue(node.Inputs[2], out var max)) high = max.GetDouble(0);
        return (low, high);
    }
}
