namespace Pinhole.Tools.Datasets;

/// <summary>
/// How pixels (0-255) become model input values: <c>value = (pixel * Scale - Mean[c]) / Std[c]</c> for channel c in
/// the preset's order (RGB, or BGR when <see cref="Bgr"/>). Inputs with one channel take the luminance
/// (0.299 R + 0.587 G + 0.114 B, as PIL's grayscale conversion) and the same weighted mean and std.
/// </summary>
public sealed record ImagePreset(string Name, bool Bgr, float Scale, float[] Mean, float[] Std, string Summary)
{
    /// <summary>torchvision's ImageNet normalization: RGB, /255, then mean and std per channel.</summary>
    public static ImagePreset ImageNet { get; } = new("imagenet", false, 1f / 255, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f],
        "RGB /255, mean [0.485,0.456,0.406], std [0.229,0.224,0.225]");

    /// <summary>Caffe's: BGR, 0-255, minus the ImageNet mean per channel (SqueezeNet 1.0, VGG, ResNet from Caffe).</summary>
    public static ImagePreset Caffe { get; } = new("caffe", true, 1f, [103.939f, 116.779f, 123.68f], [1f, 1f, 1f],
        "BGR 0-255 minus mean [103.939,116.779,123.68]");

    /// <summary>Pixels as they are: RGB 0-255.</summary>
    public static ImagePreset Raw { get; } = new("raw", false, 1f, [0f, 0f, 0f], [1f, 1f, 1f], "RGB 0-255");

    /// <summary>RGB scaled to 0-1.</summary>
    public static ImagePreset Unit { get; } = new("unit", false, 1f / 255, [0f, 0f, 0f], [1f, 1f, 1f], "RGB 0-1");

    public static IReadOnlyList<ImagePreset> All { get; } = [ImageNet, Caffe, Raw, Unit];

    /// <summary>The preset called <paramref name="name"/> (any case).</summary>
    /// <exception cref="InvalidInputException">No preset has that name.</exception>
    public static ImagePreset Named(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidInputException($"unknown preset '{name}': use one of {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>Luminance weights of R, G and B.</summary>
    internal static ReadOnlySpan<float> Luma => [0.299f, 0.587f, 0.114f];

    /// <summary>Mean and std for channel <paramref name="c"/> of <paramref name="channels"/> (1 or 3, in model order).</summary>
    internal (float Mean, float Std) Channel(int c, int channels)
    {
        if (channels == 1)
        {
            // Mean and std are per RGB channel; index them RGB even for BGR presets.
            float m = 0, s = 0;
            for (int i = 0; i < 3; i++)
            {
                int rgb = Bgr ? 2 - i : i;
                m += Luma[rgb] * Mean[i];
                s += Luma[rgb] * Std[i];
            }
            return (m, s);
        }
        return (Mean[c], Std[c]);
    }
}
