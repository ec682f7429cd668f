using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Quantization;

public class QuantizeLinearTests
{
    internal static NodeAttribute Int(string name, long value) => new(name, AttributeType.Int) { Int = value };

    internal static NodeAttribute Ints(string name, params long[] values) => new(name, AttributeType.Ints) { Ints = values };

    internal static Tensor[] RunContrib(string op, Tensor[] inputs, params NodeAttribute[] attributes)
    {
        using var session = new InferenceSession(ModelBuilder.SingleNode(op, inputs.Length, 1, 1, "com.microsoft", attributes));
        return session.Run(inputs);
    }

    [Fact]
    public void PerTensorUInt8SaturatesAndRoundsHalfToEven()
    {
        var x = Tensor.Vector(0f, 2f, 3f, 1000f, -254f, -1000f);
        var y = ModelBuilder.Run("QuantizeLinear", [x, Tensor.Scalar(2f), Tensor.Scalar((byte)128)])[0];
        Assert.Equal(DataType.UInt8, y.Type);
        Assert.Equal(new byte[] { 128, 129, 130, 255, 1, 0 }, y.Span<byte>().ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LargePerTensorInputsGiveTheSameBytesOnAnyThreadCount(int threads)
    {
        // 200,003 values: split over the threads in 64-aligned chunks, with an odd tail.
        var rng = new Random(threads);
        var values = new float[200_003];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((rng.NextDouble() * 600) - 300);
        using var session = new InferenceSession(ModelBuilder.SingleNode("QuantizeLinear", 3, 1, 21),
            new SessionOptions { IntraOpThreads = threads });
        var y = session.Run([Tensor.FromArray(values, [values.Length]), Tensor.Scalar(0.75f), Tensor.Scalar((byte)100)])[0];
        var got = y.Span<byte>();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal((byte)Math.Clamp(MathF.Round(values[i] / 0.75f, MidpointRounding.ToEven) + 100, 0, 255), got[i]);
    }

    [Fact]
    public void RoundsTiesToEven()
    {
        var x = Tensor.Vector(0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 127.5f, -300f);
        var y = ModelBuilder.Run("QuantizeLinear", [x, Tensor.Scalar(1f), Tensor.Scalar((sbyte)0)])[0];
        Assert.Equal(new sbyte[] { 0, 2, 2, 0, -2, -2, 127, -128 }, y.Span<sbyte>().ToArray());
    }

    [Fact]
    public void NoZeroPointGivesUInt8()
    {
        var y = ModelBuilder.Run("QuantizeLinear", [Tensor.Vector(1f, -1f, 600f), Tensor.Scalar(2f)])[0];
        Assert.Equal(DataType.UInt8, y.Type);
        Assert.Equal(new byte[] { 0, 0, 255 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void PerAxis()
    {
        var x = Tensor.FromArray(new[] { -162f, 10f, -100f, 232f, -20f, -50f }, [1, 3, 2]);
        var scale = Tensor.Vector(2f, 4f, 5f);
        var zero = Tensor.Vector((byte)84, (byte)24, (byte)196);
        var y = ModelBuilder.Run("QuantizeLinear", [x, scale, zero])[0];
        Assert.Equal(new byte[] { 3, 89, 0, 82, 192, 186 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void Blocked()
    {
        // x [2, 4], blocks of 2 along axis 1: scale [2, 2].
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f }, [2, 4]);
        var scale = Tensor.FromArray(new[] { 1f, 2f, 0.5f, 4f }, [2, 2]);
        var zero = Tensor.FromArray(new sbyte[] { 0, 1, 2, 3 }, [2, 2]);
        var y = ModelBuilder.Run("QuantizeLinear", [x, scale, zero], attributes: [Int("axis", 1), Int("block_size", 2)])[0];
        Assert.Equal(new sbyte[] { 1, 2, 3, 3, 12, 14, 5, 5 }, y.Span<sbyte>().ToArray());
    }

    [Fact]
    public void Int16AndInt4()
    {
        var y16 = ModelBuilder.Run("QuantizeLinear", [Tensor.Vector(1e6f, -7f), Tensor.Scalar(1f), Tensor.Scalar((short)0)])[0];
        Assert.Equal(new short[] { 32767, -7 }, y16.Span<short>().ToArray());
        var zero4 = Tensor.FromArray(DataType.Int4, new sbyte[] { 1 }, []);
        var y4 = ModelBuilder.Run("QuantizeLinear", [Tensor.Vector(-100f, 3f, 100f), Tensor.Scalar(1f), zero4])[0];
        Assert.Equal(DataType.Int4, y4.Type);
        Assert.Equal(new sbyte[] { -8, 4, 7 }, y4.Span<sbyte>().ToArray());
    }

    [Fact]
    public void OutputDtypeAttribute()
    {
        var y = ModelBuilder.Run("QuantizeLinear", [Tensor.Vector(-3f, 300f), Tensor.Scalar(1f)],
            attributes: [Int("output_dtype", (long)DataType.UInt16)])[0];
        Assert.Equal(DataType.UInt16, y.Type);
        Assert.Equal(new ushort[] { 0, 300 }, y.Span<ushort>().ToArray());
    }

    [Fact]
    public void WrongScaleShapeIsAnError()
    {
        var x = Tensor.FromArray(new float[6], [2, 3]);
        Assert.Throws<KernelException>(() => ModelBuilder.Run("QuantizeLinear", [x, Tensor.Vector(1f, 2f)]));
    }

    [Fact]
    public void DequantizePerTensorAndPerAxis()
    {
        var y = ModelBuilder.Run("DequantizeLinear", [Tensor.Vector((byte)0, (byte)3, (byte)128, (byte)255), Tensor.Scalar(2f), Tensor.Scalar((byte)128)])[0];
        Assert.Equal(new[] { -256f, -250f, 0f, 254f }, y.Span<float>().ToArray());
        var x = Tensor.FromArray(new sbyte[] { 1, 2, 3, 4, 5, 6 }, [1, 3, 2]);
        var z = ModelBuilder.Run("DequantizeLinear", [x, Tensor.Vector(1f, 2f, 3f), Tensor.Vector((sbyte)0, (sbyte)1, (sbyte)2)])[0];
        Assert.Equal(new[] { 1f, 2f, 4f, 6f, 9f, 12f }, z.Span<float>().ToArray());
    }

    [Fact]
    public void DequantizeBlockedAndInt32()
    {
        var x = Tensor.FromArray(new sbyte[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var scale = Tensor.FromArray(new[] { 1f, 10f, 100f, 1000f }, [2, 2]);
        var y = ModelBuilder.Run("DequantizeLinear", [x, scale], attributes: [Int("axis", 1), Int("block_size", 2)])[0];
        Assert.Equal(new[] { 1f, 2f, 30f, 400f, 500f, 6000f }, y.Span<float>().ToArray());
        var i = ModelBuilder.Run("DequantizeLinear", [Tensor.Vector(-1000, 5), Tensor.Scalar(0.5f)])[0];
        Assert.Equal(new[] { -500f, 2.5f }, i.Span<float>().ToArray());
    }

    [Fact]
    public void DequantizeToFloat16FollowsScale()
    {
        var y = ModelBuilder.Run("DequantizeLinear", [Tensor.Vector((sbyte)-4, (sbyte)6), Tensor.Scalar((Half)0.5f)])[0];
        Assert.Equal(DataType.Float16, y.Type);
        Assert.Equal(new[] { (Half)(-2f), (Half)3f }, y.Span<Half>().ToArray());
    }

    [Fact]
    public void DynamicQuantizeLinearMatchesSpecExample()
    {
        var r = ModelBuilder.Run("DynamicQuantizeLinear", [Tensor.Vector(0f, 2f, -3f, -2.5f, 1.34f, 0.5f)], outputs: 3);
        Assert.Equal(new byte[] { 153, 255, 0, 26, 221, 179 }, r[0].Span<byte>().ToArray());
        Assert.Equal(0.0196078438f, r[1].Span<float>()[0], 6);
        Assert.Equal((byte)153, r[2].Span<byte>()[0]);
    }

    [Fact]
    public void ContribDomainQuantizeDequantize()
    {
        var q = RunContrib("QuantizeLinear", [Tensor.Vector(1f, -1f), Tensor.Scalar(0.5f), Tensor.Scalar((sbyte)1)])[0];
        Assert.Equal(new sbyte[] { 3, -1 }, q.Span<sbyte>().ToArray());
        var d = RunContrib("DequantizeLinear", [q, Tensor.Scalar(0.5f), Tensor.Scalar((sbyte)1)])[0];
        Assert.Equal(new[] { 1f, -1f }, d.Span<float>().ToArray());
    }
}

public class Float8QuantizationTests
{
    [Fact]
    public void E4M3FNRoundTripsAndSaturates()
    {
        var zero = Tensor.FromArray(DataType.Float8E4M3FN, new byte[] { 0 }, []);
        var y = ModelBuilder.Run("QuantizeLinear", [Tensor.Vector(0f, 0.5f, 1000f, -1000f, 1.0625f, 17f), Tensor.Scalar(1f), zero])[0];
        Assert.Equal(DataType.Float8E4M3FN, y.Type);
        // 1.0625 is halfway between 1 (0x38) and 1.125 (0x39): ties to even. 17 is halfway between 16 and 18: even is 16 (0x58).
        Assert.Equal(new byte[] { 0x00, 0x30, 0x7E, 0xFE, 0x38, 0x58 }, y.Span<byte>().ToArray());
        var d = ModelBuilder.Run("DequantizeLinear", [y, Tensor.Scalar(2f), zero])[0];
        Assert.Equal(new[] { 0f, 1f, 896f, -896f, 2f, 32f }, d.Span<float>().ToArray());
    }

    [Fact]
    public void E5M2WithoutSaturationOverflowsToInfinity()
    {
        var zero = Tensor.FromArray(DataType.Float8E5M2, new byte[] { 0 }, []);
        var y = ModelBuilder.Run("QuantizeLinear", [Tensor.Vector(1e6f, -1e6f, 57344f), Tensor.Scalar(1f), zero],
            attributes: [QuantizeLinearTests.Int("saturate", 0)])[0];
        Assert.Equal(new byte[] { 0x7C, 0xFC, 0x7B }, y.Span<byte>().ToArray());
    }
}
