using System.Collections.Concurrent;

namespace Pinhole.Runtime;

/// <summary>
/// Kernels keyed by domain, op type and the opset version they are valid from. Each kernel file registers itself
/// with one line in a module initializer, so there is no central switch over op names.
/// </summary>
public static class KernelRegistry
{
    // Classes and string keys, not structs and tuples: collections over reference types share code that ReadyToRun
    // precompiles, while each instantiation over a value type is compiled by the JIT at every process start.
    private sealed record Entry(int SinceVersion, KernelFactory Factory);

    private sealed record Versions(string Domain, string Op)
    {
        public List<Entry> List { get; } = [];
    }

    private static readonly ConcurrentDictionary<string, Versions> Entries = new(StringComparer.Ordinal);

    private static string Key(string domain, string opType) => string.Concat(IR.Node.NormalizeDomain(domain), "\n", opType);

    /// <summary>Registers a kernel valid from opset <paramref name="sinceVersion"/> until the next registration of the same op.</summary>
    public static void Register(string domain, string opType, int sinceVersion, KernelFactory factory)
    {
        string normalized = IR.Node.NormalizeDomain(domain);
        var list = Entries.GetOrAdd(Key(normalized, opType), _ => new Versions(normalized, opType)).List;
        lock (list)
        {
            list.RemoveAll(e => e.SinceVersion == sinceVersion);
            list.Add(new Entry(sinceVersion, factory));
            list.Sort((a, b) => a.SinceVersion.CompareTo(b.SinceVersion));
        }
    }

    /// <summary>The factory for <paramref name="opType"/> at <paramref name="opsetVersion"/>, or null.</summary>
    public static KernelFactory? Find(string domain, string opType, long opsetVersion)
    {
        if (!Entries.TryGetValue(Key(domain, opType), out var versions)) return null;
        var list = versions.List;
        lock (list)
        {
            for (int i = list.Count - 1; i >= 0; i--)
                if (list[i].SinceVersion <= opsetVersion) return list[i].Factory;
        }
        return null;
    }

    /// <summary>Every registered (domain, op) pair, for reports.</summary>
    public static IReadOnlyList<(string Domain, string OpType)> RegisteredOps() =>
        Entries.Values.Select(v => (v.Domain, v.Op)).OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.Op, StringComparer.Ordinal).ToList();

    /// <summary>Whether any version of the op is registered.</summary>
    public static bool IsRegistered(string domain, string opType) =>
        Entries.ContainsKey(Key(domain, opType));
}
