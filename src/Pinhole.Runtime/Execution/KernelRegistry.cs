using System.Collections.Concurrent;

namespace Pinhole.Runtime;

/// <summary>
/// Kernels keyed by domain, op type and the opset version they are valid from. Each kernel file registers itself
/// with one line in a module initializer, so there is no central switch over op names.
/// </summary>
public static class KernelRegistry
{
    private readonly record struct Entry(int SinceVersion, KernelFactory Factory);

    private static readonly ConcurrentDictionary<(string Domain, string Op), List<Entry>> Entries = new();

    /// <summary>Registers a kernel valid from opset <paramref name="sinceVersion"/> until the next registration of the same op.</summary>
    public static void Register(string domain, string opType, int sinceVersion, KernelFactory factory)
    {
        var list = Entries.GetOrAdd((IR.Node.NormalizeDomain(domain), opType), _ => []);
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
        if (!Entries.TryGetValue((IR.Node.NormalizeDomain(domain), opType), out var list)) return null;
        lock (list)
        {
            for (int i = list.Count - 1; i >= 0; i--)
                if (list[i].SinceVersion <= opsetVersion) return list[i].Factory;
        }
        return null;
    }

    /// <summary>Every registered (domain, op) pair, for reports.</summary>
    public static IReadOnlyList<(string Domain, string OpType)> RegisteredOps() =>
        Entries.Keys.OrderBy(k => k.Domain, StringComparer.Ordinal).ThenBy(k => k.Op, StringComparer.Ordinal).ToList();

    /// <summary>Whether any version of the op is registered.</summary>
    public static bool IsRegistered(string domain, string opType) =>
        Entries.ContainsKey((IR.Node.NormalizeDomain(domain), opType));
}
