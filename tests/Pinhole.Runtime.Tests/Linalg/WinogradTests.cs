using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Linalg;

/// <summary>F(2x2, 3x3) Winograd convolution: chosen by the declared input width, against a double-precision direct convolution.</summary>
public class WinogradTests
{
    private static float[] Random(Random rng, int n)
    {
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)((rng.NextDouble() * 2) - 1);
        return r;
    }

    // n c h w m, pads top left bottom right, activation (none, Relu, Clip, Sigmoid), bias.
    [Theory]
    [InlineData(1, 8, 20, 24, 8, 1, 1, 1, 1, "", true)]
    [InlineData(2, 9, 17, 31, 13, 1, 1, 1, 1, "Relu", true)]
    [InlineData(1, 16, 9, 33, 9, 0, 0, 0, 0, "Clip", false)]
    [InlineData(1, 8, 11, 30, 16, 1, 0, 0, 1, "Sigmoid", true)]
    [InlineData(1, 12, 6, 62, 24, 2, 2, 1, 1, "", true)]
    [InlineData(1, 150, 6, 32, 24, 1, 1, 1, 1, "", true)] // one k block of 150 (at most a quarter over 128)
    [InlineData(1, 170, 6, 32, 24, 1, 1, 1, 1, "", true)] // two k blocks of the packed weights
    // Small images: tiles as the product rows (7x7, 13x13 with odd tiles, 14x14 with a non-clamp activation).
    [InlineData(1, 96, 7, 7, 80, 1, 1, 1, 1, "Relu", true)]
    [InlineData(2, 97, 13, 13, 64, 1, 1, 1, 1, "", false)]
    [InlineData(1, 48, 14, 14, 64, 1, 1, 1, 1, "Sigmoid", true)]
    [InlineData(1, 96, 9, 11, 72, 0, 1, 0, 1, "Clip", true)]
    [InlineData(1, 300, 7, 7, 70, 1, 1, 1, 1, "Relu", false)] // three k blocks, a partial panel
    public void MatchesDirectConvolution(int n, int c, int h, int w, int m, int pt, int pl, int pb, int pr, string activation, bool withBias)
    {
        if (!ConvWinograd.Supported(Isa.Widest)) return; // the transforms need AVX-512; other machines use the implicit GEMM
        var rng = new Random((n * 1000) + (c * 100) + w);
        int[] xs = [n, c, h, w], ws = [m, c, 3, 3];
        var x = Random(rng, n * c * h * w);
        var weights = Random(rng, m * c * 9);
        var bias = withBias ? Random(rng, m) : null;
        var expected = GemmPathTests.NaiveConv2D(x, xs, weights, ws, 1, [1, 1], [1, 1], [pt, pl, pb, pr], bias, out int oh, out int ow);
        bool fused = activation.Length > 0;
        if (fused)
        {
            var act = LinalgActivation.Parse(activation, activation == "Clip" ? -0.25f : null, activation == "Clip" ? 0.5f : null, null)!;
            act.Apply(expected);
        }
        var attrs = new List<NodeAttribute> { NodeAttribute.Of("pads", new long[] { pt, pl, pb, pr }) };
        if (fused)
        {
            attrs.Add(NodeAttribute.Of("activation", activation));
            if (activation == "Clip") attrs.Add(NodeAttribute.Of("activation_params", new float[] { -0.25f, 0.5f }));
        }
        var model = ModelBuilder.SingleNode(fused ? "FusedConv" : "Conv", withBias ? 3 : 2, 1, fused ? 1 : 21, fused ? "com.microsoft" : "", [.. attrs]);
        model.Graph.Initializers["x1"] = Tensor.FromArray(weights, ws);
        if (bias != null) model.Graph.Initializers["x2"] = Tensor.FromArray(bias, [m]);
        model.Graph.Inputs.RemoveRange(1, model.Graph.Inputs.Count - 1);
        model.Graph.Inputs[0] = new ValueInfo("x0", new TensorTypeInfo(DataType.Float, xs.Select(d => Dim.Known(d)).ToArray()));
        float[]? first = null;
        foreach (int threads in new[] { 1, 2 })
        {
            string variant = "";
            using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = threads, NodeExecuted = e => variant = e.Variant });
            var y = session.Run([Tensor.FromArray(x, xs)])[0];
            Assert.StartsWith("winograd/", variant);
            Assert.Equal([n, m, oh, ow], y.Shape);
            var ys = y.Span<float>().ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - ys[i]) < 2e-4f * (1 + (c * 9 / 8)), $"{threads} threads, {i}: {expected[i]} vs {ys[i]}");
            if (first == null) first = ys;
            else Assert.Equal(first, ys); // the same result for any thread count
        }
    }

    [Fact]
    public void NarrowInputsUseTheScalarReference()
    {
        // A row narrower than one vector takes the reference path; it must agree with the direct convolution too.
        var rng = new Random(7);
        int c = 5, m = 6, h = 7, w = 9;
        var x = Random(rng, c * h * w);
        var weights = Random(rng, m * c * 9);
        var bias = Random(rng, m);
        var expected = GemmPathTests.NaiveConv2D(x, [1, c, h, w], weights, [m, c, 3, 3], 1, [1, 1], [1, 1], [1, 1, 1, 1], bias, out int oh, out int ow);
        var winograd = new ConvWinograd(weights, m, c, Isa.Default);
        var y = new float[m * oh * ow];
        unsafe
        {
            fixed (float* px = x)
            fixed (float* pb = bias)
            fixed (float* py = y)
                winograd.Run(px, py, new ConvWinograd.Image(h, w, 1, 1, oh, ow), pb, new EpilogueArgs(null, null, null), 1);
        }
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - y[i]) < 1e-4f * 7, $"{i}: {expected[i]} vs {y[i]}");
    }

    [Fact]
    public void UnknownOrNarrowWidthsKeepTheImplicitGemm()
    {
        Assert.False(ConvWinograd.Worthwhile(64, 64, 7));   // 4 tiles in a 16-lane vector
        Assert.False(ConvWinograd.Worthwhile(64, 64, 14));
        Assert.True(ConvWinograd.Worthwhile(64, 64, 28));
        Assert.True(ConvWinograd.Worthwhile(64, 64, 224));
        Assert.False(ConvWinograd.Worthwhile(4, 64, 224));  // too few output channels
        Assert.True(ConvWinograd.WorthwhileSmall(64, 96, 7, 7));
        Assert.True(ConvWinograd.WorthwhileSmall(64, 64, 14, 14));
        Assert.False(ConvWinograd.WorthwhileSmall(256, 64, 13, 13)); // odd: the tiles overhang, the implicit GEMM wins
        Assert.False(ConvWinograd.WorthwhileSmall(32, 128, 14, 14));
        Assert.False(ConvWinograd.WorthwhileSmall(64, 64, 56, 56)); // the vector layout's case
    }
}
