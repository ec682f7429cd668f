namespace Pinhole.Runtime.Optimization;

/// <summary>The registry of rewrite rules by level. Each rule registers itself with one line in a [ModuleInitializer].</summary>
internal static class OptimizationRules
{
    private static readonly Lock s_lock = new();
    private static readonly List<(OptimizationLevel Level, IGraphRewrite Rule)> s_rules = [];

    public static void Register(OptimizationLevel level, IGraphRewrite rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (level == OptimizationLevel.None) throw new ArgumentException("rules cannot be registered at level None", nameof(level));
        lock (s_lock) s_rules.Add((level, rule));
    }

    /// <summary>The rules that run at <paramref name="level"/> (that level and the ones below), by level then name.</summary>
    public static IReadOnlyList<IGraphRewrite> For(OptimizationLevel level)
    {
        lock (s_lock)
        {
            return s_rules.Where(r => r.Level <= level)
                .OrderBy(r => r.Level).ThenBy(r => r.Rule.Name, StringComparer.Ordinal)
                .Select(r => r.Rule).ToArray();
        }
    }
}
