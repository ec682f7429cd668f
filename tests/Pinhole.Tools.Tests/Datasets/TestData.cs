using System.Buffers.Binary;
using System.IO.Compression;
using Pinhole.IR;
using SkiaSharp;

namespace Pinhole.Tools.Tests.Datasets;

/// <summary>A temporary folder for generated data files, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pinhole-data-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Folder(string name) => Directory.CreateDirectory(File(name)).FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Builders for model inputs and the files the sample readers take.</summary>
internal static class TestData
{
    public static ValueInfo Input(string name, params long[] dims) => Input(name, DataType.Float, dims);

    /// <summary>A model input; a dimension of -1 is a symbol.</summary>
    public static ValueInfo Input(string name, DataType type, params long[] dims) =>
        new(name, new TensorTypeInfo(type, dims.Select((d, i) => d < 0 ? Dim.Symbol($"d{i}") : Dim.Known(d)).ToArray()));

    /// <summary>Writes an RGB image whose pixel (x, y) is <paramref name="pixel"/>(x, y), as PNG (lossless).</summary>
    public static void WritePng(string path, int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(r, g, b));
            }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        System.IO.File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>IDX bytes of unsigned bytes with the given shape, optionally gzipped.</summary>
    public static void WriteIdx(string path, int[] shape, byte[] data, bool gzip = false)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        if (!gzip)
        {
            System.IO.File.WriteAllBytes(path, bytes);
            return;
        }
        using var file = System.IO.File.Create(path);
        using var stream = new GZipStream(file, CompressionLevel.Fastest);
        stream.Write(bytes);
    }

    /// <summary>A .npz (zip of .npy files) with one entry per named array.</summary>
    public static void WriteNpz(string path, params (string Name, Tensor Array)[] arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, array) in arrays)
        {
            using var stream = zip.CreateEntry(name + ".npy").Open();
            Npy.Write(stream, array);
        }
    }

    public static float[] Floats(Tensor t) => t.Span<float>().ToArray();

    public static float[] Range(int n, float start = 0) => Enumerable.Range(0, n).Select(i => start + i).ToArray();
}
