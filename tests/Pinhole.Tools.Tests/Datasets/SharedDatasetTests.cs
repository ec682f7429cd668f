using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Evaluation;

namespace Pinhole.Tools.Tests.Datasets;

/// <summary>The readers on the real MNIST test set and ImageNet sample images (../shared).</summary>
public class SharedDatasetTests
{
    private static string Mnist(string name) => Repository.SharedPath("datasets", "mnist", name);

    private static string ImageNet(string name) => Repository.SharedPath("datasets", "imagenet-sample", name);

    [SharedDataFact]
    public void Mnist_test_images_and_labels_read_as_10000_samples()
    {
        var model = OnnxModel.Load(Repository.Model("mnist-8", "model.onnx"));
        var source = SampleSources.Open(Mnist("t10k-images-idx3-ubyte.gz"), model.Graph.RuntimeInputs().ToList(), new SampleOptions { Preset = "raw", Skip = 9999 });
        Assert.Equal(1, source.Count);
        var sample = Assert.Single(source.Read());
        var pixels = sample.Inputs["Input3"];
        Assert.Equal([1, 1, 28, 28], pixels.Shape);
        Assert.InRange(pixels.Span<float>().ToArray().Max(), 200, 255);
        Assert.InRange(LabelSources.Open(Mnist("t10k-labels-idx1-ubyte.gz")).ClassOf(sample), 0, 9);
    }

    [SharedDataFact]
    public void A_model_folder_with_a_test_data_set_gives_its_inputs()
    {
        var model = OnnxModel.Load(Repository.Model("mnist-8", "model.onnx"));
        var source = SampleSources.Open(Repository.Model("mnist-8"), model.Graph.RuntimeInputs().ToList(), new SampleOptions());
        var sample = Assert.Single(source.Read());
        Assert.Equal("test_data_set_0", sample.Id);
        var expected = OnnxTensorFile.Read(Repository.Model("mnist-8", "test_data_set_0", "input_0.pb"));
        Assert.Equal(expected.Span<float>().ToArray(), sample.Inputs["Input3"].Span<float>().ToArray());
    }

    [SharedDataFact]
    public void Mnist8_classifies_the_first_500_test_digits_above_95_percent()
    {
        using var session = new InferenceSession(OnnxModel.Load(Repository.Model("mnist-8", "model.onnx")));
        var samples = SampleSources.Open(Mnist("t10k-images-idx3-ubyte.gz"), session.Inputs, new SampleOptions { Preset = "raw", Limit = 500 });
        var r = ClassificationEval.Run(session, samples, LabelSources.Open(Mnist("t10k-labels-idx1-ubyte.gz")));
        Assert.Equal(500, r.Count);
        Assert.True(r.Top1Percent > 95, $"top-1 {r.Top1Percent}%");
    }

    [SharedDataFact]
    public void Squeezenet_with_the_caffe_preset_classifies_most_of_the_first_40_imagenet_images()
    {
        using var session = new InferenceSession(OnnxModel.Load(Repository.Model("squeezenet1.0", "model.onnx")));
        var samples = SampleSources.Open(ImageNet("images"), session.Inputs, new SampleOptions { Preset = "caffe", Limit = 40 });
        Assert.Contains("250 images", samples.Description, StringComparison.Ordinal);
        var r = ClassificationEval.Run(session, samples, LabelSources.Open(ImageNet("labels.csv")));
        Assert.Equal(40, r.Count);
        Assert.True(r.Top1Percent >= 50 && r.Top5Percent >= 70, $"top-1 {r.Top1Percent}%, top-5 {r.Top5Percent}%");
        // The wrong channel order and scale lose most of it: the preset matters.
        var wrong = SampleSources.Open(ImageNet("images"), session.Inputs, new SampleOptions { Preset = "unit", Limit = 40 });
        Assert.True(ClassificationEval.Run(session, wrong, LabelSources.Open(ImageNet("labels.csv"))).Top1 < r.Top1);
    }
}
