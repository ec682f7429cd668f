namespace Pinhole.Tools.Devices;

/// <summary>Options of <see cref="ModelChecker.Check"/>.</summary>
public sealed class CheckOptions
{
    /// <summary>The backend to check against; null for the device's default.</summary>
    public string? Backend { get; set; }

    /// <summary>CPU threads the estimate assumes; null for all of the device's cores.</summary>
    public int? Threads { get; set; }

    /// <summary>Values of symbolic input dimensions (others are 1), as for `pinhole bench`.</summary>
    public Dictionary<string, int> Dims { get; } = new(StringComparer.Ordinal);

    /// <summary>Roofline factors; null for the calibrated ones that ship with Pinhole.</summary>
    public RooflineEfficiency? Efficiency { get; set; }

    /// <summary>How the report names the model.</summary>
    public string ModelName { get; set; } = "model";
}
