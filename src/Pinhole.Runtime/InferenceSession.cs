using Pinhole.IR;
using Pinhole.Runtime.Optimization;

namespace Pinhole.Runtime;

/// <summary>
/// A model prepared for running: every node's kernel chosen and prepared once. <see cref="Run(IReadOnlyDictionary{string, Tensor})"/>
/// may be called from several threads at once; each call has its own values.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly ExecutionPlan _plan;
    private readonly SessionOptions _options;
    private readonly Dictionary<string, ValueInfo> _inputsByName;
    private readonly ArenaPlanCache _arenaPlans;
    private readonly HashSet<Array> _constantStorage;
    private readonly int[] _runtimeInputSlots;
    private readonly HashSet<string>? _constantInputs;
    private bool _disposed;

    public InferenceSession(Model model, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new SessionOptions();
        Model = model;
        // Graph rewrites work on a copy, so the caller's model stays as written (without them, function calls are
        // still inlined in place, as observers such as shape inference expect).
        var prepared = _options.OptimizationLevel == OptimizationLevel.None ? model : model.Clone();
        FunctionInliner.Inline(prepared);
        // Before IR version 4 every initializer had to be listed as a graph input too; ONNX Runtime treats them as
        // constants (only IR 4+ initializers that are also inputs can be overridden), so they can be folded and packed.
        if (model.IrVersion < 4) _constantInputs = new HashSet<string>(model.Graph.Inputs.Select(i => i.Name).Where(model.Graph.Initializers.ContainsKey), StringComparer.Ordinal);
        if (_constantInputs is not null && !ReferenceEquals(prepared, model)) prepared.Graph.Inputs.RemoveAll(i => _constantInputs.Contains(i.Name));
        PreparationGarbage.Start();
        GraphOptimizer.Optimize(prepared, _options.OptimizationLevel);
        PreparationGarbage.Checkpoint(force: true);
        _plan = ExecutionPlan.Compile(prepared.Graph, prepared, _options, [], ownsInitializers: !ReferenceEquals(prepared, model));
        PreparationGarbage.Checkpoint(force: true);
        Inputs = model.Graph.RuntimeInputs().ToList();
        Outputs = model.Graph.Outputs.ToList();
        _inputsByName = model.Graph.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _arenaPlans = new ArenaPlanCache(_plan);
        _runtimeInputSlots = new int[Inputs.Count]; // a loop: LINQ's Select to int is JIT-compiled at every start
        for (int i = 0; i < _runtimeInputSlots.Length; i++) _runtimeInputSlots[i] = _plan.SlotOf.TryGetValue(Inputs[i].Name, out int s) ? s : -1;
        _constantStorage = new HashSet<Array>(_plan.Constants.Where(c => c is not null).Select(c => c!.Buffer), ReferenceEqualityComparer.Instance);
    }

    public Model Model { get; }


    /// <summary>The static memory plan of the last run's input shapes (null until planned).</summary>
    public MemoryPlanSummary? MemoryPlan => _arenaPlans.Latest?.Summary;

    /// <summary>Inputs a caller feeds (graph inputs that are not initializers), in graph order.</summary>
    public IReadOnlyList<ValueInfo> Inputs { get; }
    public IReadOnlyList<ValueInfo> Outputs { get; }

    /// <summary>Runs the model. Inputs are matched by name; every output is returned by name.</summary>
    /// <exception cref="InvalidInputException">An input is missing, unknown, or of the wrong type or shape.</exception>
    /// <exception cref="KernelException">A node cannot process the values it was given.</exception>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        var frame = _plan.RentFrame(null);
        try
        {
            foreach (var (name, tensor) in inputs)
            {
                if (!_inputsByName.TryGetValue(name, out var declared))
                    throw new InvalidInputException($"'{name}' is not an input of the model; inputs are: {string.Join(", ", Inputs.Select(i => i.Name))}");
                ArgumentNullException.ThrowIfNull(tensor, name);
                if (_constantInputs is not null && _constantInputs.Contains(name))
                    throw new InvalidInputException($"'{name}' is an initializer of this IR version {Model.IrVersion} model, a constant (as in ONNX Runtime): it cannot be fed");
                if (_options.ValidateInputs) CheckInput(declared, tensor);
                if (_plan.SlotOf.TryGetValue(name, out int slot)) frame.Values[slot] = tensor;
            }
            foreach (var i in Inputs)
                if (!inputs.ContainsKey(i.Name))
                    throw new InvalidInputException($"input '{i.Name}' ({i.Type}) is missing");
            var outputs = Execute(frame);
            var result = new Dictionary<string, Tensor>(outputs.Length, StringComparer.Ordinal);
            for (int k = 0; k < outputs.Length; k++) result[Outputs[k].Name] = outputs[k];
            return result;
        }
        finally
        {
            _plan.ReturnFrame(frame);
        }
    }

    /// <summary>Runs the model with inputs given in <see cref="Inputs"/> order; returns outputs in <see cref="Outputs"/> order.</summary>
    public Tensor[] Run(params Tensor[] inputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != Inputs.Count)
            throw new InvalidInputException($"the model takes {Inputs.Count} inputs ({string.Join(", ", Inputs.Select(i => i.Name))}), {inputs.Length} were given");
        var frame = _plan.RentFrame(null);
        try
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                var tensor = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"input '{Inputs[i].Name}' is null");
                if (_options.ValidateInputs) CheckInput(Inputs[i], tensor);
                if (_runtimeInputSlots[i] >= 0) frame.Values[_runtimeInputSlots[i]] = tensor;
            }
            return Execute(frame);
        }
        finally
        {
            _plan.ReturnFrame(frame);
        }
    }

    /// <summary>Runs a fed frame (in the arena of its input signature when planned); returns the outputs in order.</summary>
    private Tensor[] Execute(Frame frame)
    {
        var values = frame.Values;
        var inputSlots = _plan.InputSlots;
        var fed = frame.Fed;
        for (int i = 0; i < inputSlots.Length; i++) fed[i] = values[inputSlots[i]];

        ArenaPlan? arenaPlan = null;
        Arena? arena = null;
        int[]? signature = null;
        if (_options.MemoryArena)
        {
            arenaPlan = _arenaPlans.Find(values);
            if (arenaPlan is not null)
            {
                arena = arenaPlan.Rent();
                frame.Arena = arena;
            }
            else
            {
                signature = ArenaPlan.SignatureOf(values, inputSlots);
                frame.Recorder = new ArenaRecorder(values.Length);
                PreparationGarbage.Start();
            }
        }
        try
        {
            frame.Execute(_options);
            var outputSlots = _plan.OutputSlots;
            var result = new Tensor[outputSlots.Length];
            for (int k = 0; k < outputSlots.Length; k++)
            {
                var t = values[outputSlots[k]] ?? throw new KernelException($"output '{Outputs[k].Name}' was not produced");
                // Never hand out the session's constants, the caller's inputs or arena memory as outputs: copy them.
                bool shared = _constantStorage.Contains(t.Buffer) || (arena is not null && arena.Owns(t.Buffer));
                foreach (var input in fed) shared |= input is not null && ReferenceEquals(input.Buffer, t.Buffer);
                result[k] = shared ? t.Clone() : t;
            }
            if (frame.Recorder is { } recorder && signature is not null) _arenaPlans.Add(recorder, signature);
            return result;
        }
        finally
        {
            frame.Arena = null;
            if (arena is not null) arenaPlan!.Return(arena);
        }
    }

    private static void CheckInput(ValueInfo declared, Tensor tensor)
    {
        if (declared.Type is not TensorTypeInfo tt) return;
        if (tt.ElementType != DataType.Undefined && tt.ElementType != tensor.Type)
            throw new InvalidInputException(
                $"input '{declared.Name}': expected element type {DataTypes.OnnxName(tt.ElementType)}, got {DataTypes.OnnxName(tensor.Type)}");
        if (tt.Shape is null) return;
        if (tt.Shape.Length != tensor.Rank)
            throw new InvalidInputException(
                $"input '{declared.Name}': expected shape [{string.Join(",", tt.Shape)}] (rank {tt.Shape.Length}), got {Tensor.FormatShape(tensor.Shape)}");
        for (int d = 0; d < tt.Shape.Length; d++)
            if (tt.Shape[d].Value is long v && v != tensor.Shape[d])
                throw new InvalidInputException(
                    $"input '{declared.Name}': expected shape [{string.Join(",", tt.Shape)}], got {Tensor.FormatShape(tensor.Shape)} (dimension {d})");
    }

    public void Dispose() => _disposed = true;
}

/// <summary>
/// Sizes of a session's activation arena: <paramref name="ArenaBytes"/> as planned, and <paramref name="LowerBoundBytes"/>,
/// the largest total size of intermediate values alive at the same time (no plan can use less).
/// </summary>
public sealed record MemoryPlanSummary(long ArenaBytes, long LowerBoundBytes, int PlannedValues);
