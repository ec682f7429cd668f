using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Conv(x, W [, B]) → BatchNormalization(scale, bias, mean, var) with constant float weights, the Conv output read only
/// by the BatchNormalization ⇒ Conv(x, W·s, (B − mean)·s + bias) with s = scale / √(var + ε) per output channel.
/// </summary>
internal sealed class FuseBatchNormIntoConv : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new FuseBatchNormIntoConv());

    public string Name => "FuseBatchNormIntoConv";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "BatchNormalization", Domain: "" } || node.Inputs.Count != 5) return false;
        for (int k = 1; k < node.Outputs.Count; k++)
            if (node.Outputs[k].Length > 0 && rewriter.UseCount(node.Outputs[k]) > 0) return false;
        if (node.Attributes.TryGetValue("spatial", out var sp) && sp.Int == 0) return false;
        if (node.Attributes.TryGetValue("training_mode", out var tm) && tm.Int != 0) return false;
        var conv = rewriter.Producer(node.Inputs[0]);
        if (conv is not { OpType: "Conv", Domain: "" } || conv.Outputs.Count != 1 || !rewriter.IsOnlyUsedBy(conv.Outputs[0], node)) return false;
        var p = ChannelScale.Parameters(rewriter, node);
        if (p is null) return false;
        var (scale, shift) = p;
        if (!ChannelScale.TryScaleConv(rewriter, conv, scale, shift, out var fused)) return false;
        fused.Outputs[0] = node.Outputs[0];
        rewriter.Replace(node, fused, conv);
        return true;
    }
}

/// <summary>A per-channel affine map y·s + t (a class, not a nullable tuple, whose instantiation the JIT compiles at every start).</summary>
internal sealed record ChannelAffine(float[] Scale, float[] Shift);

/// <summary>Folding per-output-channel affine maps (y·s + t) into the weights and bias of a Conv.</summary>
internal static class ChannelScale
{
    /// <summary>A BatchNormalization's per-channel scale s = γ / √(var + ε) and shift t = β − mean·s, when all are constant floats.</summary>
    public static ChannelAffine? Parameters(GraphRewriter r, Node bn)
    {
        var t = new Tensor[4];
        for (int k = 0; k < 4; k++)
        {
            if (r.Constant(bn.Inputs[k + 1]) is not { Type: DataType.Float, Rank: 1 } c) return null;
            t[k] = c;
        }
        int m = t[0].Length;
        if (t.Any(x => x.Length != m)) return null;
        double eps = bn.Attributes.TryGetValue("epsilon", out var e) ? e.Float : 1e-5;
        var gamma = t[0].ReadOnlySpan<float>();
        var beta = t[1].ReadOnlySpan<float>();
        var mean = t[2].ReadOnlySpan<float>();
        var variance = t[3].ReadOnlySpan<float>();
        var s = new float[m];
        var shift = new float[m];
        for (int c = 0; c < m; c++)
        {
            double sc = gamma[c] / Math.Sqrt(variance[c] + eps);
            s[c] = (float)sc;
            shift[c] = (float)(beta[c] - (mean[c] * sc));
        }
        return new ChannelAffine(s, shift);
    }

    /// <summary>
    /// A new Conv (same inputs and attributes, new initializers) computing conv(x)·s + t per output channel; false when
    /// the Conv's weight (and bias) are not constant float tensors with <paramref name="scale"/>'s channel count.
    /// </summary>
    public static bool TryScaleConv(GraphRewriter r, Node conv, float[]? scale, float[]? shift, out Node fused)
    {
        fused = null!;
        if (conv.Inputs.Count < 2 || r.Constant(conv.Inputs[1]) is not { Type: DataType.Float, Rank: >= 3 } w) return false;
        int m = w.Shape[0];
        if ((scale is not null && scale.Length != m) || (shift is not null && shift.Length != m)) return false;
        Tensor? b = null;
        if (conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0)
        {
            b = r.Constant(conv.Inputs[2]);
            if (b is not { Type: DataType.Float, Length: var bl } || bl != m) return false;
        }
        string weightName = conv.Inputs[1];
        if (scale is not null)
        {
            // Weights folded or rescaled earlier in this optimization are scaled where they are (no copy of what can be
            // 100 MB); the caller's weights are copied.
            bool inPlace = r.CanOverwrite(conv.Inputs[1], conv);
            var wv = w.ReadOnlySpan<float>();
            var nw = inPlace ? null : GC.AllocateUninitializedArray<float>(w.Length);
            var target = inPlace ? w.Span<float>() : nw.AsSpan();
            int per = w.Length / Math.Max(1, m);
            for (int c = 0; c < m; c++)
                Scale(wv.Slice(c * per, per), scale[c], target.Slice(c * per, per));
            if (!inPlace) weightName = r.AddConstant(conv.Inputs[1] + "_scaled", Tensor.FromArray(nw!, w.Shape), owned: true);
        }
        string biasName = b is null ? "" : conv.Inputs[2];
        if (shift is not null || (scale is not null && b is not null))
        {
            var nb = new float[m];
            var bv = b is null ? default : b.ReadOnlySpan<float>();
            for (int c = 0; c < m; c++)
                nb[c] = ((b is null ? 0f : bv[c]) * (scale is null ? 1f : scale[c])) + (shift is null ? 0f : shift[c]);
            biasName = r.AddConstant((b is null ? conv.Outputs[0] : conv.Inputs[2]) + "_bias", Tensor.FromArray(nb, [m]), owned: true);
        }
        fused = new Node("Conv", [conv.Inputs[0], weightName, biasName], [conv.Outputs[0]], "", conv.Name);
        if (biasName.Length == 0) fused.Inputs.RemoveAt(2);
        foreach (var (k, v) in conv.Attributes) fused.Attributes[k] = v;
        return true;
    }

    /// <summary>
    /// The per-channel values of a constant that broadcasts against an [N, M, spatial...] tensor of rank
    /// <paramref name="rank"/> along axis 1 only (shape [M,1,..], [1,M,1,..], [1] or scalar), expanded to M entries.
    /// </summary>
    public static float[]? PerChannel(Tensor c, int rank, int m)
    {
        if (c.Type != DataType.Float || c.Rank > rank) return null;
        int channelAxis = c.Rank - (rank - 1); // position of axis 1 of the output in c's shape (right-aligned)
        for (int d = 0; d < c.Rank; d++)
            if (d != channelAxis && c.Shape[d] != 1) return null;
        var v = c.ReadOnlySpan<float>();
        var r = new float[m];
        if (c.Length == 1) Array.Fill(r, v[0]);
        else if (channelAxis >= 0 && c.Shape[channelAxis] == m) v.CopyTo(r);
        else return null;
        return r;
    }

    /// <summary>
    /// dst = src * s (the same span or disjoint ones), as a scalar loop. It runs once per weight at load, where
    /// ReadyToRun code serves: a vector loop (TensorPrimitives, or Vector128 over pointers) has its precompiled code
    /// rejected on this CPU and first runs JIT-compiled at tier 0.
    /// </summary>
    private static void Scale(ReadOnlySpan<float> src, float s, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = src[i] * s;
    }
}
