using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Tools.Benchmarking;

namespace Pinhole.Tools.Devices;

/// <summary>
/// Checks a model against a device: memory (weights, the runtime's real activation arena, runtime overhead) against RAM
/// and flash, each node against the backend's op set with the resulting partition, and a roofline latency estimate.
/// </summary>
public static class ModelChecker
{
    /// <exception cref="DeviceProfileException">The device names a backend that does not exist or is invalid.</exception>
    /// <exception cref="PinholeException">The model's shapes cannot be inferred.</exception>
    public static CheckReport Check(Model model, DeviceProfile device, CheckOptions? options = null) =>
        Check(Analyze(model, options), device, options);

    /// <summary>
    /// The device-independent part of a check (shapes, node facts, weights, the runtime's activation arena): run once
    /// per model when checking it against many devices.
    /// </summary>
    public static ModelAnalysis Analyze(Model model, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new CheckOptions();
        var notes = new List<string>();
        long arena = ActivationArena(model, options, notes);
        var analyzed = model.Clone();
        var inspectOptions = InspectionOptions(options);
        // Every value's shape, not only what MACs need (the inspector skips inference when those are declared).
        try
        {
            inspectOptions.ShapeInference!.Infer(analyzed);
        }
        catch (PinholeException e)
        {
            notes.Add($"shapes could not be inferred by running the model ({e.Message}); only declared and statically inferred shapes are used");
            try
            {
                inspectOptions.FallbackShapeInference!.Infer(analyzed);
            }
            catch (PinholeException)
            {
                // declared shapes only
            }
        }
        var report = ModelInspector.Inspect(analyzed, inspectOptions);
        notes.AddRange(report.Notes);
        var graph = analyzed.Graph;
        // Symbolic input dimensions take the values the analysis ran with (--dim, else 1), as a converter for a
        // fixed-shape backend fixes them: shape computations then fold.
        foreach (var input in graph.RuntimeInputs())
            if (input.Type is TensorTypeInfo { Shape: { } dims } t && dims.Any(d => d.Value is null))
                input.Type = t with { Shape = [.. dims.Select(d => d.Value is not null ? d : Dim.Known(d.Param is { } p && options.Dims.TryGetValue(p, out int v) ? v : 1))] };
        var facts = NodeFacts.Of(analyzed, graph, v => graph.TypeOf(v) as TensorTypeInfo);
        return new ModelAnalysis(analyzed, facts, arena, WithComputedWeights(report.Weights, graph, facts, notes), notes);
    }

