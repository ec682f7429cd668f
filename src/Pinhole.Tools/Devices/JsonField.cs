using System.Globalization;
using System.Text.Json;

namespace Pinhole.Tools.Devices;

/// <summary>
/// A JSON value read from a profile file, with its path (<c>processors.cpu.fp32_gflops</c>), so that every error names the
/// file and the field at fault.
/// </summary>
internal readonly struct JsonField(JsonElement element, string path, string file)
{
    public JsonElement Element => element;
    public string Path => path;

    public bool IsNull => element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public DeviceProfileException Error(string problem) =>
        new($"{file}: field '{(path.Length == 0 ? "(root)" : path)}' {problem}");

    public JsonField Required(string name)
    {
        RequireObject();
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new DeviceProfileException($"{file}: field '{Join(name)}' is missing");
        return new JsonField(value, Join(name), file);
    }

    public JsonField? Optional(string name)
    {
        RequireObject();
        return element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? new JsonField(value, Join(name), file)
            : null;
    }

    public string String()
    {
        if (element.ValueKind != JsonValueKind.String) throw Error($"must be a string, not {Describe()}");
        return element.GetString()!;
    }

    public double Number(double min = double.NegativeInfinity)
    {
        if (element.ValueKind != JsonValueKind.Number) throw Error($"must be a number, not {Describe()}");
        double v = element.GetDouble();
        if (!double.IsFinite(v) || v < min) throw Error($"must be a number of at least {min.ToString(CultureInfo.InvariantCulture)}, not {element.GetRawText()}");
        return v;
    }

    public long Integer(long min = long.MinValue)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long v)) throw Error($"must be an integer, not {Describe()}");
        if (v < min) throw Error($"must be at least {min.ToString(CultureInfo.InvariantCulture)}, not {v.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }

    public bool Boolean()
    {
        if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) throw Error($"must be true or false, not {Describe()}");
        return element.GetBoolean();
    }

    public IEnumerable<JsonField> Items()
    {
        if (element.ValueKind != JsonValueKind.Array) throw Error($"must be an array, not {Describe()}");
        int i = 0;
        foreach (var item in element.EnumerateArray()) yield return new JsonField(item, $"{path}[{i++}]", file);
    }

    public IEnumerable<(string Name, JsonField Value)> Properties()
    {
        RequireObject();
        foreach (var p in element.EnumerateObject()) yield return (p.Name, new JsonField(p.Value, Join(p.Name), file));
    }

    public List<string> Strings() => Items().Select(i => i.String()).ToList();

    private void RequireObject()
    {
        if (element.ValueKind != JsonValueKind.Object) throw Error($"must be an object, not {Describe()}");
    }

    private string Join(string name) => path.Length == 0 ? name : $"{path}.{name}";

    private string Describe() => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => "null",
    };

    /// <summary>Parses <paramref name="text"/>; a syntax error becomes a <see cref="DeviceProfileException"/> with the line.</summary>
    public static (JsonDocument Document, JsonField Root) Parse(string text, string file)
    {
        try
        {
            var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return (doc, new JsonField(doc.RootElement, "", file));
        }
        catch (JsonException e)
        {
            throw new DeviceProfileException($"{file}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}): {e.Message.Split('.')[0]}");
        }
    }
}
