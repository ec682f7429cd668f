using Pinhole.IR;

namespace Pinhole.Tools.Devices;

/// <summary>Kinds of ops with their own roofline efficiency (devices/efficiency.json).</summary>
public enum OpKind
{
    Conv,
    Depthwise,
    Gemm,
    Pool,
    Elementwise,
    Normalization,
    Movement,

    /// <summary>Costs no data movement: views (Reshape, Flatten, Squeeze...), shape queries, constants.</summary>
    Free,
    Other,
}

/// <summary>Which <see cref="OpKind"/> a node is.</summary>
public static class OpKinds
{
    private static readonly HashSet<string> s_free = new(StringComparer.Ordinal)
    {
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Shape", "Size", "Constant", "ConstantOfShape",
    };

    private static readonly HashSet<string> s_movement = new(StringComparer.Ordinal)
    {
        "Concat", "Transpose", "Slice", "Split", "Gather", "Pad", "Resize", "Upsample", "Tile", "Expand", "DepthToSpace",
        "SpaceToDepth", "QLinearConcat", "Cast", "QuantizeLinear", "DequantizeLinear",
    };

    private static readonly HashSet<string> s_pool = new(StringComparer.Ordinal)
    {
        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool", "QLinearGlobalAveragePool", "QLinearAveragePool",
    };

    private static readonly HashSet<string> s_normalization = new(StringComparer.Ordinal)
    {
        "BatchNormalization", "LayerNormalization", "InstanceNormalization", "LRN", "Softmax", "LogSoftmax", "ReduceMean", "ReduceSum",
        "ReduceMax", "SkipLayerNormalization", "QLinearSoftmax",
    };

    private static readonly HashSet<string> s_elementwise = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Gelu",
        "FastGelu", "Exp", "Sqrt", "Pow", "Max", "Min", "Sum", "Neg", "Abs", "PRelu", "Elu", "Selu", "Softplus", "Where", "Equal",
        "QLinearAdd", "QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu", "Reciprocal", "Mean",
    };

    /// <summary>The kind of <paramref name="n"/>; a Conv is depthwise when its group equals <paramref name="inputChannels"/>.</summary>
    public static OpKind Of(Node n, long? inputChannels)
    {
        ArgumentNullException.ThrowIfNull(n);
        switch (n.OpType)
        {
            case "Conv" or "ConvTranspose" or "FusedConv" or "QLinearConv" or "ConvInteger":
                long group = n.Attributes.TryGetValue("group", out var g) ? g.Int : 1;
                return group > 1 && inputChannels == group ? OpKind.Depthwise : OpKind.Conv;
            case "Gemm" or "MatMul" or "FusedGemm" or "QLinearMatMul" or "MatMulInteger" or "QGemm" or "FusedMatMul":
                return OpKind.Gemm;
        }
        if (s_free.Contains(n.OpType)) return OpKind.Free;
        if (s_movement.Contains(n.OpType)) return OpKind.Movement;
        if (s_pool.Contains(n.OpType)) return OpKind.Pool;
        if (s_normalization.Contains(n.OpType)) return OpKind.Normalization;
        return s_elementwise.Contains(n.OpType) ? OpKind.Elementwise : OpKind.Other;
    }

    /// <summary>Activations and per-channel affine ops that backends fuse into a producing Conv/Gemm.</summary>
    public static bool IsFusable(Node n) =>
        n.Domain.Length == 0 && n.OpType is "Relu" or "Clip" or "LeakyRelu" or "Sigmoid" or "HardSigmoid" or "HardSwish"
            or "BatchNormalization" or "Add" or "Mul" or "Tanh";
}