    /// <exception cref="DeviceProfileException">The device names a backend that does not exist or is invalid.</exception>
    public static CheckReport Check(ModelAnalysis analysis, DeviceProfile device, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        ArgumentNullException.ThrowIfNull(device);
        options ??= new CheckOptions();
        var notes = new List<string>(analysis.Notes);
        string backendName = options.Backend ?? device.DefaultBackend;
        var primary = device.Backends.FirstOrDefault(b => b.Name == backendName)
            ?? throw new DeviceProfileException($"device '{device.Name}' has no backend '{backendName}'; it has: {string.Join(", ", device.Backends.Select(b => b.Name))}");
        var primarySet = DeviceCatalog.Backend(primary.Name, device);
        var fallback = primary.Fallback is { } f && primarySet.Partitioning != Partitioning.None ? device.Backends.First(b => b.Name == f) : null;
        var fallbackSet = fallback is null ? null : DeviceCatalog.Backend(fallback.Name, device);
        int threads = Math.Clamp(options.Threads ?? device.Cpu.Cores, 1, Math.Max(1, device.Cpu.Cores));
        long arena = analysis.PeakActivationBytes;
        var graph = analysis.Model.Graph;
        TensorTypeInfo? TypeOf(string v) => graph.TypeOf(v) as TensorTypeInfo;
        var facts = analysis.Facts;

        // Placement: the backend where it can; its fallback where partitioning allows; nowhere otherwise.
        var placements = new (DeviceBackend? Backend, bool Supported, string Reason)[facts.Count];
        var folded = new bool[facts.Count];
        bool cut = false;
        for (int i = 0; i < facts.Count; i++)
        {
            var (ok, reason, isFolded) = OpSupport.Evaluate(primarySet, facts[i]);
            folded[i] = isFolded;
            if (ok && !cut)
            {
                placements[i] = (primary, true, reason);
                continue;
            }
            if (!ok && primarySet.Partitioning == Partitioning.Prefix) cut = true;
            if (ok && !isFolded) reason = $"after the first node {primarySet.Name} cannot run, the rest runs on {fallback?.Name ?? "the CPU"}";
            if (fallback is null || fallbackSet is null)
            {
                placements[i] = (null, false, reason);
                continue;
            }
            var (fallbackOk, fallbackReason, _) = OpSupport.Evaluate(fallbackSet, facts[i]);
            placements[i] = fallbackOk
                ? (fallback, ok, $"{reason} -> {fallback.Name}")
                : (null, false, $"{reason}; {fallback.Name} cannot either: {fallbackReason}");
        }

        var latency = new LatencyEstimator(device, options.Efficiency ?? RooflineEfficiency.Default, threads);
        var producerIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < facts.Count; i++)
        {
            foreach (var o in facts[i].Node.Outputs) if (o.Length > 0) producerIndex.TryAdd(o, i);
            foreach (var v in facts[i].Node.Inputs) if (v.Length > 0) consumers[v] = consumers.GetValueOrDefault(v) + 1;
        }
        var outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);

        var nodes = new List<NodeCheck>(facts.Count);
        var segments = new List<(DeviceBackend Backend, int Nodes, double Ms)>();
        var segmentOf = new int[facts.Count];
        for (int i = 0; i < facts.Count; i++)
        {
            var n = facts[i].Node;
            var (backend, supported, reason) = placements[i];
            long macs = ModelInspector.Macs(n, TypeOf).Macs ?? 0;
            long bytes = BytesMoved(n, graph, TypeOf, facts[i].Quantized ? facts[i].Dtype : null);
            var kind = OpKinds.Of(n, facts[i].InputChannels);
            double ms = 0;
            int segment = -1;
            if (backend is null)
            {
                // Timed as if the backend could run it, so that the estimate still says something.
                if (!folded[i]) ms = latency.NodeMs(kind, macs, bytes, facts[i].Quantized, device.Processors[primary.Processor]);
            }
            else
            {
                if (segments.Count == 0 || segments[^1].Backend != backend) segments.Add((backend, 0, 0));
                segment = segments.Count - 1;
                string processor = backend.Processor;
                // Activations and per-channel affine ops right after a Conv/Gemm on the same processor are fused by backends.
                if (folded[i])
                {
                    // removed or folded by the converter: no time
                }
                else if (OpKinds.IsFusable(n) && n.Inputs.Count > 0 && producerIndex.TryGetValue(n.Inputs[0], out int p)
                    && OpKinds.Of(facts[p].Node, facts[p].InputChannels) is OpKind.Conv or OpKind.Depthwise or OpKind.Gemm
                    && consumers.GetValueOrDefault(n.Inputs[0]) == 1 && !outputs.Contains(n.Inputs[0])
                    && placements[p].Backend?.Processor == processor && IsPerChannelOrActivation(n, graph))
                {
                    reason = reason.Length == 0 ? $"fused into {facts[p].Node.OpType} '{Label(facts[p].Node, p)}'" : reason;
                }
                else
                {
                    ms = latency.NodeMs(kind, macs, bytes, facts[i].Quantized, device.Processors[processor]);
                }
                segments[^1] = (segments[^1].Backend, segments[^1].Nodes + 1, segments[^1].Ms + ms);
            }
            segmentOf[i] = segment;
            nodes.Add(new NodeCheck
            {
                Name = Label(n, i),
                Op = n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}",
                Kind = kind.ToString().ToLowerInvariant(),
                Supported = supported,
                Reason = reason,
                Segment = segment,
                EstimatedMs = ms,
                Dtype = facts[i].Dtype is { } t ? DataTypes.OnnxName(t) : "?",
                Macs = macs,
                BytesMoved = bytes,
            });
        }

        // Transfers: values that cross from one processor to another (graph inputs start, and outputs end, on the CPU).
        int transfers = 0;
        double transferMs = 0;
        var counted = new HashSet<(string, string)>();
        string ProcessorOf(int node) => placements[node].Backend?.Processor ?? "cpu";
        for (int i = 0; i < facts.Count; i++)
        {
            if (placements[i].Backend is null) continue;
            string to = ProcessorOf(i);
            foreach (var v in facts[i].Node.Inputs)
            {
                if (v.Length == 0 || graph.Initializers.ContainsKey(v)) continue;
                string from = producerIndex.TryGetValue(v, out int p) ? ProcessorOf(p) : "cpu";
                if (from == to || !counted.Add((v, to))) continue;
                transfers++;
                transferMs += latency.TransferMs(from, to, ValueBytes(v, graph, TypeOf));
            }
        }
        foreach (var o in graph.Outputs)
        {
            if (!producerIndex.TryGetValue(o.Name, out int p) || ProcessorOf(p) == "cpu" || !counted.Add((o.Name, "cpu"))) continue;
            transfers++;
            transferMs += latency.TransferMs(ProcessorOf(p), "cpu", ValueBytes(o.Name, graph, TypeOf));
        }

        var weightsByType = analysis.Weights.ToDictionary(w => w.Type, w => w.Bytes, StringComparer.Ordinal);
        long weights = analysis.Weights.Sum(w => w.Bytes);
        bool weightsInFlash = device.Class == "microcontroller";
        long runtimeRam = primarySet.RuntimeRamBytes + (fallback is not null && placements.Any(x => x.Backend == fallback) ? fallbackSet!.RuntimeRamBytes : 0);
        long runtimeFlash = primarySet.RuntimeFlashBytes + (fallback is not null && placements.Any(x => x.Backend == fallback) ? fallbackSet!.RuntimeFlashBytes : 0);
        long ramRequired = arena + runtimeRam + (weightsInFlash ? 0 : weights);
        long flashRequired = weights + runtimeFlash;
        if (weightsInFlash) notes.Add("weights stay in flash (memory-mapped), as TensorFlow Lite Micro keeps them; RAM holds the activations and the runtime");
        bool arenaFitsOneBlock = device.LargestRamBlockBytes is not long block || arena <= block;
        if (!arenaFitsOneBlock)
            notes.Add($"the activation arena ({arena:N0} bytes) is larger than the device's largest contiguous RAM region ({device.LargestRamBlockBytes:N0} bytes): it does not fit although the RAM total would hold it");
        if (placements.Any(x => x.Backend is null))
            notes.Add($"the latency includes {placements.Count(x => x.Backend is null)} node(s) no backend of the device can run, timed as if {primary.Name} could");
        if (device.Origin != "measured")
            notes.Add($"latency: roofline estimate with efficiency factors calibrated on the development machine ({(options.Efficiency ?? RooflineEfficiency.Default).Calibration}); other devices are assumed to reach the same shares of their peaks");
        var result = new CheckReport
        {
            Model = options.ModelName,
            Device = device.Name,
            DeviceTitle = device.Title,
            Backend = primary.Name,
            FallbackBackend = fallback?.Name,
            Threads = threads,
            Processors = [.. device.Processors.Values],
            Fits = ramRequired <= device.RamBytes && flashRequired <= device.FlashBytes && arenaFitsOneBlock,
            Runnable = placements.All(x => x.Backend is not null),
            WeightsBytes = weights,
            WeightsBytesByType = weightsByType,
            PeakActivationBytes = arena,
            RuntimeRamBytes = runtimeRam,
            RuntimeFlashBytes = runtimeFlash,
            WeightsInFlash = weightsInFlash,
            RamRequiredBytes = ramRequired,
            FlashRequiredBytes = flashRequired,
            RamBytes = device.RamBytes,
            FlashBytes = device.FlashBytes,
            RamMarginBytes = device.RamBytes - ramRequired,
            FlashMarginBytes = device.FlashBytes - flashRequired,
            TotalMacs = nodes.Sum(n => n.Macs),
            EstimatedLatencyMs = nodes.Sum(n => n.EstimatedMs) + transferMs,
            SupportedNodes = placements.Count(x => x.Backend == primary),
            FallbackNodes = placements.Count(x => x.Backend is not null && x.Backend != primary),
            UnsupportedNodes = placements.Count(x => x.Backend is null),
            Transfers = transfers,
            Segments = segments.Select((s, k) => new SegmentCheck(k, s.Backend.Name, s.Backend.Processor, s.Nodes, s.Ms)).ToList(),
            Nodes = nodes,
            Advice = [],
            Notes = notes,
        };
        return result with { Advice = CheckAdvisor.Advise(result, device, primarySet, facts, latency) };
    }

    /// <summary>
    /// Adds weights that the model computes from constants (ConstantOfShape, DequantizeLinear of stored weights...) and
    /// an op then reads: a converter folds them into stored weights, so they count like initializers.
    /// </summary>
    private static List<WeightBytes> WithComputedWeights(IReadOnlyList<WeightBytes> stored, Graph graph, IReadOnlyList<NodeFacts> facts, List<string> notes)
    {
        var constantOutputs = new HashSet<string>(StringComparer.Ordinal);
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var f in facts)
            foreach (var o in f.Node.Outputs) if (o.Length > 0) producers.TryAdd(o, f.Node);
        foreach (var f in facts)
            if (f.ConstantOutput && f.Node.OpType is not ("DequantizeLinear" or "Identity" or "Cast" or "Reshape" or "Shape" or "Constant"))
                foreach (var o in f.Node.Outputs) if (o.Length > 0) constantOutputs.Add(o);
        var computed = new Dictionary<string, (long Elements, long Bytes)>(StringComparer.Ordinal);
        var counted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in facts)
        {
            if (f.ConstantOutput) continue;
            foreach (var v in f.Node.Inputs)
            {
                if (!constantOutputs.Contains(v) || !counted.Add(v) || graph.TypeOf(v) is not TensorTypeInfo { Shape: { } shape } t
                    || shape.Any(d => d.Value is null) || shape.Length == 0) continue;
                long elements = shape.Aggregate(1L, (a, d) => a * d.Value!.Value);
                // A rearranged stored weight (Transpose, Concat of initializers...) is counted already.
                if (producers.TryGetValue(v, out var p) && p.Inputs.Any(i => graph.Initializers.TryGetValue(i, out var init) && init.Length * 2 >= elements)) continue;
                string type = DataTypes.OnnxName(t.ElementType);
                var (e, b) = computed.GetValueOrDefault(type);
                computed[type] = (e + elements, b + (elements * Math.Max(1, DataTypes.SizeOf(t.ElementType))));
            }
        }
        if (computed.Count == 0) return [.. stored];
        notes.Add($"weights include {computed.Values.Sum(c => c.Bytes):N0} bytes the model computes from constants (a converter stores them folded)");
        var merged = stored.ToDictionary(w => w.Type, w => (w.Elements, w.Bytes), StringComparer.Ordinal);
        foreach (var (type, (e, b)) in computed)
        {
            var (e0, b0) = merged.GetValueOrDefault(type);
            merged[type] = (e0 + e, b0 + b);
        }
        return [.. merged.Select(kv => new WeightBytes(kv.Key, kv.Value.Elements, kv.Value.Bytes)).OrderByDescending(w => w.Bytes)];
    }

    /// <summary>The bytes of the Pinhole runtime's activation arena for the model (what `pinhole bench` reports as arena).</summary>
    private static long ActivationArena(Model model, CheckOptions options, List<string> notes)
    {
        try
        {
            using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = 1 });
            var inputs = RandomInputs.Create(model, new BenchmarkOptions().Seed, options.Dims);
            session.Run(inputs.ToDictionary(i => i.Name, i => i.Value, StringComparer.Ordinal));
            return session.MemoryPlan?.ArenaBytes ?? 0;
        }
        catch (PinholeException e)
        {
            notes.Add($"the Pinhole runtime cannot run this model ({e.Message}), so its memory plan is unknown: peak activation memory is reported as 0");
            return 0;
        }
    }

    private static InspectOptions InspectionOptions(CheckOptions options)
    {
        var shapes = new ShapeInferenceOptions();
        foreach (var (k, v) in options.Dims) shapes.SymbolValues[k] = v;
        return new InspectOptions { ShapeInference = new ShapeInference(shapes), FallbackShapeInference = new StaticShapeInference(shapes) };
    }

    /// <summary>Add/Mul with a constant of at most one value per channel (a bias or a scale), or an activation.</summary>
    private static bool IsPerChannelOrActivation(Node n, Graph graph)
    {
        if (n.OpType is not ("Add" or "Mul")) return true;
        return n.Inputs.Count == 2 && graph.Initializers.TryGetValue(n.Inputs[1], out var c) && c.Length <= 4096;
    }

    /// <summary>Bytes a node reads and writes; a quantized node's float-typed values (QDQ form) count in its own type.</summary>
    private static long BytesMoved(Node n, Graph graph, Func<string, TensorTypeInfo?> typeOf, DataType? quantizedAs)
    {
        if (n.OpType is "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" or "Identity" or "Shape" or "Constant") return 0;
        // Gathers and slices read only what they write (an embedding lookup does not read the whole table).
        if (n.OpType is "Gather" or "GatherElements" or "GatherND" or "Slice")
            return 2 * n.Outputs.Sum(v => ValueBytes(v, graph, typeOf, quantizedAs)) + n.Inputs.Skip(1).Sum(v => ValueBytes(v, graph, typeOf));
        long bytes = 0;
        foreach (var v in n.Inputs) bytes += ValueBytes(v, graph, typeOf, quantizedAs);
        foreach (var v in n.Outputs) bytes += ValueBytes(v, graph, typeOf, quantizedAs);
        return bytes;
    }

    private static long ValueBytes(string v, Graph graph, Func<string, TensorTypeInfo?> typeOf, DataType? quantizedAs = null)
    {
        if (v.Length == 0) return 0;
        long elements;
        DataType type;
        if (graph.Initializers.TryGetValue(v, out var t))
        {
            (elements, type) = (t.Length, t.Type);
        }
        else
        {
            if (typeOf(v) is not { Shape: { } shape } info || shape.Any(d => d.Value is null)) return 0;
            elements = 1;
            foreach (var d in shape) elements *= d.Value!.Value;
            type = info.ElementType;
        }
        if (quantizedAs is { } q && type is DataType.Float or DataType.Float16) type = q;
        return elements * Math.Max(1, DataTypes.SizeOf(type));
    }

    private static string Label(Node n, int index) => n.Name.Length > 0 ? n.Name : $"{n.OpType}_{index}";
}
