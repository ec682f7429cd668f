using Pinhole.IR;

namespace Pinhole.Tools;

/// <summary>
/// Shape inference from declarations and attributes, without running anything, for a set of common ops
/// (elementwise and activations, broadcasting binaries, Conv/QLinearConv/ConvInteger/FusedConv, pools, Gemm, MatMul
/// and their quantized forms, Flatten, Reshape with a constant shape, Transpose, Concat, Shape). Values produced by
/// other ops stay unknown, and so do values after them. Main graph only; symbolic input dimensions are set as in
/// <see cref="ShapeInferenceOptions"/>. Used by the inspector when running the model is not possible.
/// </summary>
public sealed class StaticShapeInference(ShapeInferenceOptions? options = null) : IShapeInference
{
    private readonly ShapeInferenceOptions _options = options ?? new ShapeInferenceOptions();

    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Elu", "Selu", "Celu", "Gelu", "Mish",
        "Softplus", "Softsign", "Clip", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round",
        "Sin", "Cos", "Not", "Sign", "Identity", "Dropout", "BatchNormalization", "InstanceNormalization",
        "LayerNormalization", "LRN", "Softmax", "LogSoftmax", "Hardmax", "QuantizeLinear", "DequantizeLinear", "Cast",
        "DynamicQuantizeLinear", "QLinearLeakyRelu", "QLinearSigmoid", "QLinearSoftmax",
    };

    private static readonly HashSet<string> Binary = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Mod", "And", "Or", "Xor", "Equal", "Less",
        "Greater", "LessOrEqual", "GreaterOrEqual", "BitShift",
    };

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, TensorTypeInfo> Infer(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = model.Graph;
        var types = new Dictionary<string, TensorTypeInfo>(StringComparer.Ordinal);
        foreach (var i in g.Inputs)
        {
            if (_options.InputShapes.TryGetValue(i.Name, out var given))
                types[i.Name] = new TensorTypeInfo((i.Type as TensorTypeInfo)?.ElementType ?? DataType.Float, given.Select(d => Dim.Known(d)).ToArray());
            else if (i.Type is TensorTypeInfo t)
                types[i.Name] = t with { Shape = t.Shape?.Select(Concrete).ToArray() };
        }
        foreach (var (name, t) in g.Initializers) types[name] = new TensorTypeInfo(t.Type, t.Shape.Select(d => Dim.Known(d)).ToArray());
        foreach (var v in g.ValueInfos)
            if (v.Type is TensorTypeInfo t && t.Shape is not null && t.Shape.All(d => d.IsKnown)) types.TryAdd(v.Name, t);

        var constants = new Dictionary<string, Tensor>(g.Initializers, StringComparer.Ordinal);
        foreach (var n in g.Nodes)
        {
            if (n.OpType == "Constant" && n.Domain.Length == 0 && n.Attributes.TryGetValue("value", out var a) && a.Tensor is { } c && n.Outputs.Count > 0)
            {
                constants[n.Outputs[0]] = c;
                types[n.Outputs[0]] = new TensorTypeInfo(c.Type, c.Shape.Select(d => Dim.Known(d)).ToArray());
                continue;
            }
            if (n.Outputs.Count == 0 || n.Outputs[0].Length == 0 || types.ContainsKey(n.Outputs[0])) continue;
            Dim[]? In(int i) => i < n.Inputs.Count && types.TryGetValue(n.Inputs[i], out var t) ? t.Shape : null;
            DataType TypeIn(int i) => i < n.Inputs.Count && types.TryGetValue(n.Inputs[i], out var t) ? t.ElementType : DataType.Undefined;
            Dim[]? shape;
            DataType type = TypeIn(0);
            try
            {
                shape = InferNode(n, In, constants, ref type);
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException or InvalidOperationException)
            {
                shape = null;
            }
            if (shape is not null) types[n.Outputs[0]] = new TensorTypeInfo(type, shape);
        }
        return types;
    }

    private Dim Concrete(Dim d) =>
        d.IsKnown ? d : Dim.Known(d.Param is { } p && _options.SymbolValues.TryGetValue(p, out int v) ? v : _options.DefaultSymbolValue);

    private static Dim[]? InferNode(Node n, Func<int, Dim[]?> input, Dictionary<string, Tensor> constants, ref DataType type)
    {
        bool ms = n.Domain == "com.microsoft";
        if (n.Domain.Length != 0 && !ms) return null;
        long Int(string name, long fallback) => n.Attributes.TryGetValue(name, out var a) ? a.Int : fallback;
        long[]? Ints(string name) => n.Attributes.TryGetValue(name, out var a) ? a.Ints : null;

        switch (n.OpType)
        {
            case var op when SameShape.Contains(op):
                if (op == "DequantizeLinear") type = DataType.Float;
                if (op == "QuantizeLinear") type = n.Inputs.Count > 2 && n.Inputs[2].Length > 0 && constants.TryGetValue(n.Inputs[2], out var zp) ? zp.Type : DataType.UInt8;
                if (op == "Cast") type = (DataType)Int("to", (long)type);
                return input(0);
            case var op when Binary.Contains(op):
                {
                    if (op is "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual") type = DataType.Bool;
                    Dim[]? result = [];
                    for (int i = 0; i < n.Inputs.Count && result is not null; i++) result = Broadcast(result, input(i));
                    return result;
                }
            case "QLinearAdd" or "QLinearMul" when ms:
                return Broadcast(input(0), input(3));
            case "Conv" or "ConvInteger" or "FusedConv" or "QLinearConv":
                {
                    int w = n.OpType == "QLinearConv" ? 3 : 1;
                    if (n.OpType == "ConvInteger") type = DataType.Int32;
                    return ConvLike(input(0), input(w)?[0], input(w)?[2..], n, Ints, Int);
                }
            case "MaxPool" or "AveragePool" or "LpPool" or "QLinearAveragePool":
                {
                    var k = Ints("kernel_shape");
                    return k is null ? null : ConvLike(input(0), input(0)?[1], k.Select(Dim.Known).ToArray(), n, Ints, Int);
                }
            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool":
            case "QLinearGlobalAveragePool" when ms:
                {
                    var x = input(0);
                    if (x is null || x.Length < 3) return null;
                    bool channelsLast = Int("channels_last", 0) != 0;
                    var y = x.ToArray();
                    for (int d = channelsLast ? 1 : 2; d < (channelsLast ? x.Length - 1 : x.Length); d++) y[d] = Dim.Known(1);
                    return y;
                }
            case "Gemm" or "FusedGemm":
                {
                    var a = input(0);
                    var b = input(1);
                    if (a is not { Length: 2 } || b is not { Length: 2 }) return null;
                    return [Int("transA", 0) != 0 ? a[1] : a[0], Int("transB", 0) != 0 ? b[0] : b[1]];
                }
            case "MatMul" or "MatMulInteger" or "QLinearMatMul":
                {
                    if (n.OpType == "MatMulInteger") type = DataType.Int32;
                    if (n.OpType == "QLinearMatMul") type = n.Inputs.Count > 7 && constants.TryGetValue(n.Inputs[7], out var yz) ? yz.Type : DataType.UInt8;
                    return MatMul(input(0), input(n.OpType == "QLinearMatMul" ? 3 : 1));
                }
            case "Flatten":
                {
                    var x = input(0);
                    if (x is null) return null;
                    long axis = Int("axis", 1);
                    if (axis < 0) axis += x.Length;
                    return [Product(x[..(int)axis]), Product(x[(int)axis..])];
                }
            case "Reshape":
                {
                    var x = input(0);
                    if (x is null || n.Inputs.Count < 2 || !constants.TryGetValue(n.Inputs[1], out var s)) return null;
                    var target = s.ToInt64Array();
                    bool allowZero = Int("allowzero", 0) != 0;
                    var y = new Dim[target.Length];
                    int infer = -1;
                    for (int d = 0; d < target.Length; d++)
                    {
                        if (target[d] == -1) infer = d;
                        else y[d] = target[d] == 0 && !allowZero ? x[d] : Dim.Known(target[d]);
                    }
                    if (infer >= 0)
                    {
                        var total = Product(x).Value;
                        var rest = Product(y.Where((_, d) => d != infer).ToArray()).Value;
                        y[infer] = total is long t && rest is long r && r != 0 ? Dim.Known(t / r) : Dim.Unknown;
                    }
                    return y;
                }
            case "Transpose":
                {
                    var x = input(0);
                    if (x is null) return null;
                    var perm = Ints("perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
                    return perm.Select(p => x[p]).ToArray();
                }
            case "Concat":
                {
                    var first = input(0);
                    if (first is null) return null;
                    long axis = Int("axis", 0);
                    if (axis < 0) axis += first.Length;
                    var y = first.ToArray();
                    long sum = 0;
                    for (int i = 0; i < n.Inputs.Count; i++)
                    {
                        if (input(i)?[axis].Value is not long v) return null;
                        sum += v;
                    }
                    y[axis] = Dim.Known(sum);
                    return y;
                }
            case "Shape":
                type = DataType.Int64;
                return input(0) is { } xs ? [Dim.Known(xs.Length)] : null;
            default:
                return null;
        }
    }

    private static Dim[]? ConvLike(Dim[]? x, Dim? channels, Dim[]? kernel, Node n, Func<string, long[]?> ints, Func<string, long, long> @int)
    {
        if (x is null || channels is null || kernel is null || x.Length < 3 || kernel.Length != x.Length - 2) return null;
        int spatial = x.Length - 2;
        var strides = ints("strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var dilations = ints("dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var pads = ints("pads") ?? new long[2 * spatial];
        string autoPad = n.Attributes.TryGetValue("auto_pad", out var ap) ? ap.String : "NOTSET";
        bool ceil = @int("ceil_mode", 0) != 0;
        var y = new Dim[x.Length];
        y[0] = x[0];
        y[1] = channels.Value;
        for (int d = 0; d < spatial; d++)
        {
            if (x[d + 2].Value is not long size || kernel[d].Value is not long k) return null;
            long effective = (k - 1) * dilations[d] + 1;
            long o = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => (size + strides[d] - 1) / strides[d],
                "VALID" => (size - effective) / strides[d] + 1,
                _ => ceil
                    ? (size + pads[d] + pads[d + spatial] - effective + strides[d] - 1) / strides[d] + 1
                    : (size + pads[d] + pads[d + spatial] - effective) / strides[d] + 1,
            };
            y[d + 2] = Dim.Known(o);
        }
        return y;
    }

    private static Dim[]? MatMul(Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null || a.Length == 0 || b.Length == 0) return null;
        var a2 = a.Length == 1 ? [Dim.Known(1), a[0]] : a;
        var b2 = b.Length == 1 ? [b[0], Dim.Known(1)] : b;
        var batch = Broadcast(a2[..^2], b2[..^2]);
        if (batch is null) return null;
        var y = new List<Dim>(batch);
        if (a.Length > 1) y.Add(a2[^2]);
        if (b.Length > 1) y.Add(b2[^1]);
        return [.. y];
    }

    private static Dim[]? Broadcast(Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null) return null;
        int rank = Math.Max(a.Length, b.Length);
        var y = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? Dim.Known(1) : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? Dim.Known(1) : b[i - (rank - b.Length)];
            y[i] = da.Value == 1 ? db : db.Value == 1 ? da : da.IsKnown ? da : db;
        }
        return y;
    }

    private static Dim Product(Dim[] dims) =>
        ShapeText.Product(dims) is long p ? Dim.Known(p) : Dim.Unknown;
}
