using Pinhole.IR;
using Pinhole.Tools.Quantization;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class LayerComparisonTests
{
    private static ListSampleSource Data(int seed) => ListSampleSource.Random("x", [1, 3, 8, 8], 6, seed, low: -2, high: 2);

    private static Model Quantized()
    {
        var model = ModelQuantizerTests.SmallNet();
        ModelQuantizer.Quantize(model, ListSampleSource.Random("x", [1, 3, 8, 8], 32, seed: 11, low: -2, high: 2), new QuantizationOptions());
        return model;
    }

    [Fact]
    public void A_good_quantization_keeps_every_layer_close()
    {
        var report = LayerComparison.Compare(ModelQuantizerTests.SmallNet(), Quantized(), Data(3));
        Assert.Equal(6, report.Samples);
        // Every node output of the float model that survives quantization, and the input.
        Assert.Contains(report.Layers, l => l.Tensor == "x" && l.Op == "input");
        Assert.Contains(report.Layers, l => l.Tensor == "cat" && l.Op == "Concat");
        foreach (var l in report.Layers)
        {
            Assert.True(l.SqnrDb > 20, $"{l.Tensor}: {l.SqnrDb} dB");
            Assert.True(l.Cosine > 0.99, $"{l.Tensor}: cosine {l.Cosine}");
        }
        // The observed value is the tensor after its own Quantize/DequantizeLinear.
        Assert.EndsWith("_dq", report.Layers.Single(l => l.Tensor == "c3").Observed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c3", "conv3")]
    [InlineData("p1", "pool1")]
    [InlineData("sum", "add")]
    public void A_layer_with_a_bad_scale_is_named_first(string tensor, string node)
    {
        var quantized = Quantized();
        // Shrink the tensor's scale 50-fold: most of its values saturate.
        var scale = quantized.Graph.Initializers[tensor + "_scale"];
        quantized.Graph.Initializers[tensor + "_scale"] = Tensor.Scalar(scale.ReadOnlySpan<float>()[0] / 50);
        var report = LayerComparison.Compare(ModelQuantizerTests.SmallNet(), quantized, Data(4));
        var worst = report.Worst(3).ToList();
        Assert.Equal(tensor, worst[0].Tensor);
        Assert.Equal(node, worst[0].Node);
        Assert.True(worst[0].LossDb > 10, $"loss {worst[0].LossDb} dB");
    }

    [Fact]
    public void Unrelated_models_are_refused()
    {
        var other = new Model();
        other.OpsetImports[""] = 13;
        other.Graph.Inputs.Add(new ValueInfo("a", new TensorTypeInfo(DataType.Float, [Dim.Known(1)])));
        other.Graph.Nodes.Add(new Node("Relu", ["a"], ["b"]));
        other.Graph.Outputs.Add(new ValueInfo("b"));
        Assert.Throws<InvalidInputException>(() => LayerComparison.Compare(ModelQuantizerTests.SmallNet(), other, Data(1)));
    }
}
