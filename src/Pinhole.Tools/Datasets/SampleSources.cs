using Pinhole.IR;

namespace Pinhole.Tools.Datasets;

public static partial class SampleSources
{
    /// <summary>File extensions read as images (any case).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    /// <summary>
    /// Opens <paramref name="path"/> as samples for a model whose runtime inputs (graph inputs that are not
    /// initializers, in graph order) are <paramref name="modelInputs"/>:
    /// <list type="bullet">
    /// <item>a folder of images (.jpg, .jpeg, .png, .bmp, .webp), one sample each, in ordinal file-name order, resized,
    /// centre-cropped and normalized for the model's one image input as <paramref name="options"/> say;</item>
    /// <item>a folder of <c>test_data_set_*</c> folders with <c>input_0.pb</c>, <c>input_1.pb</c>... (one sample per
    /// folder, inputs in graph-input order), a folder with <c>input_N.pb</c> itself (one sample), or a folder of
    /// <c>*.pb</c> TensorProto files (one sample each, for a model with one input);</item>
    /// <item>an IDX image file (<c>.idx</c>, <c>*-idx3-ubyte</c>, either gzipped as <c>.gz</c>), one sample per
    /// image, with the preset applied to its pixels;</item>
    /// <item>a <c>.npy</c> file (first axis = samples, for a model with one input) or a <c>.npz</c> file (arrays named
    /// after the model's inputs, or one array for a model with one input; first axis = samples).</item>
    /// </list>
    /// Tensors from .pb, .npy and .npz are taken as they are, converted to the input's element type; a sample may
    /// lack the batch dimension or have it as 1.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file or folder.</exception>
    /// <exception cref="InvalidInputException">The data cannot be read, or does not fit the model's inputs.</exception>
    public static ISampleSource Open(string path, IReadOnlyList<ValueInfo> modelInputs, SampleOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(modelInputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip);
        if (options.Limit is int limit) ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (modelInputs.Count == 0) throw new InvalidInputException("the model has no inputs to feed samples to");

        if (Directory.Exists(path)) return OpenFolder(path, modelInputs, options);
        if (!File.Exists(path)) throw new FileNotFoundException($"data '{path}' does not exist", path);
        string name = Path.GetFileName(path);
        string inner = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;
        if (inner.EndsWith(".idx", StringComparison.OrdinalIgnoreCase) || inner.Contains("-idx", StringComparison.OrdinalIgnoreCase))
            return new IdxImageSource(path, Single(modelInputs, path), options);
        if (name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            return new ArraySource(path, ArraySource.ReadNpy(path), [Single(modelInputs, path)], options);
        if (name.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
            return new ArraySource(path, ArraySource.ReadNpz(path, modelInputs), modelInputs, options);
        if (IsImage(name))
            throw new InvalidInputException($"'{path}' is one image: give the folder that holds the images");
        throw new InvalidInputException(
            $"'{path}': unknown data format (expected a folder of images or .pb files, an IDX file (.idx, *-idx3-ubyte, .gz), .npy or .npz)");
    }

    private static ISampleSource OpenFolder(string dir, IReadOnlyList<ValueInfo> modelInputs, SampleOptions options)
    {
        var sets = Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal).ToArray();
        if (sets.Length > 0) return TensorFolderSource.Sets(dir, sets, modelInputs, options);
        if (File.Exists(Path.Combine(dir, "input_0.pb"))) return TensorFolderSource.Sets(dir, [dir], modelInputs, options);
        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray();
        var pb = files.Where(f => f.EndsWith(".pb", StringComparison.OrdinalIgnoreCase)).ToArray();
        var images = files.Where(f => IsImage(Path.GetFileName(f))).ToArray();
        if (pb.Length > 0 && images.Length > 0)
            throw new InvalidInputException($"'{dir}' holds both images and .pb files: put one kind of sample in a folder");
        if (pb.Length > 0) return TensorFolderSource.Files(dir, pb, Single(modelInputs, dir), options);
        if (images.Length > 0) return new ImageFolderSource(dir, images, Single(modelInputs, dir), options);
        throw new InvalidInputException(
            $"'{dir}' holds no images ({string.Join(", ", ImageExtensions)}), .pb files or test_data_set_* folders");
    }

    private static bool IsImage(string name) =>
        ImageExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>The model's one input; data formats that carry one tensor per sample need exactly one.</summary>
    private static ValueInfo Single(IReadOnlyList<ValueInfo> modelInputs, string path) =>
        modelInputs.Count == 1 ? modelInputs[0]
        : throw new InvalidInputException(
            $"'{path}' gives one tensor per sample but the model has {modelInputs.Count} inputs ({string.Join(", ", modelInputs.Select(i => i.Name))}): "
            + "use test_data_set_*/input_N.pb folders or a .npz with an array per input");

    /// <summary>The first sample index and the count after <see cref="SampleOptions.Skip"/> and <see cref="SampleOptions.Limit"/>.</summary>
    internal static (int Start, int Count) Range(int total, SampleOptions options)
    {
        int start = Math.Min(options.Skip, total);
        int count = total - start;
        if (options.Limit is int limit) count = Math.Min(count, limit);
        return (start, count);
    }

    /// <summary>" (samples 101-250 of 250)" when skip or limit leave some out, else "".</summary>
    internal static string RangeText(int start, int count, int total) =>
        count == total ? "" : count == 0 ? $" (none of {total} after skipping {start})" : $" (samples {start + 1}-{start + count} of {total})";
}
