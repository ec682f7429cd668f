using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>
/// Reads tensor bytes stored outside the model (TensorProto.external_data), after checking the location is safe
/// and the requested range lies inside the file. Files stay open for the duration of one load.
/// </summary>
internal sealed class ExternalDataReader(string? baseDirectory) : IDisposable
{
    private readonly Dictionary<string, SafeFileHandle> _open = new(StringComparer.Ordinal);

    /// <summary>The bytes of <paramref name="tensor"/>, which must be exactly <paramref name="expectedBytes"/> long.</summary>
    /// <exception cref="ExternalDataSecurityException">The location leaves the model's folder.</exception>
    /// <exception cref="InvalidModelException">Missing location or file, bad offset/length, wrong size.</exception>
    public byte[] Read(TensorProto tensor, string what, long expectedBytes)
    {
        string? location = null;
        string? offsetText = null, lengthText = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offsetText = entry.Value; break;
                case "length": lengthText = entry.Value; break;
                default: break; // checksum, basepath and unknown keys carry nothing we need.
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new InvalidModelException($"{what} stores its data externally but external_data has no 'location'");
        if (baseDirectory is null)
            throw new InvalidModelException(
                $"{what} stores its data in external file '{location}', but the model was loaded from bytes without a base directory");

        long offset = ParseNonNegative(offsetText, "offset", what, location) ?? 0;
        long? length = ParseNonNegative(lengthText, "length", what, location);
        string path = SafePath.Resolve(baseDirectory, location, what);
        SafeFileHandle handle = Open(path, what, location);
        long fileSize = RandomAccess.GetLength(handle);

        if (offset > fileSize)
            throw new InvalidModelException($"{what}: external data offset {offset} is beyond the end of '{location}' ({fileSize} bytes)");
        long available = fileSize - offset;
        long count = length ?? available;
        if (count > available)
            throw new InvalidModelException(
                $"{what}: external data offset {offset} + length {count} exceeds the size of '{location}' ({fileSize} bytes)");
        if (count != expectedBytes)
            throw new InvalidModelException(
                $"{what} needs {expectedBytes} bytes but external data in '{location}' gives {count} (offset {offset})");
        if (count > Array.MaxLength)
            throw new UnsupportedModelException($"{what}: {count} bytes of external data do not fit in one .NET array");

        var bytes = new byte[count];
        try
        {
            int done = 0;
            while (done < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(done), offset + done);
                if (n == 0)
                    throw new InvalidModelException($"{what}: external data file '{location}' ended early (it shrank while loading?)");
                done += n;
            }
        }
        catch (IOException e)
        {
            throw new InvalidModelException($"{what}: cannot read external data file '{location}': {e.Message}", e);
        }
        return bytes;
    }

    private SafeFileHandle Open(string path, string what, string location)
    {
        if (_open.TryGetValue(path, out var handle)) return handle;
        if (!File.Exists(path))
            throw new InvalidModelException($"{what}: external data file '{location}' does not exist next to the model");
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidModelException($"{what}: cannot open external data file '{location}': {e.Message}", e);
        }
        _open[path] = handle;
        return handle;
    }

    private static long? ParseNonNegative(string? text, string key, string what, string location)
    {
        if (text is null) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new InvalidModelException($"{what}: external data '{key}' for '{location}' is '{text}', not a non-negative integer");
        return value;
    }

    public void Dispose()
    {
        foreach (var handle in _open.Values) handle.Dispose();
        _open.Clear();
    }
}
