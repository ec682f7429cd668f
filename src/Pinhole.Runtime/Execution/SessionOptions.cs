namespace Pinhole.Runtime;

/// <summary>Options for creating an <see cref="InferenceSession"/>.</summary>
public sealed class SessionOptions
{
    /// <summary>Threads a kernel may use inside one node (1 = run on the caller's thread).</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Check the element type and known dimensions of each input against the model's declaration.</summary>
    public bool ValidateInputs { get; set; } = true;

    /// <summary>Called after every node of every graph runs (profilers, shape recorders). Null for no overhead.</summary>
    public Action<NodeExecution>? NodeExecuted { get; set; }
}

/// <summary>What one node consumed and produced in one run, for observers.</summary>
public readonly record struct NodeExecution(IR.Node Node, IReadOnlyList<Tensor?> Inputs, IReadOnlyList<Tensor?> Outputs, TimeSpan Elapsed);
