using Pinhole.IR;

namespace Pinhole.Tools.Datasets;

/// <summary>
/// Samples for a model, in a stable order (file-name order for folders, record order for IDX/.npy/.npz): what
/// calibration (<c>pinhole quantize</c>), evaluation (<c>pinhole eval</c>) and layer comparison (<c>pinhole compare</c>)
/// feed the model one at a time.
/// </summary>
public interface ISampleSource
{
    /// <summary>A one-line description for progress output, e.g. "250 images in DIR (imagenet preset, NCHW 224x224)".</summary>
    string Description { get; }

    /// <summary>How many samples <see cref="Read"/> yields (after skip and limit).</summary>
    int Count { get; }

    /// <summary>
    /// The samples, each a full set of model inputs with batch size 1. Tensors may be reused by the next sample: copy
    /// what you keep. Throws <see cref="InvalidInputException"/> naming the file and the problem for unreadable data.
    /// </summary>
    IEnumerable<Sample> Read();
}

/// <summary>One sample: an identifier (file name or record index) that labels are matched by, and the model's inputs.</summary>
public sealed record Sample(string Id, int Index, IReadOnlyDictionary<string, Tensor> Inputs);

/// <summary>How to turn files into model inputs. Defaults suit a classification model with one image input.</summary>
public sealed record SampleOptions
{
    /// <summary>Image normalization preset: imagenet (torchvision), caffe (BGR 0-255 minus mean), raw (0-255), unit (0-1).</summary>
    public string Preset { get; init; } = "imagenet";

    /// <summary>Skip this many samples first (in order): evaluate on the samples after those used to calibrate.</summary>
    public int Skip { get; init; }

    /// <summary>At most this many samples (after <see cref="Skip"/>); null for all.</summary>
    public int? Limit { get; init; }

    /// <summary>Image tensor layout; null infers it from the model input's shape (channels of 1 or 3 first or last).</summary>
    public ImageLayout? Layout { get; init; }

    /// <summary>
    /// Images are resized so that their shorter side has this many pixels before the centre crop to the model's
    /// height and width; null for torchvision's evaluation ratio, crop / 0.875 (256 for a 224 crop).
    /// </summary>
    public int? ResizeShorterSide { get; init; }
}

public enum ImageLayout { Nchw, Nhwc }

/// <summary>Opens a sample source for a model's inputs by what the path is (folder of images or .pb files, .idx/.gz, .npy, .npz).</summary>
public static partial class SampleSources
{
}
