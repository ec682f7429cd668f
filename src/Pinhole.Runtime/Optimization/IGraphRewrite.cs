using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// One graph rewrite rule. <see cref="TryApply"/> looks at the pattern rooted at <paramref name="node"/> and, when it
/// matches, rewrites the graph through <paramref name="rewriter"/> and returns true; otherwise it changes nothing.
/// Rules must keep the graph's results (up to the rounding the rewrite is meant to change) and must not mutate
/// anything shared with the caller's model (tensors, attributes): create new ones instead.
/// </summary>
internal interface IGraphRewrite
{
    /// <summary>A short name for diagnostics and deterministic ordering.</summary>
    string Name { get; }

    bool TryApply(GraphRewriter rewriter, Node node);
}
