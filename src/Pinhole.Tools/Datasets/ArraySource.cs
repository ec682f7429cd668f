using System.IO.Compression;
using Pinhole.IR;

namespace Pinhole.Tools.Datasets;

/// <summary>Samples along the first axis of NumPy arrays: one .npy for a one-input model, or a .npz with an array per input.</summary>
internal sealed class ArraySource : ISampleSource
{
    private readonly string _path;
    private readonly IReadOnlyList<ValueInfo> _inputs;
    private readonly Tensor[] _arrays;
    private readonly int[][] _shapes;
    private readonly int _start;

    /// <param name="arrays">One array per model input, in input order.</param>
    public ArraySource(string path, Tensor[] arrays, IReadOnlyList<ValueInfo> inputs, SampleOptions options)
    {
        _path = path;
        _inputs = inputs;
        _arrays = arrays;
        for (int i = 0; i < arrays.Length; i++)
        {
            if (arrays[i].Rank == 0)
                throw new InvalidInputException($"'{path}': the array for input '{inputs[i].Name}' is a scalar: its first axis must count the samples");
            if (arrays[i].Shape[0] != arrays[0].Shape[0])
                throw new InvalidInputException(
                    $"'{path}': the arrays hold different numbers of samples ({arrays[0].Shape[0]} for '{inputs[0].Name}', {arrays[i].Shape[0]} for '{inputs[i].Name}')");
        }
        _shapes = arrays.Select((a, i) => InputShapes.Fit(inputs[i], a.Shape.AsSpan(1), $"'{path}'")).ToArray();
        int total = arrays[0].Shape[0];
        (_start, Count) = SampleSources.Range(total, options);
        Description = $"{total} samples in {path}{SampleSources.RangeText(_start, Count, total)}: "
            + string.Join(", ", inputs.Select((input, i) => $"{input.Name} {Tensor.FormatShape(_shapes[i])}"));
    }

    public string Description { get; }

    public int Count { get; }

    public IEnumerable<Sample> Read()
    {
        for (int s = _start; s < _start + Count; s++)
        {
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (int i = 0; i < _arrays.Length; i++)
            {
                int per = _arrays[i].Length / _arrays[i].Shape[0];
                var type = InputShapes.ElementType(_inputs[i], _arrays[i].Type);
                tensors[_inputs[i].Name] = InputShapes.Convert(_arrays[i], s * per, type, _shapes[i], $"'{_path}'");
            }
            yield return new Sample(s.ToString(System.Globalization.CultureInfo.InvariantCulture), s, tensors);
        }
    }

    public static Tensor[] ReadNpy(string path) => [Npy.Read(path)];

    /// <summary>The .npz arrays named after the inputs, or its only array for a one-input model.</summary>
    public static Tensor[] ReadNpz(string path, IReadOnlyList<ValueInfo> inputs)
    {
        var arrays = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                using var stream = entry.Open();
                try
                {
                    arrays[entry.FullName[..^4]] = Npy.Read(stream);
                }
                catch (InvalidInputException e)
                {
                    throw new InvalidInputException($"'{path}', array '{entry.FullName}': {e.Message}", e);
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException($"'{path}' is not a valid .npz (zip) file: {e.Message}", e);
        }
        if (inputs.All(i => arrays.ContainsKey(i.Name))) return inputs.Select(i => arrays[i.Name]).ToArray();
        if (inputs.Count == 1 && arrays.Count == 1) return [arrays.Values.Single()];
        throw new InvalidInputException(
            $"'{path}' holds arrays {(arrays.Count == 0 ? "(none)" : string.Join(", ", arrays.Keys.Select(k => $"'{k}'")))} but the model's inputs are "
            + $"{string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}: name an array after each input (numpy.savez(file, {inputs[0].Name}=...))");
    }
}
