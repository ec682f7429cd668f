using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Quantization;

namespace Pinhole.Tools.Tests.Quantization;

public sealed class AccuracyBudgetTests
{
    /// <summary>Labels that are the float model's own top class, so float scores 100%.</summary>
    private sealed class FloatArgmaxLabels : ILabelSource
    {
        private readonly Dictionary<string, int> _labels = [];

        public FloatArgmaxLabels(Model model, ISampleSource samples)
        {
            using var session = new InferenceSession(model.Clone());
            foreach (var s in samples.Read())
            {
                var y = session.Run(s.Inputs)["y"].ReadOnlySpan<float>().ToArray();
                _labels[s.Id] = Array.IndexOf(y, y.Max());
            }
        }

        public string Description => "float argmax";
        public int ClassOf(Sample sample) => _labels[sample.Id];
    }

    /// <summary>Inputs whose channels have different offsets per sample, so the small net's top class varies.</summary>
    private static ListSampleSource Varied(int count, int seed, float spread)
    {
        var random = new Random(seed);
        var list = new List<IReadOnlyDictionary<string, Tensor>>();
        for (int s = 0; s < count; s++)
        {
            var data = new float[3 * 64];
            for (int c = 0; c < 3; c++)
            {
                float offset = ((float)random.NextDouble() * 2 - 1) * spread;
                for (int i = 0; i < 64; i++) data[c * 64 + i] = offset + ((float)random.NextDouble() - 0.5f) * spread * 0.3f;
            }
            list.Add(new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(data, [1, 3, 8, 8]) });
        }
        return new ListSampleSource(list);
    }

    [Fact]
    public void Keeps_lossy_layers_in_float_until_the_drop_fits()
    {
        var validation = Varied(80, seed: 21, spread: 2);
        var labels = new FloatArgmaxLabels(ModelQuantizerTests.SmallNet(), validation);
        // Calibration on inputs 20 times smaller than the validation's: the ranges are far too narrow and int8 loses accuracy.
        var calibration = Varied(16, seed: 5, spread: 0.1f);
        var prepared = ModelQuantizer.Prepare(ModelQuantizerTests.SmallNet(), calibration, new QuantizationOptions());
        var (model, report, result) = AccuracyBudget.Search(prepared, validation, labels, budgetPoints: 10, maxFloatNodes: 10);

        Assert.Equal(100, result.FloatTop1Percent);
        Assert.True(result.Steps[0].DropPoints > 10, "the miscalibrated quantization should lose accuracy");
        Assert.Equal(result.Steps[0].Next, result.Steps[1].KeptFloat.Single());
        for (int i = 1; i < result.Steps.Count; i++)
            Assert.Equal(i, result.Steps[i].KeptFloat.Count);
        Assert.True(result.Met, string.Join("; ", result.Steps.Select(s => $"[{string.Join(",", s.KeptFloat)}] {s.Top1Percent} next {s.Next}")));
        Assert.InRange(result.Final.DropPoints, double.NegativeInfinity, 10);
        Assert.True(result.Steps.Count >= 2);
        Assert.Null(result.Final.Next);
        // The returned model is the final step's form: those nodes are float, and it scores what the step measured.
        foreach (var name in result.Final.KeptFloat) Assert.EndsWith("excluded", report.FloatNodes[name], StringComparison.Ordinal);
        var ids = validation.Read().ToList();
        using var session = new InferenceSession(model);
        int correct = ids.Count(s =>
        {
            var y = session.Run(s.Inputs)["y"].ReadOnlySpan<float>().ToArray();
            return Array.IndexOf(y, y.Max()) == labels.ClassOf(s);
        });
        Assert.Equal(result.Final.Top1Percent, 100.0 * correct / ids.Count, 6);
    }

    [Fact]
    public void A_generous_budget_changes_nothing()
    {
        var validation = ListSampleSource.Random("x", [1, 3, 8, 8], 20, seed: 22, low: -2, high: 2);
        var labels = new FloatArgmaxLabels(ModelQuantizerTests.SmallNet(), validation);
        var prepared = ModelQuantizer.Prepare(ModelQuantizerTests.SmallNet(), ListSampleSource.Random("x", [1, 3, 8, 8], 16, 5, -2, 2), new QuantizationOptions());
        var (_, report, result) = AccuracyBudget.Search(prepared, validation, labels, budgetPoints: 100);
        Assert.Single(result.Steps);
        Assert.True(result.Met);
        Assert.DoesNotContain(report.FloatNodes.Values, v => v.EndsWith("excluded", StringComparison.Ordinal));
    }
}
