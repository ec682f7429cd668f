namespace Pinhole.Tools.Devices;

/// <summary>
/// A roofline estimate per node: the larger of compute time (2 x MACs at the processor's peak, times the op kind's
/// efficiency) and memory time (bytes in and out at its bandwidth, times the kind's memory efficiency), plus a fixed
/// per-node overhead. CPU rates are the whole chip's: fewer threads get a proportional share.
/// </summary>
public sealed class LatencyEstimator(DeviceProfile device, RooflineEfficiency efficiency, int threads)
{
    public double NodeMs(OpKind kind, long macs, long bytes, bool quantized, ProcessorSpec processor)
    {
        double overhead = efficiency.NodeOverheadUs * efficiency.ReferenceClockMhz / device.Cpu.ClockMhz / 1000;
        if (kind == OpKind.Free) return overhead;
        double share = processor.Name == "cpu" ? CpuShare() : 1;
        double? rate = quantized ? processor.Int8Gops ?? processor.Fp32Gflops : processor.Fp32Gflops ?? processor.Int8Gops;
        double computeMs = macs > 0 && rate is > 0 ? 2.0 * macs / (rate.Value * 1e9 * share * efficiency.Compute[kind] * processor.Efficiency) * 1000 : 0;
        double memoryMs = bytes / (processor.MemoryBandwidthGbs * 1e9 * efficiency.Memory[kind]) * 1000;
        return Math.Max(computeMs, memoryMs) + overhead;
    }

    /// <summary>Time to move <paramref name="bytes"/> between two processors over the accelerator's link.</summary>
    public double TransferMs(string from, string to, long bytes)
    {
        var accelerator = device.Processors[from == "cpu" ? to : from];
        double bandwidth = accelerator.LinkBandwidthGbs ?? accelerator.MemoryBandwidthGbs;
        return (accelerator.TransferLatencyMs ?? 0) + (bytes / (bandwidth * 1e9) * 1000);
    }

    /// <summary>The share of the whole CPU's peak that <c>threads</c> threads reach.</summary>
    private double CpuShare()
    {
        int cores = Math.Max(1, device.Cpu.Cores);
        int t = Math.Clamp(threads, 1, cores);
        return (1 + ((t - 1) * efficiency.ParallelEfficiency)) / cores;
    }
}
