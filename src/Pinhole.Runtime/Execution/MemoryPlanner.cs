namespace Pinhole.Runtime;

/// <summary>
/// Static placement of buffers in one arena: each buffer has a size and a lifetime [First, Last] (steps, inclusive);
/// buffers whose lifetimes overlap get disjoint ranges. Greedy: largest first (as ONNX Runtime and TFLite do), each at
/// the lowest offset that fits in the gaps between the already placed buffers it overlaps in time (first fit) or in the
/// smallest such gap (best fit), and the same again ordered by size x lifetime; the smallest arena wins (densenet121:
/// 7.66 MiB by size alone, 6.89 MiB = the lower bound with the second order).
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
        // Greedy placement in a few orders (largest first, largest size x lifetime first), each with first fit and best
        // fit (the smallest gap that holds the buffer): keep the smallest arena (the first found on ties).
        (long[] Offsets, long ArenaSize)? chosen = null;
        foreach (bool byArea in new[] { false, true })
            foreach (bool bestFit in new[] { false, true })
            {
                var plan = Place(buffers, alignment, bestFit, byArea);
                if (chosen is null || plan.ArenaSize < chosen.Value.ArenaSize) chosen = plan;
            }
        return chosen!.Value;
    }

    private static (long[] Offsets, long ArenaSize) Place(IReadOnlyList<Interval> buffers, long alignment, bool bestFit, bool byArea)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignment, 1);
        int n = buffers.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        // Largest (size, or size x lifetime) first; ties by size, earlier start, then index, so the plan is deterministic.
        Array.Sort(order, (a, b) =>
        {
            int c = byArea ? Area(buffers[b]).CompareTo(Area(buffers[a])) : 0;
            if (c != 0) return c;
            c = buffers[b].Size.CompareTo(buffers[a].Size);
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

    private static double Area(Interval b) => (double)b.Size * (b.Last - b.First + 1);

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
