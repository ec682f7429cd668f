using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Shapes of a graph's values known without running it: from initializers, the graph's input / value_info / output
/// declarations, and a small propagation through common ops. A dimension is null when unknown (symbolic); a whole
/// shape is null when even the rank is unknown. Results are cached until the next edit of the graph.
/// </summary>
internal sealed class StaticShapes
{
    private readonly GraphRewriter _r;
    private readonly Dictionary<string, long?[]?> _cache = new(StringComparer.Ordinal);
    private Dictionary<string, TypeInfo>? _declared;
    private int _depth;

    public StaticShapes(GraphRewriter rewriter) => _r = rewriter;

    /// <summary>Forgets what was inferred (after edits: folded constants make more known).</summary>
    public void Reset()
    {
        if (_cache.Count > 0) _cache.Clear();
        if (_values.Count > 0) _values.Clear();
    }

    /// <summary>The shape of <paramref name="value"/>, with null for unknown dimensions; null when the rank is unknown.</summary>
    public long?[]? Of(string value)
    {
        if (value.Length == 0) return null;
        if (_cache.TryGetValue(value, out var cached)) return cached;
        if (_depth > 2000) return null; // very deep chains: give up rather than risk the stack
        _depth++;
        long?[]? shape;
        try
        {
            shape = Merge(Declared(value), Infer(value));
        }
        finally
        {
            _depth--;
        }
        _cache[value] = shape;
        return shape;
    }

    private readonly Dictionary<string, ShapeValue?> _values = new(StringComparer.Ordinal);

    /// <summary>
    /// The contents of a small integer tensor (rank 0 or 1, int32/int64) computed from shapes — Shape, then Cast,
    /// Gather, Slice, Concat, Unsqueeze, Squeeze, ReduceProd/ReduceSum, Identity — with null for elements that depend on
    /// unknown dimensions; null when not such a value.
    /// </summary>
    public ShapeValue? ValueOf(string value)
    {
        if (value.Length == 0) return null;
        if (_values.TryGetValue(value, out var cached)) return cached;
        if (_depth > 2000) return null;
        _depth++;
        ShapeValue? v;
        try
        {
            v = EvaluateValue(value);
        }
        finally
        {
            _depth--;
        }
        _values[value] = v;
        return v;
    }

