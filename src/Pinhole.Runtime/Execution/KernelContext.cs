namespace Pinhole.Runtime;

/// <summary>A kernel's view of one run: its inputs, where its outputs go, and subgraph execution.</summary>
public sealed class KernelContext
{
    private readonly Frame _frame;

    internal KernelContext(Frame frame) => _frame = frame;

    internal ExecutionPlan.Step Step { get; set; } = null!;
    internal Frame Frame => _frame;

    public SessionOptions Options { get; internal set; } = null!;
    public int InputCount => Step.Inputs.Length;
    public int OutputCount => Step.Outputs.Length;

    /// <summary>Whether optional input <paramref name="index"/> was given.</summary>
    public bool HasInput(int index) => index < Step.Inputs.Length && Step.Inputs[index] >= 0;

    /// <summary>Whether the graph consumes output <paramref name="index"/> (omitted optional outputs need not be computed).</summary>
    public bool HasOutput(int index) => index < Step.Outputs.Length && Step.Outputs[index] >= 0;

    /// <summary>Required input <paramref name="index"/>.</summary>
    public Tensor Input(int index) => OptionalInput(index) ?? throw MissingInput(index);

    /// <summary>Input <paramref name="index"/>, or null when omitted.</summary>
    public Tensor? OptionalInput(int index) => HasInput(index) ? _frame.Values[Step.Inputs[index]] : null;

    /// <summary>Allocates output <paramref name="index"/> (zero-filled) and returns it.</summary>
    public Tensor Output(int index, DataType type, ReadOnlySpan<int> shape) => Allocate(index, type, shape, clear: true);

    /// <summary>
    /// Output <paramref name="index"/> whose contents are unspecified (it may be arena memory holding an earlier
    /// value): the kernel must write every element. Cheaper than <see cref="Output"/> for kernels that overwrite.
    /// For output 0 of a kernel with an <see cref="OpKernel.InPlaceInput"/>, it may be the storage of that input.
    /// </summary>
    public Tensor OutputUninitialized(int index, DataType type, ReadOnlySpan<int> shape) => Allocate(index, type, shape, clear: false);

    private Tensor Allocate(int index, DataType type, ReadOnlySpan<int> shape, bool clear)
    {
        if (!HasOutput(index)) return Tensor.Zeros(type, shape);
        int slot = Step.Outputs[index];
        Tensor? tensor = null;
        if (_frame.Arena is { } arena) tensor = arena.Take(slot, type, shape, clear);
        tensor ??= Tensor.Zeros(type, shape);
        _frame.Values[slot] = tensor;
        _frame.Recorder?.Produced(slot, tensor, uninitialized: !clear);
        return tensor;
    }

    /// <summary>Sets output <paramref name="index"/> to an existing tensor (a view or a pass-through). Inputs are never mutated, so sharing is safe.</summary>
    public void SetOutput(int index, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!HasOutput(index)) return;
        int slot = Step.Outputs[index];
        if (_frame.Arena is { } arena) tensor = arena.Admit(slot, tensor);
        _frame.Values[slot] = tensor;
        _frame.Recorder?.Passed(slot, tensor);
    }

    /// <summary>An error naming this node, for inputs a kernel cannot accept.</summary>
    public KernelException Error(string message) => new($"{Step.Node.Describe()}: {message}");

    /// <summary>Runs a prepared subgraph with this run's values visible to it; returns its outputs in order.</summary>
    public Tensor[] Run(Subgraph subgraph, ReadOnlySpan<Tensor?> inputs)
    {
        ArgumentNullException.ThrowIfNull(subgraph);
        return subgraph.Run(_frame, inputs, Options);
    }

    private KernelException MissingInput(int index) => new($"{Step.Node.Describe()}: required input {index} is missing");
}
