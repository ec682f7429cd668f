using Pinhole.IR;

namespace Pinhole.Tools.Devices;

/// <summary>What a backend does with a model that holds ops it cannot run (devices/README.md, <c>partitioning</c>).</summary>
public enum Partitioning
{
    /// <summary>No fallback: one unsupported node and the model does not run on this backend.</summary>
    None,

    /// <summary>Each unsupported node runs on the fallback backend; execution moves back and forth.</summary>
    PerNode,

    /// <summary>Everything from the first unsupported node on runs on the fallback (the Edge TPU compiler).</summary>
    Prefix,
}

/// <summary>A constraint on one attribute: allowed values, or bounds for each element of an int / int-list attribute.</summary>
public sealed record AttributeRule(IReadOnlyList<object>? Allowed, long? Max, long? Min);

/// <summary>One supported op with its constraints.</summary>
public sealed record OpRule(
    string Op, string Domain, IReadOnlyList<DataType>? Dtypes, int? MaxRank, IReadOnlyDictionary<string, AttributeRule> Attributes,
    IReadOnlyList<int> ConstantInputs, string? Note);

/// <summary>A supported equivalent of an op the backend lacks.</summary>
public sealed record OpReplacement(string Op, IReadOnlyList<string> Use, string? Note);

/// <summary>A software backend's supported ops and constraints (devices/README.md, "Backend op set").</summary>
public sealed record BackendOpSet
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    public required Partitioning Partitioning { get; init; }
    public required bool RequiresQuantized { get; init; }
    public required IReadOnlyList<DataType> Dtypes { get; init; }
    public required int? MaxRank { get; init; }
    public required long RuntimeRamBytes { get; init; }
    public required long RuntimeFlashBytes { get; init; }

    /// <summary>Every op of the default domain is supported (except <see cref="Except"/>).</summary>
    public required bool AllOps { get; init; }
    public required IReadOnlySet<string> Except { get; init; }
    public required IReadOnlyDictionary<(string Domain, string Op), OpRule> Ops { get; init; }
    public required IReadOnlyList<OpReplacement> Replacements { get; init; }
    public required IReadOnlyList<SourceRef> Sources { get; init; }

    /// <summary>Ops are those this build of the Pinhole runtime has kernels for (<c>"registry": "pinhole"</c>).</summary>
    public required bool FromPinholeRegistry { get; init; }

    /// <summary>Whether the backend computes int8 or uint8 at all.</summary>
    public bool RunsQuantized => Dtypes.Contains(DataType.Int8) || Dtypes.Contains(DataType.UInt8);

    /// <summary>Reads an op set from JSON text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="DeviceProfileException">The text is not a valid op set; the message names the field.</exception>
    public static BackendOpSet Parse(string text, string file)
    {
        var (doc, root) = JsonField.Parse(text, file);
        using (doc)
        {
            var partitioning = root.Required("partitioning");
            var dtypes = root.Optional("dtypes") is { } d ? Types(d) : [DataType.Float];
            var ops = new Dictionary<(string, string), OpRule>();
            if (root.Optional("ops") is { } list)
            {
                foreach (var o in list.Items())
                {
                    var rule = ParseOp(o);
                    ops[(rule.Domain, rule.Op)] = rule; // a later entry for the same op wins
                }
            }
            bool allOps = root.Optional("all_ops")?.Boolean() ?? false;
            bool registry = root.Optional("registry") is { } r && (r.String() == "pinhole" ? true : throw r.Error("must be \"pinhole\""));
            var replacements = new List<OpReplacement>();
            if (root.Optional("replacements") is { } reps)
                foreach (var rep in reps.Items())
                    replacements.Add(new OpReplacement(rep.Required("op").String(), rep.Required("use").Strings(), rep.Optional("note")?.String()));
            var runtime = root.Optional("runtime");
            return new BackendOpSet
            {
                Name = root.Required("name").String(),
                Title = root.Required("title").String(),
                Partitioning = partitioning.String() switch
                {
                    "none" => Partitioning.None,
                    "per-node" => Partitioning.PerNode,
                    "prefix" => Partitioning.Prefix,
                    var other => throw partitioning.Error($"must be \"none\", \"per-node\" or \"prefix\", not \"{other}\""),
                },
                RequiresQuantized = root.Optional("requires_quantized")?.Boolean() ?? false,
                Dtypes = dtypes,
                MaxRank = root.Optional("max_rank") is { } mr ? (int)mr.Integer(min: 0) : null,
                RuntimeRamBytes = runtime?.Optional("ram_bytes")?.Integer(min: 0) ?? 0,
                RuntimeFlashBytes = runtime?.Optional("flash_bytes")?.Integer(min: 0) ?? 0,
                AllOps = allOps,
                Except = new HashSet<string>(root.Optional("except")?.Strings() ?? [], StringComparer.Ordinal),
                Ops = ops,
                Replacements = replacements,
                Sources = DeviceProfile.ReadSources(root),
                FromPinholeRegistry = registry,
            };
        }
    }

    private static OpRule ParseOp(JsonField o)
    {
        var attributes = new Dictionary<string, AttributeRule>(StringComparer.Ordinal);
        if (o.Optional("attributes") is { } attrs)
        {
            foreach (var (name, a) in attrs.Properties())
            {
                IReadOnlyList<object>? allowed = a.Optional("in") is { } values ? values.Items().Select(AttributeValue).ToList() : null;
                var rule = new AttributeRule(allowed, a.Optional("max")?.Integer(), a.Optional("min")?.Integer());
                if (rule is { Allowed: null, Max: null, Min: null }) throw a.Error("needs 'in', 'max' or 'min'");
                attributes[name] = rule;
            }
        }
        return new OpRule(
            o.Required("op").String(), Node.NormalizeDomain(o.Optional("domain")?.String() ?? ""),
            o.Optional("dtypes") is { } d ? Types(d) : null,
            o.Optional("max_rank") is { } mr ? (int)mr.Integer(min: 0) : null,
            attributes,
            o.Optional("constant_inputs")?.Items().Select(i => (int)i.Integer(min: 0)).ToList() ?? [],
            o.Optional("note")?.String());
    }

    private static object AttributeValue(JsonField v) => v.Element.ValueKind switch
    {
        System.Text.Json.JsonValueKind.String => v.String(),
        System.Text.Json.JsonValueKind.Number => v.Element.TryGetInt64(out long i) ? (object)i : v.Number(),
        System.Text.Json.JsonValueKind.Array => v.Items().Select(x => x.Integer()).ToArray(),
        _ => throw v.Error("must be a number, a string or a list of integers"),
    };

    private static List<DataType> Types(JsonField list) =>
        list.Items().Select(t => FromOnnxName(t.String()) is { } type ? type : throw t.Error($"is not an ONNX element type name (float, float16, int8, uint8, int32, int64, bool, ...)")).ToList();

    private static DataType? FromOnnxName(string name)
    {
        foreach (var t in Enum.GetValues<DataType>())
            if (t != DataType.Undefined && DataTypes.OnnxName(t) == name) return t;
        return null;
    }
}
