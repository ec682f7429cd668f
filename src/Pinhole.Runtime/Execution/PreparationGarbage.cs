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

    [ThreadStatic] private static long _mark;

    /// <summary>Starts counting from now (call when preparation begins).</summary>
    public static void Start() => _mark = GC.GetAllocatedBytesForCurrentThread();

    /// <summary>Collects when more than <see cref="Budget"/> bytes were allocated since the last collection or start.</summary>
    public static void Checkpoint(bool force = false)
    {
        long now = GC.GetAllocatedBytesForCurrentThread();
        if (now - _mark < (force ? Budget / 2 : Budget)) return;
        GC.Collect();
        _mark = GC.GetAllocatedBytesForCurrentThread();
    }
}
