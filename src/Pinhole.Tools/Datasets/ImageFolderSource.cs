using Pinhole.IR;
using SkiaSharp;

namespace Pinhole.Tools.Datasets;

/// <summary>Images in a folder, decoded with SkiaSharp, resized, centre-cropped and normalized for the model's image input.</summary>
internal sealed class ImageFolderSource : ISampleSource
{
    private readonly string[] _files;
    private readonly ValueInfo _input;
    private readonly ImageGeometry _geometry;
    private readonly ImagePreset _preset;
    private readonly DataType _type;
    private readonly int _shorterSide;
    private readonly int _start;

    public ImageFolderSource(string dir, string[] files, ValueInfo input, SampleOptions options)
    {
        _files = files;
        _input = input;
        _geometry = ImageGeometry.Of(input, options.Layout);
        _preset = ImagePreset.Named(options.Preset);
        _type = InputShapes.ElementType(input, DataType.Float);
        _shorterSide = options.ResizeShorterSide ?? ShorterSideFor(_geometry.Height, _geometry.Width);
        if (_shorterSide < Math.Max(_geometry.Height, _geometry.Width))
            throw new InvalidInputException($"resize to {_shorterSide} pixels is smaller than the {_geometry.Height}x{_geometry.Width} crop of input '{input.Name}'");
        (_start, Count) = SampleSources.Range(files.Length, options);
        Description = $"{files.Length} images in {dir}{SampleSources.RangeText(_start, Count, files.Length)}: "
            + $"{_preset.Name} preset ({_preset.Summary}), resize shorter side to {_shorterSide}, centre crop {_geometry}"
            + (_geometry.DefaultSize ? $" (the model leaves the size open; {ImageGeometry.DefaultCrop} assumed)" : "");
    }

    public string Description { get; }

    public int Count { get; }

    /// <summary>torchvision's evaluation resize for a crop: the crop is 87.5% of the shorter side (224 of 256).</summary>
    public static int ShorterSideFor(int height, int width) => (int)Math.Round(Math.Max(height, width) / 0.875);

    public IEnumerable<Sample> Read()
    {
        for (int i = _start; i < _start + Count; i++)
        {
            string file = _files[i];
            var planes = DecodeResizeCrop(file);
            var values = ImagePixels.Normalize(planes, 3, _preset, _geometry);
            var tensor = InputShapes.FromFloats(values, _type, _geometry.Shape, $"'{file}'");
            yield return new Sample(Path.GetFileName(file), i, new Dictionary<string, Tensor>(StringComparer.Ordinal) { [_input.Name] = tensor });
        }
    }

    /// <summary>R, G, B planes of 0-255 values of the centre crop.</summary>
    private float[] DecodeResizeCrop(string file)
    {
        using var codec = SKCodec.Create(file, out var status)
            ?? throw new InvalidInputException($"'{file}' is not an image SkiaSharp can decode ({status})");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidInputException($"'{file}': decoding the {info.Width}x{info.Height} image failed ({result})");
        return ImageResampler.ResizeCrop(bitmap.GetPixelSpan(), info.Width, info.Height, bitmap.RowBytes,
            _shorterSide, _geometry.Height, _geometry.Width);
    }
}
