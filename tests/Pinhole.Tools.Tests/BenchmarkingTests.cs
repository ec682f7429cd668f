using CsCheck;
using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Tools.Benchmarking;

namespace Pinhole.Tools.Tests;

public sealed class BenchmarkingTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-bench-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var s = LatencyStats.FromSamples([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
        Assert.Equal(1, s.Min);
        Assert.Equal(5, s.P50);
        Assert.Equal(9, s.P90);
        Assert.Equal(10, s.P99);
        Assert.Equal(10, s.Max);
        Assert.Equal(5.5, s.Mean);
    }

    [Fact]
    public void Latency_statistics_are_ordered_and_taken_from_the_samples() =>
        Gen.Double[0, 1000].Array[1, 60].Sample(samples =>
        {
            var s = LatencyStats.FromSamples(samples);
            Assert.Equal(samples.Min(), s.Min);
            Assert.Equal(samples.Max(), s.Max);
            Assert.True(s.Min <= s.P50 && s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.Max);
            Assert.Contains(s.P50, samples);
            Assert.Contains(s.P99, samples);
            Assert.True(samples.Count(v => v <= s.P50) * 2 >= samples.Length);
        });

    [Fact]
    public void Random_inputs_are_seeded_and_in_range()
    {
        var model = new Model();
        model.OpsetImports[""] = 17;
        model.Graph.Inputs.Add(new ValueInfo("ids", new TensorTypeInfo(DataType.Int64, [Dim.Symbol("batch"), Dim.Symbol("seq")])));
        model.Graph.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(3), Dim.Symbol("n")])));
        model.Graph.Inputs.Add(new ValueInfo("w", new TensorTypeInfo(DataType.Float, [Dim.Known(2)])));
        model.Graph.Initializers["w"] = Tensor.Zeros(DataType.Float, [2]);
        var dims = new Dictionary<string, int> { ["seq"] = 7 };

        var a = RandomInputs.Create(model, 5, dims);
        var b = RandomInputs.Create(model, 5, dims);
        var c = RandomInputs.Create(model, 6, dims);

        Assert.Equal(["ids", "x"], a.Select(i => i.Name));
        Assert.Equal([1, 7], a[0].Value.Shape);
        Assert.Equal([3, 1], a[1].Value.Shape);
        Assert.All(a[0].Value.Span<long>().ToArray(), v => Assert.InRange(v, 0, 1));
        Assert.All(a[1].Value.Span<float>().ToArray(), v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(a[1].Value.Span<float>().ToArray(), b[1].Value.Span<float>().ToArray());
        Assert.NotEqual(a[1].Value.Span<float>().ToArray(), c[1].Value.Span<float>().ToArray());
    }

    [Fact]
    public void Benchmarks_the_sample_model_with_a_profile()
    {
        string path = Repository.Sample("tiny-cnn", "model.onnx");
        var options = new BenchmarkOptions { Threads = 1, Runs = 4, Warmup = 1, Profile = true, OutputDirectory = Path.Combine(_temp, "out") };
        var r = ModelBenchmark.Run(path, options);

        Assert.Equal(4, r.Runs);
        Assert.Equal(1, r.Threads);
        Assert.Equal("pinhole", r.Runtime);
        Assert.True(r.LoadMs > 0);
        Assert.True(r.LatencyMs.Min > 0 && r.LatencyMs.Min <= r.LatencyMs.P50 && r.LatencyMs.P50 <= r.LatencyMs.P99);
        Assert.True(r.ThroughputPerS > 0);
        Assert.True(r.PeakWorkingSetBytes > 1 << 20);
        if (r.MemoryPlanned)
        {
            Assert.True(r.ArenaLowerBoundBytes > 0 && r.ArenaBytes >= r.ArenaLowerBoundBytes, $"arena {r.ArenaBytes}, lower bound {r.ArenaLowerBoundBytes}");
        }
        else
        {
            Assert.Equal(0, r.ArenaBytes);
            Assert.Equal(0, r.ArenaLowerBoundBytes);
        }
        Assert.Equal(["input: float [1,1,28,28]"], r.Inputs);

        var model = OnnxModel.Load(path);
        Assert.NotNull(r.Profile);
        Assert.NotNull(r.OpProfile);
        Assert.Equal(model.Graph.Nodes.Count, r.Profile.Count);
        Assert.All(r.Profile, p => Assert.Equal(4, p.Calls));
        Assert.Equal(100, r.Profile.Sum(p => p.Share), 3);
        Assert.True(r.Profile.Zip(r.Profile.Skip(1)).All(p => p.First.TotalMs >= p.Second.TotalMs), "sorted by time");
        Assert.Equal(model.Graph.Nodes.Count(n => n.OpType == "Conv"), r.OpProfile.Single(o => o.Op == "Conv").Nodes);
        Assert.Equal(r.Profile.Sum(p => p.TotalMs), r.OpProfile.Sum(o => o.TotalMs), 6);

        var output = OnnxTensorFile.ReadNamed(Path.Combine(_temp, "out", "output_0.pb"));
        Assert.Equal("probabilities", output.Name);
        Assert.Equal([1, 10], output.Tensor.Shape);
    }

    [Fact]
    public void Reads_inputs_from_a_folder_and_stops_at_the_time_limit()
    {
        string path = Repository.Sample("tiny-cnn", "model.onnx");
        var r = ModelBenchmark.Run(path, new BenchmarkOptions
        {
            Threads = 1,
            Runs = 1000,
            Warmup = 0,
            MinRuns = 3,
            MaxTime = TimeSpan.Zero,
            InputDirectory = Repository.Sample("tiny-cnn", "test_data_set_0"),
        });
        Assert.Equal(3, r.Runs);
        Assert.Null(r.Profile);
    }
}
