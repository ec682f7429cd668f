namespace Pinhole.Runtime;

/// <summary>
/// A session's memory plans, one per input signature seen (the most recent few): lookup allocates nothing, and the
/// first run of a new signature records the run a plan is built from.
/// </summary>
internal sealed class ArenaPlanCache(ExecutionPlan plan)
{
    private const int MaxPlans = 4;

    private readonly object _lock = new();
    private volatile ArenaPlan[] _plans = [];

    /// <summary>The plan of the last run's signature (null until one is planned).</summary>
    public ArenaPlan? Latest { get; private set; }

    /// <summary>The plan for the inputs now in <paramref name="values"/>, or null when the signature is new.</summary>
    public ArenaPlan? Find(Tensor?[] values)
    {
        var plans = _plans;
        foreach (var p in plans)
        {
            if (!p.Matches(values, plan.InputSlots)) continue;
            Latest = p;
            return p;
        }
        return null;
    }

    /// <summary>Builds and keeps the plan of a recorded run (unless a concurrent run already planned the signature).</summary>
    public void Add(ArenaRecorder recorder, int[] signature)
    {
        var built = ArenaPlan.Build(plan, recorder, signature);
        lock (_lock)
        {
            var plans = _plans;
            foreach (var p in plans)
            {
                if (!p.HasSignature(signature)) continue;
                Latest = p;
                return;
            }
            var next = new ArenaPlan[Math.Min(plans.Length + 1, MaxPlans)];
            next[0] = built;
            Array.Copy(plans, 0, next, 1, next.Length - 1);
            _plans = next;
            Latest = built;
        }
    }
}
