namespace Pinhole.Runtime.Optimization;

/// <summary>The registry of rewrite rules by level. Each rule registers itself with one line in a [ModuleInitializer].</summary>
internal static class OptimizationRules
{
    private static readonly Lock s_lock = new();
    /// <summary>A class, not a tuple: lists and sorts over reference types share code that ReadyToRun precompiles, while an
    /// instantiation over a value type is compiled by the JIT at every process start.</summary>
    private sealed record Entry(OptimizationLevel Level, IGraphRewrite Rule);

    private static readonly List<Entry> s_rules = [];

    public static void Register(OptimizationLevel level, IGraphRewrite rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (level == OptimizationLevel.None) throw new ArgumentException("rules cannot be registered at level None", nameof(level));
        lock (s_lock) s_rules.Add(new Entry(level, rule));
    }

    /// <summary>The rules that run at <paramref name="level"/> (that level and the ones below), by level then name.</summary>
    public static IReadOnlyList<IGraphRewrite> For(OptimizationLevel level)
    {
        lock (s_lock)
        {
            // A plain sort, not LINQ's OrderBy over tuples: generic instantiations that ReadyToRun does not precompile
            // cost ~10 ms of JIT at every process start.
            var chosen = new List<Entry>(s_rules.Count);
            foreach (var r in s_rules)
                if (r.Level <= level) chosen.Add(r);
            chosen.Sort(static (a, b) => a.Level != b.Level ? a.Level.CompareTo(b.Level) : string.CompareOrdinal(a.Rule.Name, b.Rule.Name));
            var rules = new IGraphRewrite[chosen.Count];
            for (int i = 0; i < rules.Length; i++) rules[i] = chosen[i].Rule;
            return rules;
        }
    }
}
