using System.Collections.Concurrent;

namespace Pinhole.Runtime;

/// <summary>
/// The static memory plan of one input signature (the element types and shapes of a graph's inputs), built from a
/// recorded run: each intermediate a kernel allocated gets a fixed range in one arena per storage type, ranges of
/// values alive at the same step never overlap, and a value may share its input's range when its kernel allows
/// (<see cref="OpKernel.InPlaceInput"/>). Graph outputs and the values they alias are never planned (the caller keeps
/// them). Runs with the same signature rent an <see cref="Arena"/> from a small pool, so concurrent runs each get one.
/// </summary>
internal sealed class ArenaPlan
{
    /// <summary>Bytes each planned range is aligned to (a cache line, and a whole AVX-512 vector).</summary>
    public const int AlignmentBytes = 64;

    private const int MaxPooledArenas = 4;

    private readonly int[] _signature;
    private readonly ConcurrentBag<Arena> _pool = [];

    private ArenaPlan(int[] signature, int slots)
    {
        _signature = signature;
        Offsets = IntArrays.Filled(slots, -1);
        Types = new DataType[slots];
        Shapes = new int[slots][];
        AliasRoots = IntArrays.Filled(slots, -1);
        SharesInput = new bool[slots];
        StorageLength = new int[(int)ElementStorage.String + 1];
        StorageType = new DataType[StorageLength.Length];
    }

    /// <summary>Per slot: element offset in its storage's arena, or -1 when the slot is not planned.</summary>
    public int[] Offsets { get; }
    public DataType[] Types { get; }
    public int[][] Shapes { get; }

    /// <summary>Per slot: the planned slot whose range a tensor passed on as this slot may lie in (itself when planned).</summary>
    public int[] AliasRoots { get; }

    /// <summary>Per slot: whether its range is its input's (in place), so it must not be cleared.</summary>
    public bool[] SharesInput { get; }

    /// <summary>Elements of each storage type's arena (indexed by <see cref="ElementStorage"/>).</summary>
    public int[] StorageLength { get; }
    public DataType[] StorageType { get; }
    public MemoryPlanSummary Summary { get; private set; } = new(0, 0, 0);

    /// <summary>The input signature of a run: per input slot its element type, rank and dimensions (-1 when absent).</summary>
    public static int[] SignatureOf(Tensor?[] values, int[] inputSlots)
    {
        var signature = new List<int>();
        foreach (int s in inputSlots)
        {
            if (values[s] is not { } t) { signature.Add(-1); continue; }
            signature.Add((int)t.Type);
            signature.Add(t.Rank);
            signature.AddRange(t.Shape);
        }
        return [.. signature];
    }

    /// <summary>Whether the values in <paramref name="inputSlots"/> have this plan's signature (no allocation).</summary>
    public bool Matches(Tensor?[] values, int[] inputSlots)
    {
        var sig = _signature;
        int k = 0;
        foreach (int s in inputSlots)
        {
            if (k >= sig.Length) return false;
            if (values[s] is not { } t)
            {
                if (sig[k++] != -1) return false;
                continue;
            }
            if (sig[k++] != (int)t.Type || k >= sig.Length || sig[k++] != t.Rank || k + t.Rank > sig.Length) return false;
            var shape = t.Shape;
            for (int d = 0; d < shape.Length; d++)
                if (sig[k++] != shape[d]) return false;
        }
        return k == sig.Length;
    }

    public bool HasSignature(ReadOnlySpan<int> signature) => signature.SequenceEqual(_signature);

    public Arena Rent() => _pool.TryTake(out var arena) ? arena : new Arena(this);

    public void Return(Arena arena)
    {
        if (_pool.Count < MaxPooledArenas) _pool.Add(arena);
    }

