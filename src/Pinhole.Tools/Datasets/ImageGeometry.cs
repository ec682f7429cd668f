using Pinhole.IR;

namespace Pinhole.Tools.Datasets;

/// <summary>
/// Where pixels go in a model's image input: layout, channels (1 or 3), and the crop size, from the input's declared
/// shape ([N,C,H,W] or [N,H,W,C]; rank 3 without the batch dimension as well).
/// </summary>
internal sealed record ImageGeometry(ImageLayout Layout, int Channels, int Height, int Width, int[] Shape, bool DefaultSize)
{
    /// <summary>Crop size used when the model leaves height and width symbolic (torchvision's ImageNet evaluation).</summary>
    public const int DefaultCrop = 224;

    public static ImageGeometry Of(ValueInfo input, ImageLayout? layout)
    {
        var declared = InputShapes.Declared(input)
            ?? throw new InvalidInputException($"input '{input.Name}' declares no shape: cannot tell its image size and layout");
        bool batched = declared.Length == 4;
        if (declared.Length is not (3 or 4))
            throw new InvalidInputException($"input '{input.Name}' of shape [{string.Join(",", declared)}] is not an image ([N,C,H,W] or [N,H,W,C])");
        var dims = batched ? declared[1..] : declared;
        static bool IsChannels(Dim d) => d.Value is 1 or 3;
        var chosen = layout
            ?? (IsChannels(dims[0]) ? ImageLayout.Nchw
                : IsChannels(dims[2]) ? ImageLayout.Nhwc
                : throw new InvalidInputException(
                    $"input '{input.Name}' of shape [{string.Join(",", declared)}]: cannot tell which dimension holds the channels (1 or 3); give the layout (nchw or nhwc)"));
        var (c, h, w) = chosen == ImageLayout.Nchw ? (dims[0], dims[1], dims[2]) : (dims[2], dims[0], dims[1]);
        int channels = c.Value is long cv ? (int)cv : 3;
        if (channels is not (1 or 3))
            throw new InvalidInputException($"input '{input.Name}' of shape [{string.Join(",", declared)}] has {channels} channels in {chosen} layout: images need 1 or 3");
        bool defaultSize = !h.IsKnown || !w.IsKnown;
        int height = h.Value is long hv ? (int)hv : w.Value is long wv0 ? (int)wv0 : DefaultCrop;
        int width = w.Value is long wv ? (int)wv : height;
        int[] inner = chosen == ImageLayout.Nchw ? [channels, height, width] : [height, width, channels];
        if (batched && declared[0].Value is long n && n != 1)
            throw new InvalidInputException($"input '{input.Name}' of shape [{string.Join(",", declared)}] has a batch of {n}: samples are one image each");
        return new ImageGeometry(chosen, channels, height, width, batched ? [1, .. inner] : inner, defaultSize);
    }

    public override string ToString() =>
        $"{(Layout == ImageLayout.Nchw ? "NCHW" : "NHWC")} {Height}x{Width}{(Channels == 1 ? " gray" : "")}";
}