    private ShapeValue? EvaluateValue(string value)
    {
        if (_r.Constant(value) is { } c)
            return c is { Type: DataType.Int64 or DataType.Int32, Rank: <= 1, Length: <= 64 }
                ? new ShapeValue(ShapeArrays.Nullable(c.ToInt64Array()), c.Rank == 0, c.Type)
                : null;
        var n = _r.Producer(value);
        if (n is null || n.Domain.Length != 0 || n.Outputs[0] != value) return null;
        long Int(string name, long def) => n.Attributes.TryGetValue(name, out var a) ? a.Int : def;
        switch (n.OpType)
        {
            case "Shape":
                {
                    if (Of(n.Inputs[0]) is not { } x) return null;
                    var (start, end) = ShapeRange(n, x.Length);
                    return new ShapeValue(end > start ? x[start..end] : [], false, DataType.Int64);
                }
            case "Identity": return ValueOf(n.Inputs[0]);
            case "Cast":
                {
                    long to = Int("to", 0);
                    if (to is not ((long)DataType.Int64 or (long)DataType.Int32) || ValueOf(n.Inputs[0]) is not { } x) return null;
                    return x with { Type = (DataType)to };
                }
            case "Gather":
                {
                    if (n.Inputs.Count != 2 || Int("axis", 0) is not (0 or -1) || ValueOf(n.Inputs[0]) is not { Scalar: false } x) return null;
                    if (_r.Constant(n.Inputs[1]) is not { Rank: <= 1 } idx) return null;
                    var r = new long?[idx.Length];
                    for (int i = 0; i < idx.Length; i++)
                    {
                        long k = idx.GetInt64(i);
                        if (k < 0) k += x.Values.Length;
                        if (k < 0 || k >= x.Values.Length) return null;
                        r[i] = x.Values[k];
                    }
                    return new ShapeValue(r, idx.Rank == 0, x.Type);
                }
            case "Slice":
                {
                    if (n.Inputs.Count < 3 || ValueOf(n.Inputs[0]) is not { Scalar: false } x) return null;
                    if (_r.Constant(n.Inputs[1]) is not { Length: 1 } st || _r.Constant(n.Inputs[2]) is not { Length: 1 } en) return null;
                    if (n.Inputs.Count > 3 && n.Inputs[3].Length > 0
                        && (_r.Constant(n.Inputs[3]) is not { Length: 1 } ax || ax.GetInt64(0) is not (0 or -1))) return null;
                    if (n.Inputs.Count > 4 && n.Inputs[4].Length > 0 && (_r.Constant(n.Inputs[4]) is not { Length: 1 } sp || sp.GetInt64(0) != 1)) return null;
                    long len = x.Values.Length, start = st.GetInt64(0), end = en.GetInt64(0);
                    if (start < 0) start += len;
                    if (end < 0) end += len;
                    start = Math.Clamp(start, 0, len);
                    end = Math.Clamp(end, 0, len);
                    return new ShapeValue(end > start ? x.Values[(int)start..(int)end] : [], false, x.Type);
                }
            case "Concat":
                {
                    // Arrays and loops, not a List<long?>: collections over long? are JIT-compiled at every start.
                    var parts = new ShapeValue[n.Inputs.Count];
                    int total = 0;
                    DataType? type = null;
                    for (int k = 0; k < parts.Length; k++)
                    {
                        if (ValueOf(n.Inputs[k]) is not { Scalar: false } x || (type is { } t && t != x.Type)) return null;
                        type = x.Type;
                        parts[k] = x;
                        total += x.Values.Length;
                    }
                    if (type is null) return null;
                    var joined = new long?[total];
                    int at = 0;
                    foreach (var part in parts)
                        for (int j = 0; j < part.Values.Length; j++) joined[at++] = part.Values[j];
                    return new ShapeValue(joined, false, type.Value);
                }
            case "Unsqueeze":
                {
                    if (ValueOf(n.Inputs[0]) is not { Scalar: true } x) return null;
                    var axes = Axes(n, 1);
                    return axes is [0] or [-1] ? x with { Scalar = false } : null;
                }
            case "Squeeze":
                {
                    if (ValueOf(n.Inputs[0]) is not { Scalar: false, Values.Length: 1 } x) return null;
                    var axes = Axes(n, 1);
                    return axes is null or [0] or [-1] ? x with { Scalar = true } : null;
                }
            case "ReduceProd" or "ReduceSum":
                {
                    if (ValueOf(n.Inputs[0]) is not { Scalar: false } x) return null;
                    long? acc = n.OpType == "ReduceProd" ? 1 : 0;
                    foreach (var d in x.Values) acc = d is null || acc is null ? null : n.OpType == "ReduceProd" ? acc * d : acc + d;
                    if (Axes(n, 1) is { Length: > 0 } axes && axes is not ([0] or [-1])) return null;
                    return new ShapeValue([acc], Int("keepdims", 1) == 0, x.Type);
                }
        }
        return null;
    }

    /// <summary>The shape of <paramref name="value"/> when every dimension is known, else null.</summary>
    public long[]? Known(string value) =>
        Of(value) is { } s ? ShapeArrays.AllKnown(s) : null;

    private long?[]? Declared(string value)
    {
        if (_r.Constant(value) is { } c) return ShapeArrays.Nullable(c.Shape);
        if (_declared is null)
        {
            _declared = new Dictionary<string, TypeInfo>(StringComparer.Ordinal);
            foreach (var v in _r.Graph.Inputs.Concat(_r.Graph.ValueInfos).Concat(_r.Graph.Outputs))
                if (v.Type is not null) _declared.TryAdd(v.Name, v.Type);
        }
        return _declared.TryGetValue(value, out var t) && t is TensorTypeInfo { Shape: { } dims }
            ? DeclaredDims(dims)
            : null;
    }

