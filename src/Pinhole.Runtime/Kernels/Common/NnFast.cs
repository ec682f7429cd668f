namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The switch between the nn kernels' vectorized fast paths and their scalar references. PINHOLE_ISA=scalar (read
/// once) selects the references process-wide; tests select them on one thread with <see cref="Reference"/>.
/// </summary>
internal static class NnFast
{
    private static readonly bool ProcessEnabled =
        !string.Equals(Environment.GetEnvironmentVariable("PINHOLE_ISA")?.Trim(), "scalar", StringComparison.OrdinalIgnoreCase);

    [ThreadStatic] private static int _referenceDepth;

    /// <summary>Elements below which an elementwise kernel stays on one thread.</summary>
    public const int ParallelGrain = 1 << 16;

    /// <summary>Whether kernels on this thread take their fast paths.</summary>
    public static bool Enabled => ProcessEnabled && _referenceDepth == 0;

    /// <summary>Until disposed, kernels executed on this thread take their scalar reference paths.</summary>
    public static ReferenceScope Reference()
    {
        _referenceDepth++;
        return default;
    }

    /// <summary>How many parallel items to split <paramref name="elements"/> of work over (1 when small).</summary>
    public static int Chunks(long elements, int items, int threads)
    {
        if (threads <= 1 || elements < ParallelGrain || items <= 1) return 1;
        long byWork = elements / (ParallelGrain / 2);
        return (int)Math.Max(1, Math.Min(Math.Min(items, threads * 4L), byWork));
    }

    /// <summary>Ends a <see cref="Reference"/> scope.</summary>
    public readonly struct ReferenceScope : IDisposable
    {
        public void Dispose() => _referenceDepth--;
    }
}
