using Pinhole.IR;

namespace Pinhole.Tools.Datasets;

/// <summary>
/// Images from an IDX file of shape [N, H, W] (MNIST): pixels normalized by the preset as gray values, the model's
/// input taking them as they are (no resize), e.g. [1,1,28,28] or [1,28,28,1].
/// </summary>
internal sealed class IdxImageSource : ISampleSource
{
    private readonly IdxFile _file;
    private readonly string _path;
    private readonly ValueInfo _input;
    private readonly ImagePreset _preset;
    private readonly DataType _type;
    private readonly int[] _shape;
    private readonly int _start;

    public IdxImageSource(string path, ValueInfo input, SampleOptions options)
    {
        _path = path;
        _file = IdxFile.Read(path);
        if (_file.Shape.Length != 3)
            throw new InvalidInputException(
                $"'{path}': IDX shape {Tensor.FormatShape(_file.Shape)} is not images [N, height, width]{(_file.Shape.Length == 1 ? " (a label file?)" : "")}");
        _input = input;
        _preset = ImagePreset.Named(options.Preset);
        _type = InputShapes.ElementType(input, DataType.Float);
        _shape = InputShapes.Fit(input, _file.Shape.AsSpan(1), $"'{path}'");
        int total = _file.Shape[0];
        (_start, Count) = SampleSources.Range(total, options);
        Description = $"{total} images of {_file.Shape[1]}x{_file.Shape[2]} in {path}{SampleSources.RangeText(_start, Count, total)}: "
            + $"{_preset.Name} preset, as {Tensor.FormatShape(_shape)}";
    }

    public string Description { get; }

    public int Count { get; }

    public IEnumerable<Sample> Read()
    {
        int pixels = _file.Shape[1] * _file.Shape[2];
        var (mean, std) = _preset.Channel(0, 1);
        float scale = _preset.Scale / std, shift = mean / std;
        for (int i = _start; i < _start + Count; i++)
        {
            var values = new float[pixels];
            var source = _file.Data.AsSpan(i * pixels, pixels);
            for (int p = 0; p < pixels; p++) values[p] = source[p] * scale - shift;
            var tensor = InputShapes.FromFloats(values, _type, _shape, $"'{_path}'");
            yield return new Sample(i.ToString(System.Globalization.CultureInfo.InvariantCulture), i,
                new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_input.Name] = tensor });
        }
    }
}
