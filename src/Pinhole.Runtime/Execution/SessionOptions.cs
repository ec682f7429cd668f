namespace Pinhole.Runtime;

/// <summary>Options for creating an <see cref="InferenceSession"/>.</summary>
public sealed class SessionOptions
{
    /// <summary>Threads a kernel may use inside one node (1 = run on the caller's thread); default: one per logical processor.</summary>
    public int IntraOpThreads { get; set; } = IntraOp.DefaultThreads;

    /// <summary>Check the element type and known dimensions of each input against the model's declaration.</summary>
    public bool ValidateInputs { get; set; } = true;

    /// <summary>
    /// Called after every node of every graph runs (profilers, shape recorders). Null for no overhead. The tensors it
    /// is given may live in the session's memory arena: they are valid during the call only (Clone them to keep them).
    /// </summary>
    public Action<NodeExecution>? NodeExecuted { get; set; }

    /// <summary>
    /// Place intermediate values in a per-run arena planned from the first run of each input signature (element types
    /// and shapes), as ONNX Runtime's memory patterns do; off: every intermediate is a fresh heap array.
    /// </summary>
    public bool MemoryArena { get; set; } = true;

    /// <summary>Graph rewrites applied when the session is created (on a copy of the model's graph).</summary>
    public OptimizationLevel OptimizationLevel { get; set; } = OptimizationLevel.All;
}

/// <summary>How much a session rewrites the graph before running it.</summary>
public enum OptimizationLevel
{
    /// <summary>Run the graph as written.</summary>
    None = 0,

    /// <summary>
    /// Semantics-preserving rewrites in the ONNX domain (constant and shape folding, dead-code elimination, Identity /
    /// Dropout / no-op Cast / Reshape removal, BatchNormalization and per-channel Mul/Add folded into Conv, MatMul+Add
    /// into Gemm, Transpose elimination, Relu before a saturating QuantizeLinear) and the fusion of
    /// DequantizeLinear → op → QuantizeLinear groups into integer kernels, as ONNX Runtime does by default (the fused
    /// kernels round once, so results may differ from the float QDQ semantics by a quantization step).
    /// </summary>
    Basic = 1,

    /// <summary>
    /// Basic, plus fusions into com.microsoft contrib ops that ONNX Runtime also runs (FusedConv / FusedGemm with an
    /// activation, Gelu, LayerNormalization), as ONNX Runtime's ORT_ENABLE_EXTENDED.
    /// </summary>
    Extended = 2,

    /// <summary>Every rewrite (the default, as ONNX Runtime's ORT_ENABLE_ALL); currently the same as <see cref="Extended"/>.</summary>
    All = 3,
}

/// <summary>What one node consumed and produced in one run, for observers; <paramref name="Variant"/> is the kernel's <see cref="OpKernel.Variant"/>.</summary>
public readonly record struct NodeExecution(IR.Node Node, IReadOnlyList<Tensor?> Inputs, IReadOnlyList<Tensor?> Outputs, TimeSpan Elapsed,
    string Variant = "");
