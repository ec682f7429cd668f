namespace Pinhole.Runtime;

/// <summary>
/// Static placement of buffers in one arena: each buffer has a size and a lifetime [First, Last] (steps, inclusive);
/// buffers whose lifetimes overlap get disjoint ranges. Greedy by size: largest first, each at the lowest offset that
/// fits in the gaps between the already placed buffers it overlaps in time (first fit), as ONNX Runtime and TFLite do.
/// </summary>
internal static class MemoryPlanner
{
    /// <summary>A buffer to place: <paramref name="Size"/> units alive from step <paramref name="First"/> to <paramref name="Last"/> inclusive.</summary>
    public readonly record struct Interval(long Size, int First, int Last)
    {
        public bool Overlaps(Interval other) => First <= other.Last && other.First <= Last;
    }

    /// <summary>
    /// Offsets for <paramref name="buffers"/>, and the arena size they need. Buffers of at least
    /// <paramref name="alignment"/> units start at (and are padded to) multiples of it; smaller ones are packed unaligned.
    /// </summary>
    public static (long[] Offsets, long ArenaSize) Place(IReadOnlyList<Interval> buffers, long alignment = 1)
    {
        // First fit, and best fit (the smallest gap that holds the buffer): keep the smaller arena.
        var first = Place(buffers, alignment, bestFit: false);
        var best = Place(buffers, alignment, bestFit: true);
        return best.ArenaSize < first.ArenaSize ? best : first;
    }

    private static (long[] Offsets, long ArenaSize) Place(IReadOnlyList<Interval> buffers, long alignment, bool bestFit)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignment, 1);
        int n = buffers.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Largest first; ties by earlier start, then index, so the plan is deterministic.
        Array.Sort(order, (a, b) =>
        {
            int c = buffers[b].Size.CompareTo(buffers[a].Size);
            if (c != 0) return c;
            c = buffers[a].First.CompareTo(buffers[b].First);
            return c != 0 ? c : a.CompareTo(b);
        });

        var offsets = new long[n];
        var placed = new List<int>(n);
        var overlapping = new List<(long Start, long End)>();
        long arena = 0;
        foreach (int i in order)
        {
            var b = buffers[i];
            long align = AlignmentOf(b.Size, alignment);
            long size = AlignUp(b.Size, align);
            overlapping.Clear();
            foreach (int j in placed)
                if (buffers[j].Overlaps(b) && buffers[j].Size > 0)
                    overlapping.Add((offsets[j], offsets[j] + AlignUp(buffers[j].Size, AlignmentOf(buffers[j].Size, alignment))));
            overlapping.Sort((x, y) => x.Start.CompareTo(y.Start));
            long candidate = 0, chosen = -1, chosenGap = long.MaxValue;
            foreach (var (start, end) in overlapping)
            {
                long gap = start - candidate;
                if (gap >= size)
                {
                    if (!bestFit) break;
                    if (gap < chosenGap) { chosen = candidate; chosenGap = gap; }
                }
                candidate = Math.Max(candidate, AlignUp(end, align));
            }
            offsets[i] = chosen >= 0 ? chosen : candidate;
            if (b.Size > 0) arena = Math.Max(arena, offsets[i] + size);
            placed.Add(i);
        }
        return (offsets, arena);
    }

    /// <summary>The largest total size of buffers alive at one step: no placement can use a smaller arena.</summary>
    public static long LowerBound(IReadOnlyList<Interval> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        if (buffers.Count == 0) return 0;
        // Sweep: +size at First, -size after Last.
        var events = new List<(int Step, long Delta)>(buffers.Count * 2);
        foreach (var b in buffers)
        {
            events.Add((b.First, b.Size));
            events.Add((b.Last + 1, -b.Size));
        }
        events.Sort((x, y) => x.Step != y.Step ? x.Step.CompareTo(y.Step) : x.Delta.CompareTo(y.Delta));
        long live = 0, peak = 0;
        foreach (var (_, delta) in events)
        {
            live += delta;
            peak = Math.Max(peak, live);
        }
        return peak;
    }

    private static long AlignmentOf(long size, long alignment) => size >= alignment ? alignment : 1;

    public static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;
}
