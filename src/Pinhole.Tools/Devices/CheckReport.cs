namespace Pinhole.Tools.Devices;

/// <summary>One node of the checked model: where it runs, why, and its estimated time.</summary>
public sealed record NodeCheck
{
    public required string Name { get; init; }
    public required string Op { get; init; }

    /// <summary>The op kind whose roofline efficiency the estimate used (conv, depthwise, gemm, pool, ...).</summary>
    public required string Kind { get; init; }
    public required bool Supported { get; init; }

    /// <summary>Why the node is unsupported, runs elsewhere, or costs nothing; empty for a plain supported node.</summary>
    public required string Reason { get; init; }

    /// <summary>Index into <see cref="CheckReport.Segments"/>; -1 when the node cannot run at all.</summary>
    public required int Segment { get; init; }
    public required double EstimatedMs { get; init; }

    /// <summary>The element type it computes in (int8 for a node between DequantizeLinear and QuantizeLinear).</summary>
    public required string Dtype { get; init; }
    public required long Macs { get; init; }
    public required long BytesMoved { get; init; }
}

/// <summary>A run of consecutive nodes on one backend and processor.</summary>
public sealed record SegmentCheck(int Index, string Backend, string Processor, int Nodes, double EstimatedMs);

/// <summary>A suggested next step and what it is predicted to change.</summary>
public sealed record Advice(string Action, string Effect, long? WeightsBytes, long? PeakActivationBytes, double? EstimatedLatencyMs, bool? Fits);

/// <summary>The answer of <see cref="ModelChecker.Check"/>: does the model fit the device, where do its ops run, how fast.</summary>
public sealed record CheckReport
{
    public required string Model { get; init; }
    public required string Device { get; init; }
    public required string DeviceTitle { get; init; }
    public required string Backend { get; init; }
    public required string? FallbackBackend { get; init; }
    public required int Threads { get; init; }

    /// <summary>The device's processors with the peak rates the estimate used (measured ones for <c>--device host</c>).</summary>
    public required IReadOnlyList<ProcessorSpec> Processors { get; init; }

    /// <summary>RAM and flash both hold what the model needs.</summary>
    public required bool Fits { get; init; }

    /// <summary>Every node runs somewhere (on the backend, or on its fallback).</summary>
    public required bool Runnable { get; init; }
    public required long WeightsBytes { get; init; }
    public required IReadOnlyDictionary<string, long> WeightsBytesByType { get; init; }

    /// <summary>The Pinhole runtime's arena for the model's activations (its static memory plan, as `pinhole bench` reports).</summary>
    public required long PeakActivationBytes { get; init; }
    public required long RuntimeRamBytes { get; init; }
    public required long RuntimeFlashBytes { get; init; }
    public required bool WeightsInFlash { get; init; }
    public required long RamRequiredBytes { get; init; }
    public required long FlashRequiredBytes { get; init; }
    public required long RamBytes { get; init; }
    public required long FlashBytes { get; init; }

    /// <summary>RAM left over (negative: missing).</summary>
    public required long RamMarginBytes { get; init; }
    public required long FlashMarginBytes { get; init; }
    public required long TotalMacs { get; init; }
    public required double EstimatedLatencyMs { get; init; }
    public required int SupportedNodes { get; init; }
    public required int FallbackNodes { get; init; }
    public required int UnsupportedNodes { get; init; }
    public required int Transfers { get; init; }
    public required IReadOnlyList<SegmentCheck> Segments { get; init; }
    public required IReadOnlyList<NodeCheck> Nodes { get; init; }
    public required IReadOnlyList<Advice> Advice { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
}
