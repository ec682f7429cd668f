using static Pinhole.Runtime.Tests.Quantization.QuantizeLinearTests;

namespace Pinhole.Runtime.Tests.Quantization;

public class QGemmTests
{
    // A [2,3] uint8 (zero point 2), B given transposed as [N=2, K=3] int8 with per-column scales, C int32 [N].
    private static readonly Tensor A = Tensor.FromArray(new byte[] { 3, 4, 5, 6, 7, 8 }, [2, 3]);
    private static readonly Tensor BT = Tensor.FromArray(new sbyte[] { 1, -2, 3, -4, 5, 6 }, [2, 3]);
    private static readonly int[] Bias = [10, -20];

    private static int Acc(int i, int j)
    {
        int s = Bias[j];
        for (int k = 0; k < 3; k++) s += (A.Span<byte>()[i * 3 + k] - 2) * BT.Span<sbyte>()[j * 3 + k];
        return s;
    }

    private static Tensor[] Inputs(bool quantizedOutput) =>
    [
        A, Tensor.Scalar(0.5f), Tensor.Scalar((byte)2), BT, Tensor.Vector(0.25f, 0.125f), Tensor.Vector((sbyte)0, (sbyte)0),
        Tensor.Vector(Bias), .. quantizedOutput ? (Tensor[])[Tensor.Scalar(0.1f), Tensor.Scalar((byte)100)] : [],
    ];

    [Fact]
    public void FloatOutputScalesTheIntegerAccumulator()
    {
        var y = RunContrib("QGemm", Inputs(false), Int("transB", 1))[0];
        Assert.Equal([2, 2], y.Shape);
        float[] sb = [0.25f, 0.125f];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                Assert.Equal(Acc(i, j) * (0.5f * sb[j]), y.Span<float>()[i * 2 + j], 5);
    }

    [Fact]
    public void QuantizedOutputRequantizesOnce()
    {
        var y = RunContrib("QGemm", Inputs(true), Int("transB", 1))[0];
        float[] sb = [0.25f, 0.125f];
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                float v = MathF.Round(Acc(i, j) * (0.5f * sb[j] / 0.1f), MidpointRounding.ToEven) + 100;
                Assert.Equal((byte)Math.Clamp(v, 0, 255), y.Span<byte>()[i * 2 + j]);
            }
        }
    }

    [Fact]
    public void MismatchedInnerDimensionsAreReported()
    {
        var e = Assert.ThrowsAny<PinholeException>(() => RunContrib("QGemm", Inputs(false)));
        Assert.Contains("inner dimensions", e.Message);
    }
}
