using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Linalg;

/// <summary>
/// The transposed convolution for small output planes (<see cref="ConvPixelRows"/>): against a double-precision direct
/// convolution over kernel windows, strides, dilations, pads, partial tiles and panels, the residual and the epilogue;
/// the same bits for every thread count, with the image packed or read directly; and chosen in a session for 7x7 planes and
/// for deep windows over rows of whole 7-pixel tiles.
/// </summary>
public class ConvPixelRowsTests
{
    private static float[] Random(Random rng, int n)
    {
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)((rng.NextDouble() * 2) - 1);
        return r;
    }

    [Fact]
    public void MatchesDirectConvolution()
    {
        if (!ConvPixelRows.Supported(Isa.Widest, 1)) return; // AVX-512 only; other machines keep the channel-row GEMM
        var activations = new[] { "", "Clip", "Sigmoid" };
        Gen.Select(Gen.Int[1, 70], Gen.Int[1, 40], Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[0, (1 << 16) - 1]).Sample(t =>
        {
            var (m, c, kh, kw, flags) = t;
            int sh = 1 + (flags & 1), sw = 1 + ((flags >> 1) & 1), dh = 1 + ((flags >> 2) & 1), dw = 1 + ((flags >> 3) & 1);
            int pt = (flags >> 4) & 3, pl = (flags >> 6) & 3, pb = (flags >> 8) & 1, pr = (flags >> 9) & 1;
            bool withBias = (flags & (1 << 10)) != 0, accumulate = (flags & (1 << 11)) != 0;
            string activation = activations[(flags >> 12) % 3];
            int ih = 1 + (flags % 13) + ((kh - 1) * dh), iw = 2 + ((flags >> 5) % 11) + ((kw - 1) * dw);
            var act = activation.Length == 0 ? null : LinalgActivation.Parse(activation, activation == "Clip" ? -0.5f : null, activation == "Clip" ? 0.75f : null, null);
            CheckAgainstNaive(m, c, ih, iw, kh, kw, [sh, sw, dh, dw, pt, pl, pb, pr], withBias, accumulate, act, flags, null);
        });
    }

    [Fact]
    public void ReadingTheImageDirectlyMatchesDirectConvolution()
    {
        if (!ConvPixelRows.Supported(Isa.Widest, 1)) return;
        // Output rows of whole 7-pixel tiles, so that the image is read in place or through a zero-padded copy; up to 12 rows
        // of 28 pixels cross several groups of tiles, and partial panels and blocks of 16 pixels reach the store's tails.
        Gen.Select(Gen.Int[1, 70], Gen.Int[1, 12], Gen.Int[1, 5], Gen.Int[1, 4], Gen.Int[0, (1 << 16) - 1]).Sample(t =>
        {
            var (m, c, kh, kw, flags) = t;
            int sh = 1 + (flags & 1), sw = 1 + ((flags >> 1) & 1), dh = 1 + ((flags >> 2) & 1), dw = 1 + ((flags >> 3) & 1);
            int pt = (flags >> 4) & 3, pl = (flags >> 6) & 3, pb = (flags >> 8) & 1, pr = (flags >> 9) & 1;
            bool withBias = (flags & (1 << 10)) != 0, accumulate = (flags & (1 << 11)) != 0, clip = (flags & (1 << 12)) != 0;
            int owTarget = 7 * (1 + ((flags >> 13) & 3)), ohTarget = 1 + (flags % 12);
            int ih = ((ohTarget - 1) * sh) + ((kh - 1) * dh) + 1 - pt - pb, iw = ((owTarget - 1) * sw) + ((kw - 1) * dw) + 1 - pl - pr;
            if (ih < 1 || iw < 1) return;
            var act = clip ? LinalgActivation.Parse("Clip", -0.5f, 0.75f, null) : null;
            CheckAgainstNaive(m, c, ih, iw, kh, kw, [sh, sw, dh, dw, pt, pl, pb, pr], withBias, accumulate, act, flags, owTarget);
        });
    }

    /// <summary>
    /// ConvPixelRows against a double-precision direct convolution (plus the residual, then the activation), with 1, 2 and 3
    /// threads giving the same bits.
    /// </summary>
    /// <param name="geometry">sh, sw, dh, dw and the pads pt, pl, pb, pr.</param>
    /// <param name="expectedWidth">The output width the geometry must give, when the case is built for one.</param>
    private static void CheckAgainstNaive(int m, int c, int ih, int iw, int kh, int kw, int[] geometry, bool withBias, bool accumulate,
        LinalgActivation? act, int seed, int? expectedWidth)
    {
        var rng = new Random(seed + (m * 131) + (c * 17));
        var x = Random(rng, c * ih * iw);
        var w = Random(rng, m * c * kh * kw);
        var bias = withBias ? Random(rng, m) : null;
        var expected = GemmPathTests.NaiveConv2D(x, [1, c, ih, iw], w, [m, c, kh, kw], 1, [geometry[0], geometry[1]], [geometry[2], geometry[3]],
            [geometry[4], geometry[5], geometry[6], geometry[7]], bias, out int oh, out int ow);
        if (expectedWidth is int width) Assert.Equal(width, ow);
        var residual = Random(rng, m * oh * ow);
        if (accumulate) for (int i = 0; i < expected.Length; i++) expected[i] += residual[i];
        act?.Apply(expected);
        var conv = new ConvPixelRows(w, m, c * kh * kw);
        float[]? first = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var y = accumulate ? (float[])residual.Clone() : new float[m * oh * ow];
            Run(conv, x, c, ih, iw, kh, kw, geometry[..6], oh, ow, bias, act, accumulate, threads, y);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - y[i]) < 1e-5f * (1 + (c * kh * kw)), $"{threads} threads, {i}: {expected[i]} vs {y[i]}");
            if (first == null) first = y;
            else Assert.Equal(first, y); // every thread count gives the same bits
        }
    }

    /// <param name="geometry">Strides, dilations and the top and left pads: sh, sw, dh, dw, pt, pl.</param>
    private static unsafe void Run(ConvPixelRows conv, float[] x, int c, int ih, int iw, int kh, int kw, int[] geometry,
        int oh, int ow, float[]? bias, LinalgActivation? activation, bool accumulate, int threads, float[] y)
    {
        fixed (float* px = x)
        fixed (float* pb = bias)
        fixed (float* py = y)
        {
            var image = new ConvImage
            {
                X = px,
                C = c,
                Ih = ih,
                Iw = iw,
                Kh = kh,
                Kw = kw,
                Oh = oh,
                Ow = ow,
                Sh = geometry[0],
                Sw = geometry[1],
                Dh = geometry[2],
                Dw = geometry[3],
                Pt = geometry[4],
                Pl = geometry[5],
            };
            conv.Run(image, py, new EpilogueArgs(bias == null ? null : pb, null, activation), accumulate, threads);
        }
    }

    [Fact]
    public void AnEmptyOutputWritesNothing()
    {
        if (!ConvPixelRows.Supported(Isa.Widest, 1)) return;
        var conv = new ConvPixelRows(new float[32 * 8], 32, 8);
        var y = new float[] { 42f };
        Run(conv, new float[8 * 7], 8, 1, 7, 1, 1, [1, 1, 1, 1, 0, 0], 0, 7, null, null, false, 2, y); // no output rows
        Assert.Equal(42f, y[0]);
    }

    [Fact]
    public void RejectsAnImageThatDoesNotMatchTheWeights()
    {
        var conv = new ConvPixelRows(new float[32 * 8], 32, 8);
        var y = new float[32 * 49];
        var ex = Assert.Throws<ArgumentException>(() => Run(conv, new float[9 * 49], 9, 7, 7, 1, 1, [1, 1, 1, 1, 0, 0], 7, 7, null, null, false, 1, y));
        Assert.Contains("packed weights", ex.Message);
    }

    [Fact]
    public void ChosenWhereSevenRowTilesWasteLessThanPixelPanels()
    {
        Assert.True(ConvPixelRows.Worthwhile(512, 49));    // 49 pixels fill 64 columns of 32-wide panels
        Assert.True(ConvPixelRows.Worthwhile(32, 49));
        Assert.False(ConvPixelRows.Worthwhile(80, 49));    // 80 channels pad to 96: no clear gain
        Assert.False(ConvPixelRows.Worthwhile(512, 196));  // 14x14: 6 panels and a half panel, 94% full
        Assert.False(ConvPixelRows.Worthwhile(512, 3136)); // 56x56: whole panels
        Assert.False(ConvPixelRows.Worthwhile(512, 0));
    }

    [Fact]
    public void ReadsTheImageDirectlyWhereRowsAreWholeTilesAndTheWindowIsDeep()
    {
        Assert.True(ConvPixelRows.DirectWorthwhile(64, 147, 112, 112 * 112, 2, false));  // ResNet-50's conv1
        Assert.True(ConvPixelRows.DirectWorthwhile(128, 1152, 28, 784, 2, false));      // its 3x3 stride-2 layer at 56x56
        Assert.True(ConvPixelRows.DirectWorthwhile(32, 400, 28, 784, 1, false));        // a 5x5 branch
        Assert.True(ConvPixelRows.DirectWorthwhile(1024, 256, 14, 196, 1, true));       // 1x1 at 14x14: 94% full panels
        Assert.False(ConvPixelRows.DirectWorthwhile(512, 128, 28, 784, 1, true));       // 1x1 at 28x28: 98% full
        Assert.False(ConvPixelRows.DirectWorthwhile(32, 27, 112, 112 * 112, 2, false)); // 27 products per output: too little per tile
        Assert.False(ConvPixelRows.DirectWorthwhile(128, 1152, 27, 27 * 27, 2, false)); // rows of 27 are no whole tiles
        Assert.False(ConvPixelRows.DirectWorthwhile(128, 1152, 28, 784, 3, false));     // stride 3
        Assert.False(ConvPixelRows.DirectWorthwhile(16, 400, 28, 784, 1, false));       // 16 channels fill half a panel
    }

    // c, m, kernel, stride, pad, input size, activation, residual, method: ResNet-50's 7x7 stage (1x1, strided 1x1 and 3x3),
    // a residual FusedConv; a 3x3 stride-2 layer, a 5x5 branch and a 7x7 stride-2 stem on rows of whole tiles, read
    // directly; a 3-channel 3x3 (27 products per output) and 28-wide rows at stride 3 (no whole tiles) keep the implicit GEMM.
    [Theory]
    [InlineData(64, 96, 1, 1, 0, 7, "", false, "pixel-rows/")]
    [InlineData(48, 64, 3, 2, 1, 14, "Relu", false, "pixel-rows/")]
    [InlineData(40, 64, 1, 2, 0, 13, "", false, "pixel-rows/")]
    [InlineData(32, 96, 3, 1, 1, 7, "Relu", true, "pixel-rows/")]
    [InlineData(300, 32, 3, 1, 1, 7, "Clip", true, "pixel-rows/")]
    [InlineData(32, 64, 3, 2, 1, 28, "", false, "pixel-rows/")]
    [InlineData(16, 32, 5, 1, 2, 28, "Relu", true, "pixel-rows/")]
    [InlineData(64, 64, 7, 2, 3, 56, "", false, "pixel-rows/")]
    [InlineData(3, 32, 3, 2, 1, 56, "", false, "implicit-gemm/")]
    [InlineData(32, 64, 3, 3, 0, 30, "", false, "implicit-gemm/")]
    public void ChosenInASession(int c, int m, int kernel, int stride, int pad, int size, string activation, bool residual, string method)
    {
        if (!ConvPixelRows.Supported(Isa.Widest, kernel * kernel) || Isa.Default != GemmIsa.Vector512) return;
        var rng = new Random(c + m + size);
        int[] xs = [1, c, size, size], ws = [m, c, kernel, kernel];
        var x = Random(rng, c * size * size);
        var w = Random(rng, m * c * kernel * kernel);
        var bias = Random(rng, m);
        var expected = GemmPathTests.NaiveConv2D(x, xs, w, ws, 1, [stride, stride], [1, 1], [pad, pad, pad, pad], bias, out int oh, out int ow);
        var z = Random(rng, m * oh * ow);
        if (residual) for (int i = 0; i < expected.Length; i++) expected[i] += z[i];
        bool fused = activation.Length > 0 || residual;
        var act = activation.Length == 0 ? null : LinalgActivation.Parse(activation, activation == "Clip" ? 0f : null, activation == "Clip" ? 6f : null, null)!;
        act?.Apply(expected);
        var attrs = new List<NodeAttribute>
        {
            NodeAttribute.Of("strides", new long[] { stride, stride }), NodeAttribute.Of("pads", new long[] { pad, pad, pad, pad }),
        };
        if (activation.Length > 0) attrs.Add(NodeAttribute.Of("activation", activation));
        if (activation == "Clip") attrs.Add(NodeAttribute.Of("activation_params", new float[] { 0f, 6f }));
        var model = ModelBuilder.SingleNode(fused ? "FusedConv" : "Conv", residual ? 4 : 3, 1, fused ? 1 : 21, fused ? "com.microsoft" : "", [.. attrs]);
        model.Graph.Initializers["x1"] = Tensor.FromArray(w, ws);
        model.Graph.Initializers["x2"] = Tensor.FromArray(bias, [m]);
        model.Graph.Inputs[0] = new ValueInfo("x0", new TensorTypeInfo(DataType.Float, xs.Select(d => Dim.Known(d)).ToArray()));
        var inputs = new List<Tensor> { Tensor.FromArray(x, xs) };
        if (residual)
        {
            model.Graph.Inputs.RemoveRange(1, 2);
            model.Graph.Inputs[1] = new ValueInfo("x3", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(m), Dim.Known(oh), Dim.Known(ow)]));
            inputs.Add(Tensor.FromArray(z, [1, m, oh, ow]));
        }
        else
        {
            model.Graph.Inputs.RemoveRange(1, model.Graph.Inputs.Count - 1);
        }
        foreach (int threads in new[] { 1, 2 })
        {
            string variant = "";
            using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = threads, NodeExecuted = e => variant = e.Variant });
            var y = session.Run([.. inputs])[0];
            Assert.StartsWith(method, variant);
            Assert.Equal([1, m, oh, ow], y.Shape);
            var ys = y.Span<float>();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - ys[i]) < 1e-5f * (1 + (c * kernel * kernel)), $"{threads} threads, {i}: {expected[i]} vs {ys[i]}");
        }
    }
}
