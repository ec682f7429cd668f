using Pinhole.IR;

namespace Pinhole.Tools.Quantization;

/// <summary>
/// Rewrites a float graph into QDQ form for chosen units and parameters: constant weights become int8 initializers read
/// through DequantizeLinear (per channel with an axis), biases int32 with scale input scale × weight scale, each quantized
/// activation gets one QuantizeLinear after its producer and a DequantizeLinear of its own for each reader (the pattern
/// that ONNX Runtime's and Pinhole's QDQ fusions match one node at a time). Readers outside the quantized units keep the
/// float tensor, unless its producer is quantized (then the integer kernel's result is all there is).
/// </summary>
internal sealed class QdqWriter
{
    private readonly Graph _graph;
    private readonly Dictionary<Node, QuantizedUnit> _units;
    private readonly Dictionary<string, QuantizationParameters> _parameters;
    private readonly QuantizationOptions _options;
    private readonly HashSet<string> _names;
    private readonly Dictionary<Node, List<Node>> _before = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Node, List<Node>> _after = new(ReferenceEqualityComparer.Instance);
    private readonly List<Node> _atStart = [];
    private readonly Dictionary<(string, int), (string Data, string Scale, string? Zero, float[] Scales)> _weights = [];

    public QdqWriter(Graph graph, Dictionary<Node, QuantizedUnit> units, Dictionary<string, QuantizationParameters> parameters,
        QuantizationOptions options)
    {
        _graph = graph;
        _units = units;
        _parameters = parameters;
        _options = options;
        _names = new HashSet<string>(graph.Inputs.Select(i => i.Name).Concat(graph.Initializers.Keys)
            .Concat(graph.Nodes.SelectMany(n => n.Outputs)).Concat(graph.Nodes.Select(n => n.Name)), StringComparer.Ordinal);
    }

    public int RemovedClamps { get; private set; }
    public int QuantizedActivations { get; private set; }
    public int QuantizedWeights { get; private set; }

