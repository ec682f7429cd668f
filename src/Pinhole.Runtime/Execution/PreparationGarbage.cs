namespace Pinhole.Runtime;

/// <summary>
/// Preparing a model can allocate its weights several times over (constant folding, folding BatchNormalization into
/// Conv, conversions, packing). Weights are large objects, which the GC frees only in full collections, so the
/// discarded copies pile up and set the process's peak memory. Preparation steps call <see cref="Checkpoint"/> between
/// units of work; after every <see cref="Budget"/> bytes allocated on this thread it collects once.
/// </summary>
internal static class PreparationGarbage
{
    public const long Budget = 48L << 20;

    /// <summary>
    /// The budget between the nodes of a recording run (the first run of an input signature, before its arena exists),
    /// whose garbage is activations. MobileNetV2 allocates 32 MB in that run: with the preparation budget no collection
    /// came, and `pinhole bench` peaked at 112.7 MiB; at 4 MiB six collections bring it to 93 MiB and the run takes no
    /// longer (its time is the JIT's).
    /// </summary>
    public const long RecordingBudget = 4L << 20;

    [ThreadStatic] private static long _mark;

    /// <summary>Starts counting from now (call when preparation begins).</summary>
    public static void Start() => _mark = GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Collects when more than <see cref="Budget"/> bytes were allocated since the last collection or start.</summary>
    public static void Checkpoint(bool force = false) => Checkpoint(force ? Budget / 2 : Budget);

    /// <summary>Collects when more than <paramref name="budget"/> bytes were allocated since the last collection or start.</summary>
    public static void Checkpoint(long budget)
    {
        long now = GC.GetAllocatedBytesForCurrentThread();
        if (now - _mark < budget) return;
        GC.Collect();
        _mark = GC.GetAllocatedBytesForCurrentThread();
    }
}
