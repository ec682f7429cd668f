namespace Pinhole.Tools.Devices;

/// <summary>The efficiency factors of the latency estimate (devices/efficiency.json).</summary>
public sealed record RooflineEfficiency
{
    /// <summary>Share of peak compute each op kind reaches.</summary>
    public required IReadOnlyDictionary<OpKind, double> Compute { get; init; }

    /// <summary>Share of peak memory bandwidth each op kind reaches.</summary>
    public required IReadOnlyDictionary<OpKind, double> Memory { get; init; }

    /// <summary>Fixed cost of running one node at <see cref="ReferenceClockMhz"/> (scaled by clock on other CPUs).</summary>
    public required double NodeOverheadUs { get; init; }
    public required double ReferenceClockMhz { get; init; }

    /// <summary>Speed-up per extra core, as a share of linear.</summary>
    public required double ParallelEfficiency { get; init; }
    public required string Calibration { get; init; }

    private static readonly Lazy<RooflineEfficiency> s_default = new(() =>
    {
        using var stream = typeof(RooflineEfficiency).Assembly.GetManifestResourceStream("devices/efficiency.json")
            ?? throw new InvalidOperationException("devices/efficiency.json is not embedded");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in devices/efficiency.json");
    });

    /// <summary>The calibrated factors that ship with Pinhole.</summary>
    public static RooflineEfficiency Default => s_default.Value;

    /// <summary>All factors 1 and no overhead: the bare roofline (for calibration).</summary>
    public static RooflineEfficiency Ideal { get; } = new()
    {
        Compute = Enum.GetValues<OpKind>().ToDictionary(k => k, _ => 1.0),
        Memory = Enum.GetValues<OpKind>().ToDictionary(k => k, _ => 1.0),
        NodeOverheadUs = 0,
        ReferenceClockMhz = 1000,
        ParallelEfficiency = 1,
        Calibration = "none (ideal roofline)",
    };

    /// <exception cref="DeviceProfileException">The text is not a valid efficiency table; the message names the field.</exception>
    public static RooflineEfficiency Parse(string text, string file)
    {
        var (doc, root) = JsonField.Parse(text, file);
        using (doc)
        {
            var compute = new Dictionary<OpKind, double> { [OpKind.Free] = 1 };
            var memory = new Dictionary<OpKind, double> { [OpKind.Free] = 1 };
            var kinds = root.Required("kinds");
            foreach (var kind in Enum.GetValues<OpKind>())
            {
                if (kind == OpKind.Free) continue;
                var k = kinds.Required(kind.ToString().ToLowerInvariant());
                compute[kind] = k.Required("compute").Number(min: 1e-6);
                memory[kind] = k.Required("memory").Number(min: 1e-6);
            }
            return new RooflineEfficiency
            {
                Compute = compute,
                Memory = memory,
                NodeOverheadUs = root.Required("node_overhead_us").Number(min: 0),
                ReferenceClockMhz = root.Required("reference_clock_mhz").Number(min: 1),
                ParallelEfficiency = root.Required("parallel_efficiency").Number(min: 0.01),
                Calibration = root.Optional("calibration")?.String() ?? "",
            };
        }
    }
}