    /// <summary>Declared dimensions, null where symbolic, unknown or negative.</summary>
    private static long?[] DeclaredDims(Dim[] dims)
    {
        var result = new long?[dims.Length];
        for (int i = 0; i < result.Length; i++) result[i] = dims[i].Value is long v && v >= 0 ? v : null;
        return result;
    }

    private static long?[]? Merge(long?[]? a, long?[]? b)
    {
        if (a is null) return b;
        if (b is null || b.Length != a.Length) return a;
        var r = new long?[a.Length];
        for (int i = 0; i < a.Length; i++) r[i] = a[i] ?? b[i];
        return r;
    }

    private long?[]? Infer(string value)
    {
        var n = _r.Producer(value);
        if (n is null) return null;
        string op = n.Domain switch
        {
            "" => n.OpType,
            "com.microsoft" => n.OpType switch
            {
                "FusedConv" => "Conv",
                "FusedGemm" => "Gemm",
                "Gelu" or "FastGelu" => "Relu",
                "QLinearAdd" or "QLinearMul" or "QLinearGlobalAveragePool" or "QLinearSigmoid" or "QLinearLeakyRelu" => n.OpType,
                _ => "",
            },
            _ => "",
        };
        bool first = n.Outputs[0] == value;
        if (!first && n.OpType is not ("Dropout" or "Split")) return null;
        switch (op)
        {
            case "Relu" or "Sigmoid" or "Tanh" or "Erf" or "Sqrt" or "Reciprocal" or "Neg" or "Exp" or "Log" or "Abs" or "Cast"
                or "Identity" or "Clip" or "LeakyRelu" or "HardSigmoid" or "HardSwish" or "Softmax" or "LogSoftmax" or "Elu"
                or "Selu" or "Softplus" or "Softsign" or "BatchNormalization" or "LayerNormalization" or "InstanceNormalization"
                or "LRN" or "Not" or "Floor" or "Ceil" or "Round" or "Sign" or "Gelu" or "QuantizeLinear" or "Mish" or "Celu"
                or "ThresholdedRelu" or "Shrink" or "IsNaN" or "IsInf" or "CastLike":
                return Of(n.Inputs[0]);
            case "Dropout":
                return Of(n.Inputs[0]);
            case "DequantizeLinear":
                return n.Inputs.Count > 1 && _r.Constant(n.Inputs[1]) is { Length: 1 } ? Of(n.Inputs[0]) : null;
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Max" or "Min" or "Sum" or "Mean" or "Equal" or "Less" or "Greater"
                or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Xor" or "Where" or "PRelu" or "Mod" or "BitShift":
                {
                    long?[]? acc = null;
                    foreach (var i in n.Inputs)
                    {
                        if (i.Length == 0) continue;
                        var s = Of(i);
                        if (s is null) return null;
                        acc = acc is null ? s : Broadcast(acc, s);
                    }
                    return acc;
                }
            case "MatMul": return MatMul(Of(n.Inputs[0]), Of(n.Inputs[1]));
            // Quantized ops: the data inputs sit between their scales and zero points.
            case "QLinearMatMul": return n.Inputs.Count > 3 ? MatMul(Of(n.Inputs[0]), Of(n.Inputs[3])) : null;
            case "QLinearConv": return n.Inputs.Count > 3 ? Window(n, 3) : null;
            case "QLinearSigmoid" or "QLinearLeakyRelu": return Of(n.Inputs[0]);
            case "QLinearAdd" or "QLinearMul":
                {
                    if (n.Inputs.Count < 4 || Of(n.Inputs[0]) is not { } a || Of(n.Inputs[3]) is not { } b) return null;
                    return Broadcast(a, b);
                }
            case "QLinearGlobalAveragePool": return Int(n, "channels_last", 0) == 0 ? GlobalPool(Of(n.Inputs[0])) : null;
            case "Gemm":
                {
                    var a = Of(n.Inputs[0]);
                    var b = Of(n.Inputs[1]);
                    if (a is not { Length: 2 } || b is not { Length: 2 }) return null;
                    bool ta = Int(n, "transA", 0) != 0, tb = Int(n, "transB", 0) != 0;
                    return [ta ? a[1] : a[0], tb ? b[0] : b[1]];
                }
            case "Conv" or "MaxPool" or "AveragePool" or "LpPool": return Window(n, 1);
            case "GlobalAveragePool" or "GlobalMaxPool" or "GlobalLpPool": return GlobalPool(Of(n.Inputs[0]));
            case "Flatten":
                {
                    var x = Of(n.Inputs[0]);
                    if (x is null) return null;
                    long axis = Int(n, "axis", 1);
                    if (axis < 0) axis += x.Length;
                    if (axis < 0 || axis > x.Length) return null;
                    return [Product(x[..(int)axis]), Product(x[(int)axis..])];
                }
            case "Reshape": return Reshape(n);
            case "Transpose":
                {
                    var x = Of(n.Inputs[0]);
                    if (x is null) return null;
                    // Loops, not LINQ over long and long?: those instantiations are JIT-compiled at every process start.
                    var perm = Ints(n, "perm");
                    if (perm is not null && perm.Length != x.Length) return null;
                    var permuted = new long?[x.Length];
                    for (int i = 0; i < permuted.Length; i++)
                    {
                        long p = perm is null ? x.Length - 1 - i : perm[i];
                        if (p < 0 || p >= x.Length) return null;
                        permuted[i] = x[p];
                    }
                    return permuted;
                }
            case "Unsqueeze":
                {
                    var x = Of(n.Inputs[0]);
                    var axes = Axes(n, 1);
                    if (x is null || axes is null) return null;
                    int rank = x.Length + axes.Length;
                    var norm = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
                    if (norm.Count != axes.Length || norm.Any(a => a < 0 || a >= rank)) return null;
                    var r = new long?[rank];
                    for (int d = 0, k = 0; d < rank; d++) r[d] = norm.Contains(d) ? 1 : x[k++];
                    return r;
                }
            case "Squeeze":
                {
                    var x = Of(n.Inputs[0]);
                    if (x is null) return null;
                    var axes = Axes(n, 1);
                    if (axes is null)
                    {
                        if (n.Inputs.Count > 1 && n.Inputs[1].Length > 0) return null;
                        if (x.Any(d => d is null)) return null;
                        return x.Where(d => d != 1).ToArray();
                    }
                    var norm = axes.Select(a => a < 0 ? a + x.Length : a).ToHashSet();
                    return x.Where((_, d) => !norm.Contains(d)).ToArray();
                }
            case "Concat":
                {
                    long?[]? acc = null;
                    long axis = Int(n, "axis", 0);
                    foreach (var i in n.Inputs)
                    {
                        var s = Of(i);
                        if (s is null) return null;
                        if (acc is null)
                        {
                            if (axis < 0) axis += s.Length;
                            if (axis < 0 || axis >= s.Length) return null;
                            acc = (long?[])s.Clone();
                            continue;
                        }
                        if (s.Length != acc.Length) return null;
                        for (int d = 0; d < acc.Length; d++)
                            acc[d] = d == axis ? acc[d] + s[d] : acc[d] ?? s[d];
                    }
                    return acc;
                }
            case "Shape":
                {
                    var x = Of(n.Inputs[0]);
                    if (x is null) return null;
                    var (start, end) = ShapeRange(n, x.Length);
                    return [Math.Max(0, end - start)];
                }
            case "Size": return [];
            case "Gather":
                {
                    var x = Of(n.Inputs[0]);
                    var idx = Of(n.Inputs[1]);
                    if (x is null || idx is null) return null;
                    long axis = Int(n, "axis", 0);
                    if (axis < 0) axis += x.Length;
                    if (axis < 0 || axis >= x.Length) return null;
                    return [.. x[..(int)axis], .. idx, .. x[((int)axis + 1)..]];
                }
            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL2" or "ReduceL1"
                or "ReduceSumSquare" or "ReduceLogSumExp" or "ReduceLogSum" or "ArgMax" or "ArgMin":
                {
                    var x = Of(n.Inputs[0]);
                    if (x is null) return null;
                    bool keep = Int(n, "keepdims", 1) != 0;
                    long[]? axes;
                    if (n.OpType is "ArgMax" or "ArgMin") axes = [Int(n, "axis", 0)];
                    else
                    {
                        axes = Axes(n, 1);
                        if (axes is null && n.Inputs.Count > 1 && n.Inputs[1].Length > 0) return null;
                    }
                    if (axes is null || axes.Length == 0)
                    {
                        if (Int(n, "noop_with_empty_axes", 0) != 0) return x;
                        axes = Enumerable.Range(0, x.Length).Select(i => (long)i).ToArray();
                    }
                    var norm = axes.Select(a => a < 0 ? a + x.Length : a).ToHashSet();
                    return keep ? x.Select((d, i) => norm.Contains(i) ? 1 : d).ToArray() : x.Where((_, i) => !norm.Contains(i)).ToArray();
                }
        }
        return null;
    }

