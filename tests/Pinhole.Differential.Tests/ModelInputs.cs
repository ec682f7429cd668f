using Pinhole.IR;

namespace Pinhole.Differential.Tests;

/// <summary>Seeded random inputs of sensible types and ranges for a whole model.</summary>
internal static class ModelInputs
{
    /// <summary>
    /// One tensor per declared input. Float inputs are uniform in [<paramref name="low"/>, <paramref name="high"/>);
    /// integer inputs that index an embedding table (Gather on an initializer) are valid indices into it; integer
    /// inputs named like a mask are 1 for a random-length prefix and 0 after. Symbolic dimensions become <paramref name="symbolic"/>.
    /// </summary>
    public static List<(string Name, Tensor Value)> Create(string path, Model model, int seed, float low, float high, int symbolic)
    {
        var rng = new Random(seed);
        var result = new List<(string, Tensor)>();
        foreach (var (name, type, declared) in OrtReference.Inputs(path))
        {
            var shape = declared.Select(d => d < 0 ? symbolic : d).ToArray();
            int n = Tensor.ElementCount(shape);
            Tensor t = type switch
            {
                DataType.Float => Tensor.FromArray(Floats(rng, n, low, high), shape),
                DataType.Float16 => Tensor.FromArray(Array.ConvertAll(Floats(rng, n, low, high), v => (Half)v), shape),
                DataType.Int64 => Tensor.FromArray(Integers(rng, name, shape, model), shape),
                DataType.Int32 => Tensor.FromArray(Array.ConvertAll(Integers(rng, name, shape, model), v => (int)v), shape),
                _ => throw new NotSupportedException($"input '{name}' of type {type}: add a generator"),
            };
            result.Add((name, t));
        }
        return result;
    }

    private static float[] Floats(Random rng, int n, float low, float high)
    {
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = low + (float)rng.NextDouble() * (high - low);
        return data;
    }

    private static long[] Integers(Random rng, string name, int[] shape, Model model)
    {
        var data = new long[Tensor.ElementCount(shape)];
        if (name.Contains("mask", StringComparison.OrdinalIgnoreCase))
        {
            // Rows of 1s then 0s (padding at the end), at least one 1 per row.
            int row = shape.Length == 0 ? 1 : shape[^1];
            for (int start = 0; start < data.Length; start += row)
            {
                int ones = rng.Next(1, row + 1);
                for (int i = 0; i < ones; i++) data[start + i] = 1;
            }
            return data;
        }
        long limit = EmbeddingRows(model.Graph, name)
            ?? throw new NotSupportedException($"integer input '{name}' indexes no embedding table: add a generator");
        for (int i = 0; i < data.Length; i++) data[i] = rng.NextInt64(limit);
        return data;
    }

    /// <summary>Rows of the initializer that a Gather reads with <paramref name="indices"/>, following Cast/Reshape/Identity.</summary>
    private static long? EmbeddingRows(Graph graph, string indices)
    {
        foreach (var node in graph.Consumers(indices))
        {
            if (node.OpType == "Gather" && node.Inputs.Count > 1 && node.Inputs[1] == indices
                && graph.Initializers.TryGetValue(node.Inputs[0], out var table))
                return table.Shape[0];
            if (node.OpType is "Cast" or "Reshape" or "Identity" or "Unsqueeze" or "Squeeze" or "Flatten"
                && EmbeddingRows(graph, node.Outputs[0]) is long rows)
                return rows;
        }
        return null;
    }
}
