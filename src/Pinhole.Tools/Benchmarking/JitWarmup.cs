using System.Diagnostics;
using System.Runtime;

namespace Pinhole.Tools.Benchmarking;

/// <summary>
/// Warm-up that waits for the JIT: .NET first compiles methods quickly (tier 0) and recompiles the hot ones optimized
/// (tier 1) in the background after they have been called a number of times, so the first runs of a model are slower
/// than the steady state. This keeps running until no method was compiled for a while.
/// </summary>
public static class JitWarmup
{
    /// <summary>
    /// Calls <paramref name="run"/> at least <paramref name="minRuns"/> times, then until no method has been JIT-compiled
    /// for <paramref name="quiet"/> (and during the last run), or until <paramref name="limit"/> has passed.
    /// </summary>
    /// <returns>How many times <paramref name="run"/> was called.</returns>
    public static int Run(Action run, int minRuns, TimeSpan quiet, TimeSpan limit)
    {
        ArgumentNullException.ThrowIfNull(run);
        var clock = Stopwatch.StartNew();
        long compiled = JitInfo.GetCompiledMethodCount();
        var lastChange = TimeSpan.Zero;
        int runs = 0;
        while (runs < minRuns || clock.Elapsed < limit && clock.Elapsed - lastChange < quiet)
        {
            run();
            runs++;
            long now = JitInfo.GetCompiledMethodCount();
            if (now == compiled) continue;
            compiled = now;
            lastChange = clock.Elapsed;
        }
        return runs;
    }
}