    /// <summary>The [start, end) range of dimensions a Shape node reports (opset 15 attributes), clamped to the rank.</summary>
    public static (int Start, int End) ShapeRange(Node shapeNode, int rank)
    {
        long start = Int(shapeNode, "start", 0), end = Int(shapeNode, "end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        return ((int)Math.Clamp(start, 0, rank), (int)Math.Clamp(end, 0, rank));
    }

    private static long? Product(IEnumerable<long?> dims)
    {
        long p = 1;
        foreach (var d in dims)
        {
            if (d is not { } v) return null;
            p *= v;
        }
        return p;
    }

    private static long?[] Broadcast(long?[] a, long?[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new long?[rank];
        for (int i = 0; i < rank; i++)
        {
            long? x = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            long? y = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            r[i] = x == 1 ? y : y == 1 ? x : x ?? y;
        }
        return r;
    }

    private static long?[]? MatMul(long?[]? a, long?[]? b)
    {
        if (a is null || b is null || a.Length == 0 || b.Length == 0) return null;
        if (a.Length == 1 && b.Length == 1) return [];
        if (a.Length == 1) return [.. b[..^2], b[^1]];
        if (b.Length == 1) return a[..^1];
        var batch = Broadcast(a[..^2], b[..^2]);
        return [.. batch, a[^2], b[^1]];
    }

    /// <summary>A global pooling's output: the batch and channels of <paramref name="x"/>, every spatial extent 1.</summary>
    private static long?[]? GlobalPool(long?[]? x)
    {
        if (x is null || x.Length < 2) return null;
        var r = new long?[x.Length];
        r[0] = x[0];
        r[1] = x[1];
        for (int d = 2; d < r.Length; d++) r[d] = 1;
        return r;
    }

    /// <param name="weightInput">Where a convolution's weights are (1; 3 for QLinearConv).</param>
    private long?[]? Window(Node n, int weightInput)
    {
        var x = Of(n.Inputs[0]);
        if (x is null || x.Length < 3) return null;
        int r = x.Length - 2;
        long?[] kernel;
        long? channels = x[1];
        if (n.OpType is "Conv" or "FusedConv" or "QLinearConv")
        {
            var w = Of(n.Inputs[weightInput]);
            if (w is null || w.Length != x.Length) return null;
            channels = w[0];
            kernel = Ints(n, "kernel_shape") is { } ks ? ShapeArrays.Nullable(ks) : w[2..];
        }
        else
        {
            if (Ints(n, "kernel_shape") is not { } ks) return null;
            kernel = ShapeArrays.Nullable(ks);
            if (n.Outputs.Count > 1 && n.Outputs[1].Length > 0 && Int(n, "storage_order", 0) != 0) return null;
        }
        if (kernel.Length != r) return null;
        var strides = Ints(n, "strides") ?? ShapeArrays.Repeat(1L, r);
        var dil = Ints(n, "dilations") ?? ShapeArrays.Repeat(1L, r);
        var pads = Ints(n, "pads") ?? new long[2 * r];
        string autoPad = n.Attributes.TryGetValue("auto_pad", out var ap) ? ap.String : "NOTSET";
        bool ceil = Int(n, "ceil_mode", 0) != 0;
        if (strides.Length != r || dil.Length != r || pads.Length != 2 * r) return null;
        var result = new long?[x.Length];
        result[0] = x[0];
        result[1] = channels;
        for (int d = 0; d < r; d++)
        {
            if (x[d + 2] is not { } input || kernel[d] is not { } k) continue;
            long ek = ((k - 1) * dil[d]) + 1;
            result[d + 2] = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => (input + strides[d] - 1) / strides[d],
                "VALID" => ((input - ek) / strides[d]) + 1,
                _ when ceil => (long)Math.Ceiling((input + pads[d] + pads[d + r] - ek) / (double)strides[d]) + 1,
                _ => ((input + pads[d] + pads[d + r] - ek) / strides[d]) + 1,
            };
            if (ceil && autoPad is "NOTSET" && (result[d + 2] - 1) * strides[d] >= input + pads[d]) result[d + 2]--;
        }
        return result;
    }

    private long?[]? Reshape(Node n)
    {
        var x = Of(n.Inputs[0]);
        if (n.Inputs.Count < 2 || _r.Constant(n.Inputs[1]) is not { } st) return null;
        var target = st.ToInt64Array();
        bool allowZero = Int(n, "allowzero", 0) != 0;
        var r = new long?[target.Length];
        int minusOne = -1;
        for (int i = 0; i < target.Length; i++)
        {
            if (target[i] == 0 && !allowZero) r[i] = x is not null && i < x.Length ? x[i] : null;
            else if (target[i] == -1) minusOne = i;
            else r[i] = target[i];
        }
        if (minusOne >= 0 && x is not null && Product(x) is { } total && Product(r.Where((_, i) => i != minusOne)) is { } rest && rest != 0)
            r[minusOne] = total / rest;
        return r;
    }

    private long[]? Axes(Node n, int inputIndex)
    {
        if (n.Attributes.TryGetValue("axes", out var a)) return a.Ints;
        if (n.Inputs.Count > inputIndex && n.Inputs[inputIndex].Length > 0)
            return _r.Constant(n.Inputs[inputIndex])?.ToInt64Array();
        return null;
    }

    private static long Int(Node n, string name, long def) => n.Attributes.TryGetValue(name, out var a) ? a.Int : def;

    private static long[]? Ints(Node n, string name) => n.Attributes.TryGetValue(name, out var a) ? a.Ints : null;
}

/// <summary>A small integer tensor derived from shapes: its elements (null where unknown), whether it is a scalar, its type.</summary>
internal sealed record ShapeValue(long?[] Values, bool Scalar, DataType Type)
{
    public bool IsKnown => Values.All(v => v.HasValue);

    /// <summary>The value as a tensor (every element must be known).</summary>
    public Tensor ToTensor()
    {
        var v = ShapeArrays.AllKnown(Values) ?? throw new InvalidOperationException("the value has unknown elements");
        int[] shape = Scalar ? [] : [v.Length];
        return Type == DataType.Int32 ? Tensor.FromArray(v.Select(x => (int)x).ToArray(), shape) : Tensor.FromArray(v, shape);
    }
}
