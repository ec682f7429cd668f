using static Pinhole.Runtime.Tests.Quantization.QuantizeLinearTests;

namespace Pinhole.Runtime.Tests.Quantization;

public class ContribQLinearTests
{
    private static byte Q(float v, float s, int z) => (byte)Math.Clamp(MathF.Round(v / s, MidpointRounding.ToEven) + z, 0, 255);

    [Fact]
    public void QLinearAddBroadcasts()
    {
        var a = Tensor.FromArray(new byte[] { 10, 20, 30, 40, 50, 60 }, [2, 3]);
        var b = Tensor.Vector((byte)1, (byte)2, (byte)3);
        var y = RunContrib("QLinearAdd", [a, Tensor.Scalar(0.1f), Tensor.Scalar((byte)5), b, Tensor.Scalar(0.2f), Tensor.Scalar((byte)0),
            Tensor.Scalar(0.25f), Tensor.Scalar((byte)10)])[0];
        Assert.Equal([2, 3], y.Shape);
        for (int i = 0; i < 6; i++)
        {
            float v = (a.Span<byte>()[i] - 5) * 0.1f + b.Span<byte>()[i % 3] * 0.2f;
            Assert.Equal(Q(v, 0.25f, 10), y.Span<byte>()[i]);
        }
    }

    [Fact]
    public void QLinearMulMultiplies()
    {
        var y = RunContrib("QLinearMul", [Tensor.Vector((sbyte)10, (sbyte)-20), Tensor.Scalar(0.5f), Tensor.Scalar((sbyte)0),
            Tensor.Vector((sbyte)4, (sbyte)4), Tensor.Scalar(0.25f), Tensor.Scalar((sbyte)0), Tensor.Scalar(0.1f), Tensor.Scalar((sbyte)0)])[0];
        Assert.Equal(new sbyte[] { 50, -100 }, y.Span<sbyte>().ToArray());
    }

    [Fact]
    public void QLinearGlobalAveragePoolAveragesSpatially()
    {
        var x = Tensor.FromArray(new byte[] { 1, 2, 3, 4, 10, 20, 30, 42 }, [1, 2, 2, 2]);
        var y = RunContrib("QLinearGlobalAveragePool", [x, Tensor.Scalar(1f), Tensor.Scalar((byte)0), Tensor.Scalar(0.5f), Tensor.Scalar((byte)1)])[0];
        Assert.Equal([1, 2, 1, 1], y.Shape);
        Assert.Equal(new byte[] { 6, 52 }, y.Span<byte>().ToArray());
        var nhwc = Tensor.FromArray(new byte[] { 1, 10, 2, 20, 3, 30, 4, 42 }, [1, 2, 2, 2]);
        var z = RunContrib("QLinearGlobalAveragePool", [nhwc, Tensor.Scalar(1f), Tensor.Scalar((byte)0), Tensor.Scalar(0.5f), Tensor.Scalar((byte)1)],
            Int("channels_last", 1))[0];
        Assert.Equal([1, 1, 1, 2], z.Shape);
        Assert.Equal(new byte[] { 6, 52 }, z.Span<byte>().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QLinearGlobalAveragePoolMatchesTheFormulaOnLargePlanes(bool signed)
    {
        // Plane sizes around the 16-byte sums, int8 and uint8, against sum, scale, round half to even, clamp.
        var rnd = new Random(signed ? 7 : 8);
        foreach (int spatial in new[] { 1, 15, 16, 17, 49, 169, 300 })
        {
            int c = 5;
            var raw = new byte[c * spatial];
            rnd.NextBytes(raw);
            Tensor x = signed ? Tensor.FromArray(Array.ConvertAll(raw, v => (sbyte)v), [1, c, spatial, 1]) : Tensor.FromArray(raw, [1, c, spatial, 1]);
            int zx = signed ? -3 : 131, zy = signed ? 2 : 120;
            Tensor xz = signed ? Tensor.Scalar((sbyte)zx) : Tensor.Scalar((byte)zx), yz = signed ? Tensor.Scalar((sbyte)zy) : Tensor.Scalar((byte)zy);
            var y = RunContrib("QLinearGlobalAveragePool", [x, Tensor.Scalar(0.05f), xz, Tensor.Scalar(0.02f), yz])[0];
            float mult = 0.05f / (0.02f * spatial);
            for (int ch = 0; ch < c; ch++)
            {
                int sum = 0;
                for (int i = 0; i < spatial; i++) sum += (signed ? (sbyte)raw[(ch * spatial) + i] : raw[(ch * spatial) + i]) - zx;
                float q = Math.Clamp(MathF.Round(sum * mult, MidpointRounding.ToEven) + zy, signed ? -128 : 0, signed ? 127 : 255);
                Assert.Equal((byte)(int)q, y.Bytes()[ch]);
            }
        }
    }

    [Fact]
    public void QLinearConcatRequantizes()
    {
        var a = Tensor.FromArray(new byte[] { 2, 4 }, [1, 2]);
        var b = Tensor.FromArray(new byte[] { 10, 20, 30 }, [1, 3]);
        var y = RunContrib("QLinearConcat", [Tensor.Scalar(1f), Tensor.Scalar((byte)0), a, Tensor.Scalar(0.5f), Tensor.Scalar((byte)0),
            b, Tensor.Scalar(2f), Tensor.Scalar((byte)5)], Int("axis", 1))[0];
        Assert.Equal([1, 5], y.Shape);
        Assert.Equal(new byte[] { 1, 2, 10, 30, 50 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void QLinearSigmoidUsesTable()
    {
        var y = RunContrib("QLinearSigmoid", [Tensor.Vector((byte)128, (byte)255, (byte)0), Tensor.Scalar(0.1f), Tensor.Scalar((byte)128),
            Tensor.Scalar(1f / 256), Tensor.Scalar((byte)0)])[0];
        Assert.Equal(new[] { Q(0.5f, 1f / 256, 0), Q(1f / (1f + MathF.Exp(-12.7f)), 1f / 256, 0), Q(1f / (1f + MathF.Exp(12.8f)), 1f / 256, 0) },
            y.Span<byte>().ToArray());
    }
}
