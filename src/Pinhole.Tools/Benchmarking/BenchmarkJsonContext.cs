using System.Text.Json.Serialization;

namespace Pinhole.Tools.Benchmarking;

/// <summary>Source-generated JSON (snake_case) for benchmark results: trimming- and NativeAOT-safe.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BenchmarkResult))]
[JsonSerializable(typeof(List<BenchmarkResult>))]
public sealed partial class BenchmarkJsonContext : JsonSerializerContext;