    /// <summary>Plans the values <paramref name="recorder"/> saw in a run of <paramref name="plan"/>.</summary>
    public static ArenaPlan Build(ExecutionPlan plan, ArenaRecorder recorder, int[] signature)
    {
        int n = plan.SlotNames.Length;
        var result = new ArenaPlan(signature, n);
        var kinds = recorder.Kinds;
        var planned = new bool[n];
        for (int s = 0; s < n; s++)
            planned[s] = kinds[s] == ArenaRecorder.Kind.Allocated && !plan.IsOutput[s] && plan.Producer[s] >= 0
                && recorder.Types[s] != DataType.String && recorder.Shapes[s] is { } shape && Tensor.ElementCount(shape) > 0;
        // A graph output that aliases a value keeps that value's storage: such values stay on the heap.
        for (int s = 0; s < n; s++)
            if (kinds[s] == ArenaRecorder.Kind.Alias && plan.IsOutput[s]) planned[recorder.Roots[s]] = false;

        // Lifetimes: from the producing step to the last read of the value or of any alias of it.
        var end = new int[n];
        for (int s = 0; s < n; s++) end[s] = plan.LastUse[s];
        for (int s = 0; s < n; s++)
            if (kinds[s] == ArenaRecorder.Kind.Alias && recorder.Roots[s] is int r && r >= 0)
                end[r] = Math.Max(end[r], Math.Max(plan.LastUse[s], plan.Producer[s]));

        // Groups of values that share one range: group[s] is the root (path-compressed), delta[s] the element offset of
        // s within the root's range (0 but for joined inputs), and the group lives from groupStart to groupEnd.
        var group = new int[n];
        for (int s = 0; s < n; s++) group[s] = s;
        var delta = new int[n]; // relative to group[s] until Find compresses the path, then to the root
        var path = new List<int>();
        int Find(int s)
        {
            path.Clear();
            while (group[s] != s)
            {
                path.Add(s);
                s = group[s];
            }
            for (int i = path.Count - 1; i >= 0; i--)
            {
                int node = path[i], parent = group[node];
                if (parent != s) delta[node] += delta[parent]; // the parent already points at the root
                group[node] = s;
            }
            return s;
        }
        var hasMembers = new bool[n];
        var groupEnd = (int[])end.Clone();
        var groupStart = new int[n];
        for (int s = 0; s < n; s++) groupStart[s] = plan.Producer[s];
        var steps = plan.Steps;
        JoinInputs(plan, recorder, planned, steps, group, delta, hasMembers, groupStart, groupEnd, result);

        // In place: output 0 takes over its input's range when the input's group dies at this step.
        for (int k = 0; k < steps.Length; k++)
        {
            var step = steps[k];
            int input = step.Kernel.InPlaceInput;
            if (input < 0 || input >= step.Inputs.Length || step.Outputs.Length == 0) continue;
            int u = step.Inputs[input], v = step.Outputs[0];
            if (u < 0 || v < 0 || !planned[u] || !planned[v] || !recorder.Uninitialized[v] || Find(v) != v || hasMembers[v]) continue;
            int g = Find(u);
            if (groupEnd[g] != k || recorder.Types[u] != recorder.Types[v]
                || Tensor.ElementCount(recorder.Shapes[u]) != Tensor.ElementCount(recorder.Shapes[v])) continue;
            group[v] = g;
            delta[v] = g == u ? 0 : delta[u];
            hasMembers[g] = true;
            groupEnd[g] = Math.Max(groupEnd[g], end[v]);
            result.SharesInput[v] = true;
        }

        // One interval per group and storage type; place each storage type's groups in its own arena.
        var storageOf = new Dictionary<ElementStorage, List<int>>();
        var allBytes = new List<MemoryPlanner.Interval>();
        int plannedValues = 0;
        for (int s = 0; s < n; s++)
        {
            if (!planned[s]) continue;
            plannedValues++;
            result.Types[s] = recorder.Types[s];
            result.Shapes[s] = recorder.Shapes[s];
            result.AliasRoots[s] = s;
            if (Find(s) != s) continue;
            var storage = DataTypes.StorageOf(recorder.Types[s]);
            if (!storageOf.TryGetValue(storage, out var list)) storageOf[storage] = list = [];
            list.Add(s);
            allBytes.Add(new(Tensor.ElementCount(recorder.Shapes[s]) * (long)DataTypes.SizeOf(recorder.Types[s]), groupStart[s], groupEnd[s]));
        }
        long arenaBytes = 0;
        foreach (var (storage, roots) in storageOf)
        {
            int size = DataTypes.SizeOf(result.Types[roots[0]]);
            var intervals = roots.Select(s => new MemoryPlanner.Interval(Tensor.ElementCount(recorder.Shapes[s]), groupStart[s], groupEnd[s])).ToList();
            var (offsets, length) = MemoryPlanner.Place(intervals, Math.Max(1, AlignmentBytes / size));
            if (length > Tensor.MaxElements) continue; // too large for one array: these values stay on the heap
            for (int i = 0; i < roots.Count; i++) result.Offsets[roots[i]] = (int)offsets[i];
            result.StorageLength[(int)storage] = (int)length;
            result.StorageType[(int)storage] = result.Types[roots[0]];
            arenaBytes += length * size;
        }
        for (int s = 0; s < n; s++)
            if (planned[s] && Find(s) != s && result.Offsets[Find(s)] >= 0) result.Offsets[s] = result.Offsets[Find(s)] + delta[s];
        for (int s = 0; s < n; s++)
            if (kinds[s] == ArenaRecorder.Kind.Alias && recorder.Roots[s] is int r && r >= 0 && planned[r]) result.AliasRoots[s] = r;
        result.Summary = new MemoryPlanSummary(arenaBytes, MemoryPlanner.LowerBound(allBytes), plannedValues);
        return result;
    }

