using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Evaluation;
using Pinhole.Tools.Tests.Datasets;
using static Pinhole.Tools.Tests.Datasets.TestData;

namespace Pinhole.Tools.Tests.Evaluation;

public class ClassificationEvalTests
{
    /// <summary>A "classifier" whose scores are its input: the data decides each prediction.</summary>
    private static InferenceSession Echo(int classes)
    {
        var model = new Model();
        model.OpsetImports[""] = 17;
        model.Graph.Inputs.Add(new ValueInfo("scores", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(classes)])));
        model.Graph.Nodes.Add(new Node("Identity", ["scores"], ["out"]));
        model.Graph.Outputs.Add(new ValueInfo("out"));
        return new InferenceSession(model);
    }

    private static (ISampleSource, ILabelSource) Data(TempFolder temp, float[][] scores, byte[] labels, SampleOptions? options = null)
    {
        int classes = scores[0].Length;
        Npy.Write(temp.File("scores.npy"), Tensor.FromArray(scores.SelectMany(s => s).ToArray(), [scores.Length, classes]));
        WriteIdx(temp.File("labels-idx1-ubyte"), [labels.Length], labels);
        return (SampleSources.Open(temp.File("scores.npy"), [Input("scores", 1, classes)], options ?? new SampleOptions()),
            LabelSources.Open(temp.File("labels-idx1-ubyte")));
    }

    [Fact]
    public void Counts_top1_and_top5_hits_and_reports_progress()
    {
        using var temp = new TempFolder();
        using var session = Echo(6);
        float[][] scores =
        [
            [0, 9, 1, 2, 3, 4], // label 1: top-1
            [9, 8, 7, 6, 5, 4], // label 4: 5th, top-5
            [9, 8, 7, 6, 5, 4], // label 5: 6th, miss
            [1, 1, 1, 1, 1, 1], // label 2: a tie goes to the first index: rank 2, top-5
        ];
        var (samples, labels) = Data(temp, scores, [1, 4, 5, 2]);
        var progress = new List<(int, int)>();
        var r = ClassificationEval.Run(session, samples, labels, new ClassificationOptions { Progress = (d, t) => progress.Add((d, t)) });
        Assert.Equal(4, r.Count);
        Assert.Equal(1, r.Top1);
        Assert.Equal(3, r.Top5);
        Assert.Equal(25.0, r.Top1Percent);
        Assert.Equal(75.0, r.Top5Percent);
        Assert.Equal(6, r.Classes);
        Assert.Equal("out", r.Output);
        Assert.True(r.MeanLatencyMs > 0);
        Assert.Empty(r.Notes);
        Assert.Equal([(1, 4), (2, 4), (3, 4), (4, 4)], progress);
    }

    [Fact]
    public void Label_offset_shifts_labels_and_out_of_range_labels_are_noted_as_misses()
    {
        using var temp = new TempFolder();
        using var session = Echo(3);
        var (samples, labels) = Data(temp, [[0, 5, 0], [0, 0, 5]], [0, 2]);
        var shifted = ClassificationEval.Run(session, samples, labels, new ClassificationOptions { LabelOffset = 1 });
        Assert.Equal(1, shifted.Top1); // label 0 + 1 = class 1 hits; label 2 + 1 = 3 is outside
        Assert.Contains("outside the output's 3 classes", Assert.Single(shifted.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void A_1001_class_output_suggests_the_background_offset()
    {
        using var temp = new TempFolder();
        using var session = Echo(1001);
        var scores = new float[1001];
        scores[1] = 1;
        var (samples, labels) = Data(temp, [scores], [0]);
        var r = ClassificationEval.Run(session, samples, labels);
        Assert.Equal(0, r.Top1);
        Assert.Contains("label offset of 1", Assert.Single(r.Notes), StringComparison.Ordinal);
        Assert.Equal(1, ClassificationEval.Run(session, samples, labels, new ClassificationOptions { LabelOffset = 1 }).Top1);
    }

    [Fact]
    public void No_samples_is_an_error()
    {
        using var temp = new TempFolder();
        using var session = Echo(2);
        var (samples, labels) = Data(temp, [[1, 0]], [0], new SampleOptions { Skip = 1 });
        Assert.Contains("no samples", Assert.Throws<InvalidInputException>(() => ClassificationEval.Run(session, samples, labels)).Message, StringComparison.Ordinal);
    }
}
