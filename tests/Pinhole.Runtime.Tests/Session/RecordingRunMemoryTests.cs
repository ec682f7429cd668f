using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Session;

/// <summary>Measures the process's managed heap, so it runs alone (other tests' allocations would count).</summary>
[CollectionDefinition(nameof(RecordingRunMemoryTests), DisableParallelization = true)]
public class RecordingRunMemoryCollection;

[Collection(nameof(RecordingRunMemoryTests))]
public class RecordingRunMemoryTests
{
    /// <summary>
    /// The recording run allocates every intermediate; its garbage must be collected as it goes, not left to set the process's
    /// peak: over a chain of 48 element-wise ops on 1 MiB tensors (48 MiB allocated), the managed heap seen after each
    /// node stays within 12 MiB of where it started (with one collection per 48 MiB it grew by 30 MiB and more).
    /// </summary>
    [Fact]
    public void RecordingRunCollectsItsGarbageAsItGoes()
    {
        var nodes = new List<Node>();
        string last = "x";
        for (int i = 0; i < 48; i++)
        {
            nodes.Add(new Node(i % 2 == 0 ? "Neg" : "Relu", [last], [$"v{i}"], "", $"n{i}"));
            last = $"v{i}";
        }
        var model = new Model();
        model.OpsetImports[""] = 21;
        model.Graph.Inputs.Add(new ValueInfo("x"));
        model.Graph.Outputs.Add(new ValueInfo(last));
        model.Graph.Nodes.AddRange(nodes);
        long start = 0, peak = 0;
        var options = new SessionOptions
        {
            OptimizationLevel = OptimizationLevel.None,
            IntraOpThreads = 1,
            NodeExecuted = _ => peak = Math.Max(peak, GC.GetTotalMemory(false) - start),
        };
        using var session = new InferenceSession(model, options);
        var x = Tensor.FromArray(Enumerable.Range(0, 256 * 1024).Select(i => (i % 7) - 3f).ToArray(), [256, 1024]);
        start = GC.GetTotalMemory(true);
        var first = session.Run([x]);
        Assert.True(peak < 12L << 20, $"the heap grew by {peak >> 20} MiB in the recording run");
        Assert.Equal(first[0].Span<float>().ToArray(), session.Run([x])[0].Span<float>().ToArray());
    }
}
