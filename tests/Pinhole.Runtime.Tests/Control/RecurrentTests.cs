using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Control;

public class RecurrentTests
{
    private const int Seq = 4, Batch = 2, Input = 3, Hidden = 5;

    private static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return Tensor.FromArray(data, shape);
    }

    private static Tensor Dir(Tensor t, int d) =>
        Tensor.FromArray(t.Span<float>().Slice(d * (t.Length / t.Shape[0]), t.Length / t.Shape[0]).ToArray(), [1, .. t.Shape[1..]]);

    private static Tensor[] Run(string op, int gates, Tensor x, Tensor w, Tensor r, Tensor b, Tensor? lens, string direction, int layout = 0)
    {
        var inputs = lens is null ? new[] { x, w, r, b } : [x, w, r, b, lens];
        return ModelBuilder.Run(op, inputs, 2, 14, NodeAttribute.Of("hidden_size", (long)Hidden),
            NodeAttribute.Of("direction", direction), NodeAttribute.Of("layout", (long)layout));
    }

    [Theory]
    [InlineData("LSTM", 4)]
    [InlineData("GRU", 3)]
    [InlineData("RNN", 1)]
    public void BidirectionalMatchesTwoSingleDirections(string op, int gates)
    {
        var x = Random(1, Seq, Batch, Input);
        var w = Random(2, 2, gates * Hidden, Input);
        var r = Random(3, 2, gates * Hidden, Hidden);
        var b = Random(4, 2, 2 * gates * Hidden);
        var lens = Tensor.Vector(4, 2);
        var both = Run(op, gates, x, w, r, b, lens, "bidirectional");
        var fwd = Run(op, gates, x, Dir(w, 0), Dir(r, 0), Dir(b, 0), lens, "forward");
        var rev = Run(op, gates, x, Dir(w, 1), Dir(r, 1), Dir(b, 1), lens, "reverse");
        Assert.Equal([Seq, 2, Batch, Hidden], both[0].Shape);
        var y = both[0].Span<float>();
        for (int t = 0; t < Seq; t++)
            for (int k = 0; k < Batch * Hidden; k++)
            {
                Assert.Equal(fwd[0].Span<float>()[t * Batch * Hidden + k], y[(t * 2 + 0) * Batch * Hidden + k], 5);
                Assert.Equal(rev[0].Span<float>()[t * Batch * Hidden + k], y[(t * 2 + 1) * Batch * Hidden + k], 5);
            }
        Assert.Equal(fwd[1].Span<float>().ToArray().Concat(rev[1].Span<float>().ToArray()), both[1].Span<float>().ToArray());
    }

    [Fact]
    public void ReverseWithSequenceLengthsReversesOnlyTheValidSteps()
    {
        var x = Random(5, Seq, 1, Input);
        var w = Random(6, 1, 3 * Hidden, Input);
        var r = Random(7, 1, 3 * Hidden, Hidden);
        var b = Random(8, 1, 6 * Hidden);
        var rev = Run("GRU", 3, x, w, r, b, Tensor.Vector(3), "reverse");
        var xs = x.Span<float>();
        var flipped = new float[3 * Input];
        for (int t = 0; t < 3; t++) xs.Slice((2 - t) * Input, Input).CopyTo(flipped.AsSpan(t * Input));
        var fwd = Run("GRU", 3, Tensor.FromArray(flipped, [3, 1, Input]), w, r, b, null, "forward");
        for (int t = 0; t < 3; t++)
            for (int k = 0; k < Hidden; k++)
                Assert.Equal(fwd[0].Span<float>()[(2 - t) * Hidden + k], rev[0].Span<float>()[t * Hidden + k], 5);
        for (int k = 0; k < Hidden; k++) Assert.Equal(0f, rev[0].Span<float>()[3 * Hidden + k]);
        Assert.Equal(fwd[1].Span<float>().ToArray(), rev[1].Span<float>().ToArray());
    }

    [Fact]
    public void BatchFirstLayoutMatchesTimeMajor()
    {
        var x = Random(9, Seq, Batch, Input);
        var w = Random(10, 1, 4 * Hidden, Input);
        var r = Random(11, 1, 4 * Hidden, Hidden);
        var b = Random(12, 1, 8 * Hidden);
        var xs = x.Span<float>();
        var xb = new float[x.Length];
        for (int t = 0; t < Seq; t++)
            for (int n = 0; n < Batch; n++)
                xs.Slice((t * Batch + n) * Input, Input).CopyTo(xb.AsSpan((n * Seq + t) * Input));
        var tm = Run("LSTM", 4, x, w, r, b, null, "forward");
        var bf = Run("LSTM", 4, Tensor.FromArray(xb, [Batch, Seq, Input]), w, r, b, null, "forward", 1);
        Assert.Equal([Batch, Seq, 1, Hidden], bf[0].Shape);
        Assert.Equal([Batch, 1, Hidden], bf[1].Shape);
        for (int t = 0; t < Seq; t++)
            for (int n = 0; n < Batch; n++)
                for (int k = 0; k < Hidden; k++)
                    Assert.Equal(tm[0].Span<float>()[(t * Batch + n) * Hidden + k], bf[0].Span<float>()[(n * Seq + t) * Hidden + k]);
    }

    [Fact]
    public void WrongWeightShapeIsAKernelError()
    {
        var x = Random(1, Seq, Batch, Input);
        Assert.ThrowsAny<PinholeException>(() => Run("RNN", 1, x, Random(2, 1, Hidden, Input + 1), Random(3, 1, Hidden, Hidden), Random(4, 1, 2 * Hidden), null, "forward"));
    }
}
