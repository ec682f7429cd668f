using System.Globalization;

namespace Pinhole.Tools.Devices;

/// <summary>Concrete next steps for a checked model, each with its predicted effect on size, memory and latency.</summary>
internal static class CheckAdvisor
{
    public static IReadOnlyList<Advice> Advise(CheckReport r, DeviceProfile device, BackendOpSet backend, IReadOnlyList<NodeFacts> facts,
        LatencyEstimator latency)
    {
        var advice = new List<Advice>();
        var ci = CultureInfo.InvariantCulture;
        bool Fits(long weights, long activations)
        {
            long ram = activations + r.RuntimeRamBytes + (r.WeightsInFlash ? 0 : weights);
            return ram <= r.RamBytes && weights + r.RuntimeFlashBytes <= r.FlashBytes;
        }

        // Unsupported ops with a known supported equivalent.
        foreach (var group in r.Nodes.Where(n => !n.Supported).GroupBy(n => n.Op))
        {
            if (backend.Replacements.FirstOrDefault(x => x.Op == group.Key) is not { } rep) continue;
            advice.Add(new Advice($"replace {group.Key} ({group.Count()} node{(group.Count() == 1 ? "" : "s")}) with {string.Join(" + ", rep.Use)}",
                $"{backend.Name} runs {string.Join(" and ", rep.Use)}" + (rep.Note is null ? "" : $" ({rep.Note})") + "; fewer nodes fall back", null, null, null, null));
        }

        // int8 quantization: float weights shrink 4x; compute-bound nodes run at the int8 rate.
        long floatWeights = r.WeightsBytesByType.GetValueOrDefault("float") + r.WeightsBytesByType.GetValueOrDefault("double");
        if (floatWeights > 0 && (backend.RunsQuantized || backend.FromPinholeRegistry))
        {
            long weights = r.WeightsBytes - floatWeights + (floatWeights / 4);
            long activations = r.PeakActivationBytes / 4;
            double ms = 0;
            for (int i = 0; i < r.Nodes.Count; i++)
            {
                var n = r.Nodes[i];
                if (n.Segment < 0 || n.EstimatedMs == 0) continue;
                var processor = device.Processors[r.Segments[n.Segment].Processor];
                ms += latency.NodeMs(OpKinds.Of(facts[i].Node, facts[i].InputChannels), n.Macs, n.BytesMoved / 4, quantized: true, processor);
            }
            advice.Add(new Advice("quantize to int8 (post-training, with calibration data)",
                string.Create(ci, $"weights {Mib(r.WeightsBytes)} -> {Mib(weights)}, activations about {Mib(r.PeakActivationBytes)} -> {Mib(activations)}, latency {r.EstimatedLatencyMs:F2} -> {ms:F2} ms")
                    + (backend.RequiresQuantized ? $"; {backend.Name} runs only quantized ops" : ""),
                weights, activations, ms, Fits(weights, activations)));
        }

        // Structured pruning: half the channels of the inner layers roughly halves weights and MACs.
        long prunedWeights = r.WeightsBytes / 2, prunedActivations = r.PeakActivationBytes * 3 / 4;
        double prunedMs = r.EstimatedLatencyMs / 2;
        advice.Add(new Advice("prune 50% of the channels (structured pruning, then fine-tune)",
            string.Create(ci, $"weights about {Mib(prunedWeights)}, MACs about half, latency about {prunedMs:F2} ms; accuracy must be measured"),
            prunedWeights, prunedActivations, prunedMs, Fits(prunedWeights, prunedActivations)));

        // A smaller input: activations and MACs of convolutional layers scale with the number of pixels.
        if (facts.Count > 0 && r.PeakActivationBytes > 0 && facts.Any(f => OpKinds.Of(f.Node, f.InputChannels) is OpKind.Conv or OpKind.Depthwise))
        {
            long activations = r.PeakActivationBytes / 4;
            double ms = r.EstimatedLatencyMs / 4;
            advice.Add(new Advice("halve the input resolution (if the task allows)",
                string.Create(ci, $"activations {Mib(r.PeakActivationBytes)} -> about {Mib(activations)}, latency about {ms:F2} ms; weights unchanged"),
                r.WeightsBytes, activations, ms, Fits(r.WeightsBytes, activations)));
        }
        return advice;
    }

    private static string Mib(long bytes) => bytes >= 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F2} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB");
}
