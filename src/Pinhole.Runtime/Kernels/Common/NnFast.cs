namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The switch between the nn kernels' vectorized fast paths and their scalar references. PINHOLE_ISA=scalar (read
/// once) selects the references process-wide; tests select them on one thread with <see cref="Reference"/>.
/// </summary>
internal static class NnFast
{
    private static readonly string Setting = Environment.GetEnvironmentVariable("PINHOLE_ISA")?.Trim().ToLowerInvariant() ?? "";

    private static readonly bool ProcessEnabled = Setting != "scalar";

    /// <summary>Whether hand-written vector loops may use 512-bit vectors (not with PINHOLE_ISA=128 or 256).</summary>
    public static bool Use512 { get; } = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && Setting is not ("128" or "256");

    /// <summary>Whether hand-written vector loops may use 256-bit vectors (not with PINHOLE_ISA=128).</summary>
    public static bool Use256 { get; } = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated && Setting != "128";

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
