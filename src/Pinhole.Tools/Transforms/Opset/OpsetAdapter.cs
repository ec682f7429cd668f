using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>
/// Rewrites one op for a newer opset. <see cref="Since"/> is the version whose change it handles: the adapter runs when a
/// model moves from below that version to it or beyond.
/// </summary>
internal abstract class OpsetAdapter
{
    public abstract string OpType { get; }
    public abstract long Since { get; }

    /// <summary>Throws <see cref="UnsupportedModelException"/> when the node cannot be upgraded from <paramref name="from"/>.</summary>
    public virtual void Check(Node node, long from, Graph graph) { }

    /// <summary>Rewrites the node in place (or around it through <paramref name="context"/>); false if it needed nothing.</summary>
    public abstract bool Adapt(Node node, long from, AdapterContext context);
}

/// <summary>An op whose old form cannot be upgraded.</summary>
internal sealed class RefusedOp(string opType, long since, string why) : OpsetAdapter
{
    public override string OpType => opType;
    public override long Since => since;

    public override void Check(Node node, long from, Graph graph) =>
        throw new UnsupportedModelException($"node '{node.Name}' ({node.OpType}, opset {from}) cannot be upgraded past opset {since - 1}: {why}");

    public override bool Adapt(Node node, long from, AdapterContext context) => false;
}

/// <summary>The adapters by op type, each registered by one line in its own file.</summary>
internal static class OpsetAdapters
{
    private static readonly Dictionary<string, List<OpsetAdapter>> ByOp = new(StringComparer.Ordinal);

    public static void Register(OpsetAdapter adapter)
    {
        lock (ByOp)
        {
            if (!ByOp.TryGetValue(adapter.OpType, out var list)) ByOp[adapter.OpType] = list = [];
            list.Add(adapter);
        }
    }

    /// <summary>The adapter for a change of <paramref name="opType"/> in (from, to], if there is one.</summary>
    public static OpsetAdapter? Find(string opType, long from, long to)
    {
        lock (ByOp)
        {
            if (!ByOp.TryGetValue(opType, out var list)) return null;
            foreach (var a in list)
                if (from < a.Since && a.Since <= to) return a;
            return null;
        }
    }
}