    public void Write()
    {
        RemoveSaturatingClamps();
        // Weights and biases first: a bias's scale needs the unit's input parameters under the input's original name.
        foreach (var unit in _units.Values) QuantizeConstants(unit);
        var consumers = Consumers();
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in _graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) producers[o] = n;
        foreach (var (tensor, p) in _parameters)
        {
            if (_graph.Initializers.ContainsKey(tensor)) continue;
            QuantizeActivation(tensor, p, producers.GetValueOrDefault(tensor), consumers.GetValueOrDefault(tensor) ?? []);
        }
        var nodes = new List<Node>(_graph.Nodes.Count * 3);
        nodes.AddRange(_atStart);
        foreach (var n in _graph.Nodes)
        {
            if (_before.TryGetValue(n, out var b)) nodes.AddRange(b);
            nodes.Add(n);
            if (_after.TryGetValue(n, out var a)) nodes.AddRange(a);
        }
        _graph.Nodes.Clear();
        _graph.Nodes.AddRange(nodes);
        RemoveUnusedInitializers();
    }

    /// <summary>
    /// Relu / Clip after a quantized producer goes when the output's parameters represent nothing outside the clamp bounds:
    /// QuantizeLinear's saturation then does the clamping, exactly.
    /// </summary>
    private void RemoveSaturatingClamps()
    {
        var consumers = Consumers();
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in _graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) producers[o] = n;
        var outputs = _graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var unit in _units.Values.Where(u => u.Kind == UnitKind.Clamp).ToList())
        {
            var node = unit.Node;
            string x = node.Inputs[0], y = node.Outputs[0];
            if (!producers.TryGetValue(x, out var producer) || !_units.TryGetValue(producer, out var producerUnit)) continue;
            if (producerUnit.Kind is not (UnitKind.Compute or UnitKind.Elementwise or UnitKind.Unary)) continue;
            if (outputs.Contains(x) || consumers.GetValueOrDefault(x)?.Count != 1) continue;
            if (!_parameters.TryGetValue(y, out var p)) continue;
            var (low, high) = QuantizableOps.ClampBounds(node, _graph);
            double tolerance = 1e-6 * Math.Max(1, Math.Max(Math.Abs(p.Lowest), Math.Abs(p.Highest)));
            if (p.Lowest < low - tolerance || p.Highest > high + tolerance) continue;
            producer.Outputs[producer.Outputs.IndexOf(x)] = y;
            _graph.Nodes.Remove(node);
            _units.Remove(node);
            _parameters.Remove(x);
            producers[y] = producer;
            RemovedClamps++;
        }
    }

    private void QuantizeConstants(QuantizedUnit unit)
    {
        var node = unit.Node;
        float[]? weightScales = null;
        if (unit.WeightInput >= 0)
        {
            string name = node.Inputs[unit.WeightInput];
            var w = _graph.Initializers[name];
            int axis = _options.PerChannel && unit.WeightAxis < w.Rank ? unit.WeightAxis : -1;
            if (!_weights.TryGetValue((name, axis), out var q))
            {
                var (data, scales) = WeightQuantizer.Quantize(w, axis, _options.ReduceRange);
                var shape = axis < 0 ? Array.Empty<int>() : [scales.Length];
                // No zero point: symmetric weights have zero points of 0, DequantizeLinear's default (the type comes from the data).
                q = (AddInitializer(name + "_q", data), AddInitializer(name + "_scale", Tensor.FromArray(scales, shape)), null, scales);
                _weights[(name, axis)] = q;
                QuantizedWeights++;
            }
            node.Inputs[unit.WeightInput] = Dequantize(node, q.Data, q.Scale, q.Zero, name, axis < 0 ? null : axis);
            weightScales = q.Scales;

            if (unit.BiasInput >= 0 && _parameters.TryGetValue(node.Inputs[unit.ActivationInputs[0]], out var input))
            {
                string biasName = node.Inputs[unit.BiasInput];
                var bias = _graph.Initializers[biasName];
                int channels = axis < 0 ? OutputChannels(unit, w) : weightScales.Length;
                if (bias.Length == channels)
                {
                    // A [1, N] Gemm bias broadcasts as [N] does; the integer kernels take it as a vector.
                    var (data, scales) = WeightQuantizer.QuantizeBias(bias.Reshape([bias.Length]), input.Scale, weightScales);
                    bool perChannel = weightScales.Length > 1;
                    string s = AddInitializer(biasName + "_scale", perChannel ? Tensor.FromArray(scales, [scales.Length]) : Tensor.Scalar(scales[0]));
                    // No zero point: DequantizeLinear's default is 0, and int32 zeros would take 4 bytes per channel.
                    node.Inputs[unit.BiasInput] = Dequantize(node, AddInitializer(biasName + "_q", data), s, null, biasName, perChannel ? 0 : null);
                }
            }
        }
        foreach (int i in unit.ActivationInputs)
        {
            string name = node.Inputs[i];
            if (!_graph.Initializers.TryGetValue(name, out var constant) || !_parameters.TryGetValue(name, out var p)) continue;
            string s = AddInitializer(name + "_scale", Tensor.Scalar(p.Scale));
            string z = AddInitializer(name + "_zero_point", ZeroPoint(p));
            node.Inputs[i] = Dequantize(node, AddInitializer(name + "_q", QuantizeConstant(constant, p)), s, z, name, null);
        }
    }

    private static int OutputChannels(QuantizedUnit unit, Tensor w) =>
        unit.Node.OpType == "Conv" ? w.Shape[0] : w.Shape[unit.WeightAxis];

    private void QuantizeActivation(string tensor, QuantizationParameters p, Node? producer, List<(Node Node, int Index)> readers)
    {
        bool producerQuantized = producer is not null && _units.ContainsKey(producer);
        bool anyQuantizedReader = readers.Any(r => IsQuantizedInput(r.Node, r.Index));
        if (!producerQuantized && !anyQuantizedReader) return;
        QuantizedActivations++;
        string scale = AddInitializer(tensor + "_scale", Tensor.Scalar(p.Scale));
        string zero = AddInitializer(tensor + "_zero_point", ZeroPoint(p));
        bool graphOutput = _graph.Outputs.Any(o => o.Name == tensor);
        string source = tensor;
        if (graphOutput && producerQuantized)
        {
            source = UniqueName(tensor + "_float");
            producer!.Outputs[producer.Outputs.IndexOf(tensor)] = source;
        }
        string quantized = UniqueName(tensor + "_q");
        var q = new Node("QuantizeLinear", [source, scale, zero], [quantized], "", UniqueName(tensor + "_Q"));
        var placed = producer is null ? _atStart : After(producer);
        placed.Add(q);
        foreach (var (reader, index) in readers)
        {
            if (!producerQuantized && !IsQuantizedInput(reader, index)) continue;
            reader.Inputs[index] = Dequantize(reader, quantized, scale, zero, tensor, null);
        }
        if (graphOutput && producerQuantized)
            placed.Add(new Node("DequantizeLinear", [quantized, scale, zero], [tensor], "", UniqueName(tensor + "_DQ")));
    }

    private bool IsQuantizedInput(Node node, int index) => _units.TryGetValue(node, out var u) && u.ActivationInputs.Contains(index);

    /// <summary>A DequantizeLinear placed just before <paramref name="reader"/>; returns its output's name.</summary>
    private string Dequantize(Node reader, string data, string scale, string? zero, string stem, int? axis)
    {
        string output = UniqueName(stem + "_dq");
        var dq = new Node("DequantizeLinear", zero is null ? [data, scale] : [data, scale, zero], [output], "", UniqueName(stem + "_DQ"));
        if (axis is int a) dq.Attributes["axis"] = NodeAttribute.Of("axis", (long)a);
        if (!_before.TryGetValue(reader, out var list)) _before[reader] = list = [];
        list.Add(dq);
        return output;
    }

    private List<Node> After(Node producer)
    {
        if (!_after.TryGetValue(producer, out var list)) _after[producer] = list = [];
        return list;
    }

    private static Tensor ZeroPoint(QuantizationParameters p) =>
        p.Type == DataType.UInt8 ? Tensor.Scalar((byte)p.ZeroPoint) : Tensor.Scalar((sbyte)p.ZeroPoint);

    private static Tensor QuantizeConstant(Tensor constant, QuantizationParameters p)
    {
        var values = constant.ReadOnlySpan<float>();
        if (p.Type == DataType.UInt8)
        {
            var q = new byte[values.Length];
            for (int i = 0; i < q.Length; i++) q[i] = (byte)p.Quantize(values[i]);
            return Tensor.FromArray(q, constant.Shape);
        }
        var s = new sbyte[values.Length];
        for (int i = 0; i < s.Length; i++) s[i] = (sbyte)p.Quantize(values[i]);
        return Tensor.FromArray(s, constant.Shape);
    }

    private Dictionary<string, List<(Node Node, int Index)>> Consumers()
    {
        var map = new Dictionary<string, List<(Node, int)>>(StringComparer.Ordinal);
        foreach (var n in _graph.Nodes)
            for (int i = 0; i < n.Inputs.Count; i++)
            {
                if (n.Inputs[i].Length == 0) continue;
                if (!map.TryGetValue(n.Inputs[i], out var list)) map[n.Inputs[i]] = list = [];
                list.Add((n, i));
            }
        return map;
    }

    private string AddInitializer(string stem, Tensor value)
    {
        string name = UniqueName(stem);
        _graph.Initializers[name] = value;
        return name;
    }

    private string UniqueName(string stem)
    {
        string name = stem;
        for (int k = 1; !_names.Add(name); k++) name = $"{stem}_{k}";
        return name;
    }

    private void RemoveUnusedInitializers()
    {
        var read = new HashSet<string>(_graph.Nodes.SelectMany(n => n.Inputs), StringComparer.Ordinal);
        foreach (var n in _graph.Nodes)
            foreach (var g in n.Subgraphs()) read.UnionWith(g.OuterScopeReads());
        read.UnionWith(_graph.Outputs.Select(o => o.Name));
        foreach (var name in _graph.Initializers.Keys.ToList())
            if (!read.Contains(name) && !_graph.Inputs.Any(i => i.Name == name)) _graph.Initializers.Remove(name);
    }
}
