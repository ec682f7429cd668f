using System.Text.Json.Serialization;
using Pinhole.Tools.Devices;

namespace Pinhole.Cli;

/// <summary>Source-generated JSON (snake_case, as `pinhole bench --json`) for `pinhole check` and `pinhole devices`.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CheckReport))]
[JsonSerializable(typeof(List<DeviceSummary>))]
internal sealed partial class DeviceJsonContext : JsonSerializerContext;

/// <summary>One line of `pinhole devices`.</summary>
internal sealed record DeviceSummary(string Name, string Title, string Class, long RamBytes, long FlashBytes, string Cpu, int Cores,
    double CpuFp32Gflops, string? Accelerator, IReadOnlyList<string> Backends, string DefaultBackend);
