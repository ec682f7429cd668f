using Pinhole.IR;
using Pinhole.Onnx;

namespace Pinhole.Tools.Datasets;

/// <summary>
/// Serialized TensorProto (.pb) samples: folders of input_0.pb, input_1.pb... in graph-input order (ONNX test data
/// sets), or single files for a one-input model.
/// </summary>
internal sealed class TensorFolderSource : ISampleSource
{
    private readonly IReadOnlyList<ValueInfo> _inputs;
    private readonly string[][] _files; // per sample, one file per input
    private readonly string[] _ids;
    private readonly int _start;

    private TensorFolderSource(string description, string[] ids, string[][] files, IReadOnlyList<ValueInfo> inputs, SampleOptions options)
    {
        _inputs = inputs;
        _files = files;
        _ids = ids;
        (_start, Count) = SampleSources.Range(files.Length, options);
        Description = description + SampleSources.RangeText(_start, Count, files.Length);
    }

    /// <summary>One sample per folder, input i from input_i.pb.</summary>
    public static TensorFolderSource Sets(string dir, string[] sets, IReadOnlyList<ValueInfo> inputs, SampleOptions options)
    {
        var files = sets.Select(set => inputs.Select((_, i) => Path.Combine(set, $"input_{i}.pb")).ToArray()).ToArray();
        var missing = files.SelectMany(f => f).FirstOrDefault(f => !File.Exists(f));
        if (missing is not null)
            throw new InvalidInputException($"'{missing}' does not exist: each test data set needs input_0.pb..input_{inputs.Count - 1}.pb, one per model input");
        string what = sets.Length == 1 && sets[0] == dir ? $"1 test data set {dir}" : $"{sets.Length} test data sets in {dir}";
        return new TensorFolderSource(what, sets.Select(Path.GetFileName).ToArray()!, files, inputs, options);
    }

    /// <summary>One sample per .pb file, for a model with one input.</summary>
    public static TensorFolderSource Files(string dir, string[] files, ValueInfo input, SampleOptions options) =>
        new($"{files.Length} .pb tensors in {dir}", files.Select(Path.GetFileName).ToArray()!, files.Select(f => new[] { f }).ToArray(), [input], options);

    public string Description { get; }

    public int Count { get; }

    public IEnumerable<Sample> Read()
    {
        for (int s = _start; s < _start + Count; s++)
        {
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (int i = 0; i < _inputs.Count; i++)
            {
                string file = _files[s][i];
                var data = OnnxTensorFile.Read(file);
                var shape = InputShapes.Fit(_inputs[i], data.Shape, $"'{file}'", anyBatch: true);
                tensors[_inputs[i].Name] = InputShapes.Convert(data, 0, InputShapes.ElementType(_inputs[i], data.Type), shape, $"'{file}'");
            }
            yield return new Sample(_ids[s], s, tensors);
        }
    }
}
