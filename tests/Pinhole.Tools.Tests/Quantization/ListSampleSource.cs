using Pinhole.Tools.Datasets;

namespace Pinhole.Tools.Tests.Quantization;

/// <summary>Samples held in memory, for tests.</summary>
internal sealed class ListSampleSource(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples) : ISampleSource
{
    public string Description => $"{samples.Count} samples in memory";
    public int Count => samples.Count;

    public IEnumerable<Sample> Read()
    {
        for (int i = 0; i < samples.Count; i++) yield return new Sample($"sample{i}", i, samples[i]);
    }

    /// <summary>Samples of one float input with values from <paramref name="value"/>(sample, element).</summary>
    public static ListSampleSource Random(string input, int[] shape, int count, int seed, float low = -1, float high = 1)
    {
        var random = new Random(seed);
        var list = new List<IReadOnlyDictionary<string, Tensor>>();
        for (int s = 0; s < count; s++)
        {
            var data = new float[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = low + (float)random.NextDouble() * (high - low);
            list.Add(new Dictionary<string, Tensor> { [input] = Tensor.FromArray(data, shape) });
        }
        return new ListSampleSource(list);
    }
}
