using System.Text.Json.Serialization;
using Pinhole.Tools;

namespace Pinhole.Cli;

/// <summary>Source-generated JSON for the CLI's reports, so `pinhole` stays trimming- and NativeAOT-safe.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ModelReport))]
[JsonSerializable(typeof(EvalReport))]
[JsonSerializable(typeof(QuantizeResult))]
[JsonSerializable(typeof(DynamicQuantizeResult))]
[JsonSerializable(typeof(CompareResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