    /// <summary>
    /// Joins (<see cref="OpKernel.JoinAxis"/>, contiguous): each input that is a planned value, read by this step after it
    /// was produced, and in no other join, is placed where its part of the output goes, so the join copies nothing for it.
    /// An input may itself be a join with its inputs placed (DenseNet's growing concatenations nest one inside the next):
    /// its members move with it (their offsets are relative to it until resolved). The output's range then lives from the
    /// first member's producer; it is never cleared.
    /// </summary>
    private static void JoinInputs(ExecutionPlan plan, ArenaRecorder recorder, bool[] planned, ExecutionPlan.Step[] steps, int[] group, int[] delta,
        bool[] hasMembers, int[] groupStart, int[] groupEnd, ArenaPlan result)
    {
        for (int k = 0; k < steps.Length; k++)
        {
            var step = steps[k];
            if (step.Kernel.JoinAxis is not long axis || step.Outputs.Length == 0) continue;
            int v = step.Outputs[0];
            if (v < 0 || !planned[v] || !recorder.Uninitialized[v] || group[v] != v || hasMembers[v]) continue;
            var shape = recorder.Shapes[v];
            int rank = shape.Length;
            if (axis < -rank || axis >= rank) continue;
            int ax = (int)(axis < 0 ? axis + rank : axis);
            bool contiguous = true;
            for (int d = 0; d < ax; d++) contiguous &= shape[d] == 1;
            if (!contiguous) continue;
            long offset = 0;
            bool consistent = true;
            foreach (int u in step.Inputs)
            {
                if (u < 0 || recorder.Shapes[u] is not { } inShape) { consistent = false; break; }
                offset += Tensor.ElementCount(inShape);
            }
            if (!consistent || offset != Tensor.ElementCount(shape)) continue;
            offset = 0;
            for (int i = 0; i < step.Inputs.Length; i++)
            {
                int u = step.Inputs[i];
                long size = Tensor.ElementCount(recorder.Shapes[u]);
                bool repeated = Array.IndexOf(step.Inputs, u) != i || Array.LastIndexOf(step.Inputs, u) != i;
                if (planned[u] && group[u] == u && !repeated && recorder.Types[u] == recorder.Types[v] && plan.Producer[u] < k)
                {
                    group[u] = v;
                    delta[u] = (int)offset;
                    hasMembers[v] = true;
                    groupStart[v] = Math.Min(groupStart[v], groupStart[u]);
                    groupEnd[v] = Math.Max(groupEnd[v], groupEnd[u]);
                }
                offset += size;
            }
            if (hasMembers[v]) result.SharesInput[v] = true;
        }
    }
}
