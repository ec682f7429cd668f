using Pinhole.IR;

namespace Pinhole.Tools;

/// <summary>
/// Small models built in code, with deterministic pseudo-random weights, for samples/ and tests.
/// samples/tiny-cnn is <see cref="TinyCnn"/> saved with its input <see cref="TinyCnnInput"/> (see samples/generator).
/// </summary>
public static class SampleModels
{
    public const string TinyCnnInputName = "input";
    public const string TinyCnnOutputName = "probabilities";

    /// <summary>
    /// input [1,1,28,28] → Conv(8, 3x3, pad 1) → Relu → MaxPool 2x2 → Conv(16, 3x3) → Relu → GlobalAveragePool →
    /// Flatten → Gemm(10) → Softmax → probabilities [1,10]. Opset 17; 1,418 parameters; 222,496 MACs.
    /// Only graph inputs and outputs carry declared types.
    /// </summary>
    public static Model TinyCnn()
    {
        var model = new Model { IrVersion = 8, ProducerName = "pinhole-samples", ProducerVersion = "0.1.0" };
        model.OpsetImports[""] = 17;
        var g = model.Graph;
        g.Name = "tiny_cnn";
        g.Inputs.Add(new ValueInfo(TinyCnnInputName, new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(1), Dim.Known(28), Dim.Known(28)])));
        g.Outputs.Add(new ValueInfo(TinyCnnOutputName, new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(10)])));

        var random = new SplitMix(20241124);
        g.Initializers["conv1.weight"] = random.Weights([8, 1, 3, 3], fanIn: 9);
        g.Initializers["conv1.bias"] = random.Weights([8], fanIn: 9);
        g.Initializers["conv2.weight"] = random.Weights([16, 8, 3, 3], fanIn: 72);
        g.Initializers["conv2.bias"] = random.Weights([16], fanIn: 72);
        g.Initializers["fc.weight"] = random.Weights([10, 16], fanIn: 16);
        g.Initializers["fc.bias"] = random.Weights([10], fanIn: 16);

        g.Nodes.Add(new Node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1"], name: "conv1")
            .WithAttribute(NodeAttribute.Of("kernel_shape", [3L, 3]))
            .WithAttribute(NodeAttribute.Of("pads", [1L, 1, 1, 1])));
        g.Nodes.Add(new Node("Relu", ["conv1"], ["relu1"], name: "relu1"));
        g.Nodes.Add(new Node("MaxPool", ["relu1"], ["pool1"], name: "pool1")
            .WithAttribute(NodeAttribute.Of("kernel_shape", [2L, 2]))
            .WithAttribute(NodeAttribute.Of("strides", [2L, 2])));
        g.Nodes.Add(new Node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], name: "conv2")
            .WithAttribute(NodeAttribute.Of("kernel_shape", [3L, 3])));
        g.Nodes.Add(new Node("Relu", ["conv2"], ["relu2"], name: "relu2"));
        g.Nodes.Add(new Node("GlobalAveragePool", ["relu2"], ["gap"], name: "gap"));
        g.Nodes.Add(new Node("Flatten", ["gap"], ["flat"], name: "flatten").WithAttribute(NodeAttribute.Of("axis", 1L)));
        g.Nodes.Add(new Node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name: "fc")
            .WithAttribute(NodeAttribute.Of("transB", 1L)));
        g.Nodes.Add(new Node("Softmax", ["logits"], [TinyCnnOutputName], name: "softmax")
            .WithAttribute(NodeAttribute.Of("axis", -1L)));
        return model;
    }

    /// <summary>A deterministic 28x28 image in [0, 1]: a bright ring and a bar, like a crude digit.</summary>
    public static Tensor TinyCnnInput()
    {
        var data = new float[28 * 28];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                // Integer arithmetic only, so the image is the same on every platform.
                int dx = x - 14, dy = y - 11;
                int r2 = dx * dx + dy * dy;
                float v = r2 is >= 25 and <= 49 ? 1f : 0f;
                if (x is >= 17 and <= 19 && y is >= 11 and <= 25) v = 1f;
                data[y * 28 + x] = v * (0.75f + 0.25f * ((x + y) % 4) / 3f);
            }
        }
        return Tensor.FromArray(data, [1, 1, 28, 28]);
    }

    /// <summary>SplitMix64: a tiny deterministic generator, identical on every platform and .NET version.</summary>
    private sealed class SplitMix(ulong seed)
    {
        private ulong _state = seed;

        private ulong Next()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [-1/sqrt(fanIn), 1/sqrt(fanIn)), in steps of 2^-24 of that range.</summary>
        public Tensor Weights(int[] shape, int fanIn)
        {
            var data = new float[Tensor.ElementCount(shape)];
            float bound = 1f / MathF.Sqrt(fanIn);
            for (int i = 0; i < data.Length; i++)
            {
                float unit = (Next() >> 40) / (float)(1 << 24);
                data[i] = (2f * unit - 1f) * bound;
            }
            return Tensor.FromArray(data, shape);
        }
    }
}
