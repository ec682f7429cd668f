using Pinhole.IR;

namespace Pinhole.Tools.Benchmarking;

/// <summary>
/// Seeded random inputs for a model: floats uniform in [-1, 1), integers 0 or 1 (valid token ids and attention
/// masks for any vocabulary), booleans random; symbolic or unknown dimensions are 1 unless given by name.
/// </summary>
public static class RandomInputs
{
    public static List<(string Name, Tensor Value)> Create(Model model, int seed, IReadOnlyDictionary<string, int>? dims = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rng = new Random(seed);
        var result = new List<(string, Tensor)>();
        foreach (var input in model.Graph.RuntimeInputs())
        {
            if (input.Type is not TensorTypeInfo type)
                throw new InvalidInputException($"input '{input.Name}' is not a tensor ({input.Type?.ToString() ?? "unknown type"}): give inputs with --input-dir");
            var shape = (type.Shape ?? throw new InvalidInputException($"input '{input.Name}' has no declared shape: give inputs with --input-dir"))
                .Select(d => d.Value is long v ? checked((int)v) : d.Param is not null && dims is not null && dims.TryGetValue(d.Param, out int s) ? s : 1)
                .ToArray();
            result.Add((input.Name, Create(type.ElementType, shape, rng, input.Name)));
        }
        return result;
    }

    private static Tensor Create(DataType type, int[] shape, Random rng, string name)
    {
        var t = Tensor.Zeros(type, shape);
        int n = t.Length;
        switch (type)
        {
            case DataType.Float:
                var f = t.Span<float>();
                for (int i = 0; i < n; i++) f[i] = (float)(rng.NextDouble() * 2 - 1);
                break;
            case DataType.Double:
                var d = t.Span<double>();
                for (int i = 0; i < n; i++) d[i] = rng.NextDouble() * 2 - 1;
                break;
            case DataType.Float16:
                var h = t.Span<Half>();
                for (int i = 0; i < n; i++) h[i] = (Half)(rng.NextDouble() * 2 - 1);
                break;
            case DataType.Int64:
                var l = t.Span<long>();
                for (int i = 0; i < n; i++) l[i] = rng.Next(2);
                break;
            case DataType.Int32:
                var k = t.Span<int>();
                for (int i = 0; i < n; i++) k[i] = rng.Next(2);
                break;
            case DataType.UInt8:
                var u = t.Span<byte>();
                for (int i = 0; i < n; i++) u[i] = (byte)rng.Next(256);
                break;
            case DataType.Int8:
                var s = t.Span<sbyte>();
                for (int i = 0; i < n; i++) s[i] = (sbyte)rng.Next(-128, 128);
                break;
            case DataType.Bool:
                var b = t.Span<bool>();
                for (int i = 0; i < n; i++) b[i] = rng.Next(2) == 1;
                break;
            default:
                throw new InvalidInputException($"input '{name}': no random generator for {DataTypes.OnnxName(type)}; give inputs with --input-dir");
        }
        return t;
    }
}
