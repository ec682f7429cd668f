using Pinhole.IR;

namespace Pinhole.Runtime;

/// <summary>
/// A graph compiled for execution: each value gets a slot, each node a prepared kernel and the slots it reads and
/// writes, and each slot the step after which it is no longer needed. Immutable, shared by concurrent runs.
/// </summary>
internal sealed class ExecutionPlan
{
    internal sealed record Step(Node Node, OpKernel Kernel, int[] Inputs, int[] Outputs, int[] Release);

    public required Graph Graph { get; init; }
    public required Dictionary<string, int> SlotOf { get; init; }
    public required string[] SlotNames { get; init; }
    public required Tensor?[] Constants { get; init; }
    public required int[] InputSlots { get; init; }
    public required int[] OutputSlots { get; init; }

    /// <summary>Slots filled from enclosing graphs before the run (subgraphs only).</summary>
    public required int[] OuterSlots { get; init; }
    public required Step[] Steps { get; init; }

    /// <summary>Per slot: the step that writes it (-1 for inputs, constants and captured values).</summary>
    public int[] Producer { get; private set; } = [];

    /// <summary>Per slot: the last step that reads it, directly or from a subgraph (its producer if never read; -1 if neither).</summary>
    public int[] LastUse { get; private set; } = [];

    /// <summary>Whether a slot is a graph output (which the caller keeps, so it never lives in an arena).</summary>
    public bool[] IsOutput { get; private set; } = [];

    private readonly System.Collections.Concurrent.ConcurrentBag<Frame> _frames = [];

    /// <summary>A frame for one run of this plan (pooled): values hold the constants, nothing else.</summary>
    public Frame RentFrame(Frame? parent)
    {
        if (!_frames.TryTake(out var frame)) frame = new Frame(this);
        frame.Reset(parent);
        return frame;
    }

    /// <summary>Gives a frame back once its values have been read; it drops every value so the pool holds no tensors.</summary>
    public void ReturnFrame(Frame frame)
    {
        frame.Clear();
        if (_frames.Count < MaxPooledFrames) _frames.Add(frame);
    }

    private const int MaxPooledFrames = 16;

    /// <summary>
    /// Prepares <paramref name="graph"/>. With <paramref name="ownsInitializers"/> (the graph is the session's own copy),
    /// constants whose every reader released them (<see cref="KernelInfo.ReleaseConstantInput"/>) are dropped from
    /// the graph as well as from the plan, as soon as their last reader is prepared.
    /// </summary>
    /// <summary>
    /// Slot names in slot order (slots are numbered 0.. in the order names were met). A loop, not LINQ's OrderBy over
    /// key-value pairs: that instantiation is compiled by the JIT at every process start.
    /// </summary>
    private static string[] NamesBySlot(Dictionary<string, int> slotOf)
    {
        var names = new string[slotOf.Count];
        foreach (var (name, slot) in slotOf) names[slot] = name;
        return names;
    }

