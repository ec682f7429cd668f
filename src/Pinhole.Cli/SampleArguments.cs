using System.CommandLine;
using Pinhole.Tools.Datasets;

namespace Pinhole.Cli;

/// <summary>The options that say how data files become model inputs, shared by eval, quantize and compare.</summary>
internal sealed class SampleArguments
{
    public Option<string> Preset { get; } = new("--preset")
    {
        Description = "Pixel normalization of images: imagenet (torchvision), caffe (BGR 0-255 minus mean), raw (0-255), unit (0-1)",
        DefaultValueFactory = _ => "imagenet",
    };

    public Option<int> Skip { get; } = new("--skip") { Description = "Skip the first N samples (in file-name or record order)" };
    public Option<int?> Limit { get; } = new("--limit") { Description = "Use at most N samples (after --skip), the first in file-name or record order" };
    public Option<string> Layout { get; } = new("--layout") { Description = "Image layout, nchw or nhwc (default: from the input's shape)" };

    public Option<int?> Resize { get; } = new("--resize")
    {
        Description = "Resize images' shorter side to N pixels before the centre crop (default: crop / 0.875, 256 for 224)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Preset);
        command.Options.Add(Skip);
        command.Options.Add(Limit);
        command.Options.Add(Layout);
        command.Options.Add(Resize);
    }

    public SampleOptions Parse(ParseResult r) => new()
    {
        Preset = ImagePreset.Named(r.GetValue(Preset)!).Name,
        Skip = r.GetValue(Skip) >= 0 ? r.GetValue(Skip) : throw new UsageException("--skip must not be negative"),
        Limit = r.GetValue(Limit) is not int n ? null : n >= 1 ? n : throw new UsageException("--limit must be at least 1"),
        Layout = r.GetValue(Layout)?.ToLowerInvariant() switch
        {
            null => null,
            "nchw" => ImageLayout.Nchw,
            "nhwc" => ImageLayout.Nhwc,
            var text => throw new UsageException($"--layout '{text}': use nchw or nhwc"),
        },
        ResizeShorterSide = r.GetValue(Resize) is not int s ? null : s >= 1 ? s : throw new UsageException("--resize must be at least 1"),
    };
}
