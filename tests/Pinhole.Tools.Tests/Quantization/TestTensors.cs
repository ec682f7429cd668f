namespace Pinhole.Tools.Tests.Quantization;

/// <summary>Seeded random tensors for the quantization tests.</summary>
internal static class TestTensors
{
    /// <summary>Uniform values in [-scale, scale].</summary>
    public static Tensor Uniform(int[] shape, int seed, float scale)
    {
        var random = new Random(seed);
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = ((float)random.NextDouble() * 2 - 1) * scale;
        return Tensor.FromArray(data, shape);
    }
}
