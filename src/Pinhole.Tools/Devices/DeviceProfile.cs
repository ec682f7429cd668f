using System.Text.RegularExpressions;

namespace Pinhole.Tools.Devices;

/// <summary>Where a figure or an op table comes from.</summary>
public sealed record SourceRef(string About, string? Url, string? Note);

/// <summary>The device's main CPU.</summary>
public sealed record CpuSpec(string Model, string Arch, IReadOnlyList<string> Isa, int Cores, double ClockMhz);

/// <summary>Peak rates of one processor (the CPU or an accelerator); a null rate means the processor has no such path.</summary>
/// <param name="Efficiency">Scales the calibrated per-kind compute efficiencies on this processor (accelerators whose
/// published benchmarks show how much of their peak they reach); 1 for the CPU.</param>
public sealed record ProcessorSpec(
    string Name, double? Fp32Gflops, double? Int8Gops, double MemoryBandwidthGbs, double? LinkBandwidthGbs, double? TransferLatencyMs,
    string? Basis, bool Measured, double Efficiency = 1);

/// <summary>A backend as a device runs it: on which processor, and which backend takes what it cannot run.</summary>
public sealed record DeviceBackend(string Name, string Processor, string? Fallback);

/// <summary>A device: memory, CPU, processors with their peak rates, and the backends it runs (see devices/README.md).</summary>
public sealed partial record DeviceProfile
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    public required string Class { get; init; }
    public required long RamBytes { get; init; }

    /// <summary>The largest contiguous RAM region where RAM is split into regions (the activation arena must fit in one); null when RAM is one region.</summary>
    public long? LargestRamBlockBytes { get; init; }
    public required long FlashBytes { get; init; }
    public required CpuSpec Cpu { get; init; }
    public required IReadOnlyDictionary<string, ProcessorSpec> Processors { get; init; }
    public required IReadOnlyList<DeviceBackend> Backends { get; init; }
    public required string DefaultBackend { get; init; }
    public required IReadOnlyList<SourceRef> Sources { get; init; }

    /// <summary>The file the profile was read from, or <c>built-in</c> / <c>measured</c>.</summary>
    public required string Origin { get; init; }

    /// <summary>Reads a profile from JSON text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="DeviceProfileException">The text is not a valid profile; the message names the field.</exception>
    public static DeviceProfile Parse(string text, string file)
    {
        var (doc, root) = JsonField.Parse(text, file);
        using (doc)
        {
            // Fields are read in the order the README lists them, so the first problem reported is the first in the file.
            var name = root.Required("name");
            if (!IdPattern().IsMatch(name.String())) throw name.Error("must be lowercase letters, digits and '-'");
            string title = root.Required("title").String();
            string cls = root.Optional("class")?.String() ?? "";
            long ram = root.Required("ram_bytes").Integer(min: 1);
            long? largestBlock = root.Optional("largest_ram_block_bytes")?.Integer(min: 1);
            long flash = root.Required("flash_bytes").Integer(min: 0);
            var cpuField = root.Required("cpu");
            var cpuSpec = new CpuSpec(cpuField.Required("model").String(), cpuField.Required("arch").String(), cpuField.Optional("isa")?.Strings() ?? [],
                (int)cpuField.Required("cores").Integer(min: 1), cpuField.Required("clock_mhz").Number(min: 1));
            var processors = new Dictionary<string, ProcessorSpec>(StringComparer.Ordinal);
            foreach (var (key, p) in root.Required("processors").Properties())
                processors[key] = new ProcessorSpec(key,
                    p.Optional("fp32_gflops")?.Number(min: 0), p.Optional("int8_gops")?.Number(min: 0),
                    p.Required("memory_bandwidth_gbs").Number(min: 1e-6),
                    p.Optional("link_bandwidth_gbs")?.Number(min: 1e-6), p.Optional("transfer_latency_ms")?.Number(min: 0),
                    p.Optional("basis")?.String(), p.Optional("measured")?.Boolean() ?? false, p.Optional("efficiency")?.Number(min: 1e-3) ?? 1);
            if (!processors.ContainsKey("cpu")) throw root.Required("processors").Error("must have a 'cpu' entry");
            foreach (var (key, p) in root.Required("processors").Properties())
                if (processors[key] is { Fp32Gflops: null, Int8Gops: null })
                    throw p.Error("needs fp32_gflops or int8_gops");
            var backends = new List<DeviceBackend>();
            foreach (var b in root.Required("backends").Items())
            {
                var processor = b.Required("processor");
                if (!processors.ContainsKey(processor.String()))
                    throw processor.Error($"names processor '{processor.String()}', which 'processors' does not define");
                backends.Add(new DeviceBackend(b.Required("name").String(), processor.String(), b.Optional("fallback")?.String()));
            }
            if (backends.Count == 0) throw root.Required("backends").Error("must list at least one backend");
            foreach (var (b, i) in backends.Select((b, i) => (b, i)))
                if (b.Fallback is { } f && !backends.Any(x => x.Name == f))
                    throw root.Required("backends").Items().ElementAt(i).Required("fallback").Error($"names backend '{f}', which the device does not list");
            var defaultBackend = root.Required("default_backend");
            if (!backends.Any(b => b.Name == defaultBackend.String()))
                throw defaultBackend.Error($"names backend '{defaultBackend.String()}', which 'backends' does not list");
            return new DeviceProfile
            {
                Name = name.String(),
                Title = title,
                Class = cls,
                RamBytes = ram,
                LargestRamBlockBytes = largestBlock,
                FlashBytes = flash,
                Cpu = cpuSpec,
                Processors = processors,
                Backends = backends,
                DefaultBackend = defaultBackend.String(),
                Sources = ReadSources(root),
                Origin = file,
            };
        }
    }

    internal static IReadOnlyList<SourceRef> ReadSources(JsonField root)
    {
        var sources = new List<SourceRef>();
        if (root.Optional("sources") is { } list)
            foreach (var s in list.Items())
                sources.Add(new SourceRef(s.Optional("about")?.String() ?? "", s.Optional("url")?.String(), s.Optional("note")?.String()));
        return sources;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex IdPattern();
}