    public static ExecutionPlan Compile(Graph graph, Model model, SessionOptions options, IEnumerable<string> outerScope,
        Func<string, TypeInfo?>? outerTypes = null, bool ownsInitializers = false)
    {
        var outer = new HashSet<string>(outerScope, StringComparer.Ordinal);
        graph.SortTopologically(outer);
        var slotOf = new Dictionary<string, int>(StringComparer.Ordinal);
        int SlotFor(string name)
        {
            if (!slotOf.TryGetValue(name, out int s)) slotOf[name] = s = slotOf.Count;
            return s;
        }

        foreach (var i in graph.Inputs) SlotFor(i.Name);
        foreach (var name in graph.Initializers.Keys) SlotFor(name);
        var outerReads = graph.OuterScopeReads();
        foreach (var name in outerReads)
        {
            if (!outer.Contains(name))
                throw new InvalidModelException($"graph '{graph.Name}' reads '{name}', which no node, input or initializer defines");
            SlotFor(name);
        }
        foreach (var n in graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) SlotFor(o);

        var declared = new Dictionary<string, TypeInfo>(StringComparer.Ordinal);
        foreach (var v in graph.Inputs.Concat(graph.ValueInfos).Concat(graph.Outputs))
            if (v.Type is not null) declared.TryAdd(v.Name, v.Type);
        TypeInfo? TypeLookup(string name) =>
            declared.TryGetValue(name, out var t) ? t : graph.Initializers.TryGetValue(name, out var c)
                ? new TensorTypeInfo(c.Type, ShapeArrays.KnownDims(c.Shape))
                : outerTypes?.Invoke(name);

        var constants = new Tensor?[slotOf.Count];
        var overridable = new HashSet<string>(graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        foreach (var (name, tensor) in graph.Initializers) constants[slotOf[name]] = tensor;
        Tensor? ConstantLookup(string name) =>
            !overridable.Contains(name) && slotOf.TryGetValue(name, out int s) ? constants[s] : null;
        Tensor? DefaultLookup(string name) =>
            overridable.Contains(name) && slotOf.TryGetValue(name, out int s) ? constants[s] : null;

        var visibleToSubgraphs = new HashSet<string>(outer, StringComparer.Ordinal);
        visibleToSubgraphs.UnionWith(slotOf.Keys);
        Subgraph CompileSub(Graph g) => new(Compile(g, model, options, visibleToSubgraphs, TypeLookup, ownsInitializers));

        // Constants that kernels may take over: read only as node inputs here (not by subgraphs, not as outputs).
        var readers = new int[slotOf.Count];
        var pinned = new bool[slotOf.Count];
        foreach (var node in graph.Nodes)
        {
            foreach (var i in node.Inputs)
                if (i.Length > 0 && slotOf.TryGetValue(i, out int s)) readers[s]++;
            foreach (var g in node.Subgraphs())
                foreach (var name in g.OuterScopeReads())
                    if (slotOf.TryGetValue(name, out int s)) pinned[s] = true;
        }
        foreach (var o in graph.Outputs)
            if (slotOf.TryGetValue(o.Name, out int s)) pinned[s] = true;
        foreach (var name in overridable) pinned[slotOf[name]] = true;
        var released = new int[slotOf.Count];

        var steps = new List<Step>(graph.Nodes.Count);
        foreach (var node in graph.Nodes)
        {
            long opset = model.OpsetFor(node.Domain)
                ?? throw new InvalidModelException($"{node.Describe()} uses domain '{node.Domain}', which the model does not import");
            var factory = KernelRegistry.Find(node.Domain, node.OpType, opset)
                ?? throw new UnsupportedModelException(
                    $"{node.Describe()}: no kernel for op '{node.OpType}' in domain '{(node.Domain.Length == 0 ? "ai.onnx" : node.Domain)}' at opset {opset}");
            PreparationGarbage.Checkpoint();
            var info = new KernelInfo(node, (int)opset, ConstantLookup, CompileSub, TypeLookup, options, DefaultLookup);
            OpKernel kernel;
            try
            {
                kernel = factory(info);
            }
            catch (PinholeException)
            {
                throw;
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or IndexOutOfRangeException
                or OverflowException or InvalidOperationException or NullReferenceException)
            {
                throw new InvalidModelException($"{node.Describe()}, opset {opset}: {e.Message}", e);
            }
            if (info.ReleasedInputs is { } taken)
            {
                foreach (int index in taken)
                {
                    int s = slotOf[node.Inputs[index]];
                    if (pinned[s] || constants[s] is not { } c || ++released[s] != readers[s]) continue;
                    constants[s] = Tensor.ShapeOnly(c.Type, c.Shape);
                    if (ownsInitializers && graph.Initializers.ContainsKey(node.Inputs[index]))
                        graph.Initializers[node.Inputs[index]] = constants[s]!;
                }
            }
            steps.Add(new Step(node, kernel, SlotsOf(node.Inputs, slotOf), SlotsOf(node.Outputs, slotOf), []));
        }

        var outputSlots = new int[graph.Outputs.Count];
        for (int k = 0; k < outputSlots.Length; k++)
            outputSlots[k] = slotOf.TryGetValue(graph.Outputs[k].Name, out int s) ? s
                : throw new InvalidModelException($"graph '{graph.Name}': output '{graph.Outputs[k].Name}' is never produced");
        var inputSlots = new int[graph.Inputs.Count];
        for (int k = 0; k < inputSlots.Length; k++) inputSlots[k] = slotOf[graph.Inputs[k].Name];
        var outerSlots = new int[outerReads.Count];
        int outerCount = 0;
        foreach (var name in outerReads) outerSlots[outerCount++] = slotOf[name];
        var plan = new ExecutionPlan
        {
            Graph = graph,
            SlotOf = slotOf,
            SlotNames = NamesBySlot(slotOf),
            Constants = constants,
            InputSlots = inputSlots,
            OutputSlots = outputSlots,
            OuterSlots = outerSlots,
            Steps = [.. steps],
        };
        plan.AssignReleases();
        return plan;
    }

    /// <summary>
    /// The slots of <paramref name="names"/>, -1 for omitted optional ones. Loops rather than LINQ here and below: a
    /// Select to int[] is an instantiation the JIT compiles at every start, where these loops are precompiled.
    /// </summary>
    private static int[] SlotsOf(List<string> names, Dictionary<string, int> slotOf)
    {
        var slots = new int[names.Count];
        for (int k = 0; k < slots.Length; k++) slots[k] = names[k].Length == 0 ? -1 : slotOf[names[k]];
        return slots;
    }

    /// <summary>Frees each intermediate after its last reader, so peak memory follows live values, not all values.</summary>
    private void AssignReleases()
    {
        var lastUse = IntArrays.Filled(SlotNames.Length, -1);
        for (int k = 0; k < Steps.Length; k++)
        {
            foreach (int s in Steps[k].Inputs) if (s >= 0) lastUse[s] = k;
            foreach (var g in Steps[k].Node.Subgraphs())
                foreach (var name in g.OuterScopeReads())
                    if (SlotOf.TryGetValue(name, out int s)) lastUse[s] = k;
            foreach (int s in Steps[k].Outputs) if (s >= 0 && lastUse[s] < k) lastUse[s] = k;
        }
        var producer = IntArrays.Filled(SlotNames.Length, -1);
        for (int k = 0; k < Steps.Length; k++)
            foreach (int s in Steps[k].Outputs) if (s >= 0) producer[s] = k;
        Producer = producer;
        LastUse = lastUse;
        IsOutput = new bool[SlotNames.Length];
        foreach (int s in OutputSlots) IsOutput[s] = true;
        var releases = new List<int>[Steps.Length];
        for (int s = 0; s < lastUse.Length; s++)
        {
            if (lastUse[s] < 0 || IsOutput[s] || Constants[s] is not null) continue;
            (releases[lastUse[s]] ??= []).Add(s);
        }
        for (int k = 0; k < Steps.Length; k++)
            if (releases[k] is { } r) Steps[k] = Steps[k] with { Release = [.. r] };
    }
}
