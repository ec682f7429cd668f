using Pinhole.Onnx;
using Pinhole.Runtime;

namespace Pinhole.Differential.Tests;

/// <summary>One <see cref="Runtime.InferenceSession"/> run from 8 threads at once, each with its own input.</summary>
public class ConcurrencyTests
{
    private const int Threads = 8;

    [Fact]
    public void Sample_cnn_runs_concurrently() => AssertConcurrentRunsMatchSerialRuns(Repository.Sample("tiny-cnn", "model.onnx"), 0, 1, 1, rounds: 20);

    public static TheoryData<string, float, float, int> SharedModels => new()
    {
        // Small models that exercise other kernel families: float CNN, integer QOperator kernels, a transformer.
        { "mnist-8/model.onnx", 0, 255, 1 },
        { "mlperftiny-kws-int8/model.onnx", -2, 2, 1 },
        { "tf-bert-qa-small/model.onnx", 0, 1, 2 },
    };

    [SharedDataTheory]
    [MemberData(nameof(SharedModels))]
    public void Shared_model_runs_concurrently(string file, float low, float high, int symbolic) =>
        AssertConcurrentRunsMatchSerialRuns(Repository.Model(file.Split('/')), low, high, symbolic, rounds: 2);

    private static void AssertConcurrentRunsMatchSerialRuns(string path, float low, float high, int symbolic, int rounds)
    {
        var model = OnnxModel.Load(path);
        var feeds = Enumerable.Range(0, Threads)
            .Select(t => ModelInputs.Create(path, model, seed: 100 + t, low, high, symbolic).ToDictionary(i => i.Name, i => i.Value))
            .ToArray();
        using var session = new Runtime.InferenceSession(model);
        var serial = feeds.Select(session.Run).ToArray();
        // The inputs differ, so the results must too (else a mix-up between threads could go unnoticed).
        Assert.NotEqual(Bytes(serial[0]), Bytes(serial[1]));

        var concurrent = new IReadOnlyDictionary<string, Tensor>[Threads, rounds];
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int r = 0; r < rounds; r++) concurrent[t, r] = session.Run(feeds[t]);
        })).ToList();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();

        for (int t = 0; t < Threads; t++)
            for (int r = 0; r < rounds; r++)
            {
                Assert.NotNull(concurrent[t, r]);
                Assert.True(Bytes(serial[t]).SequenceEqual(Bytes(concurrent[t, r])), $"thread {t}, run {r}: result differs from the serial run");
            }
    }

    private static byte[] Bytes(IReadOnlyDictionary<string, Tensor> outputs) =>
        outputs.OrderBy(o => o.Key, StringComparer.Ordinal)
            .SelectMany(o => o.Value.Shape.SelectMany(BitConverter.GetBytes).Concat(o.Value.Bytes().ToArray()))
            .ToArray();
}
