using Pinhole.IR;

namespace Pinhole.Tools.Devices;

/// <summary>What <see cref="ModelChecker.Analyze"/> learns of a model, whatever the device: shapes, node facts, weights, arena.</summary>
public sealed class ModelAnalysis
{
    internal ModelAnalysis(Model model, IReadOnlyList<NodeFacts> facts, long peakActivationBytes, IReadOnlyList<WeightBytes> weights, IReadOnlyList<string> notes)
    {
        Model = model;
        Facts = facts;
        PeakActivationBytes = peakActivationBytes;
        Weights = weights;
        Notes = notes;
    }

    /// <summary>A copy of the model with every value's inferred type declared.</summary>
    public Model Model { get; }

    internal IReadOnlyList<NodeFacts> Facts { get; }

    /// <summary>The Pinhole runtime's activation arena (its static memory plan), as `pinhole bench` reports it.</summary>
    public long PeakActivationBytes { get; }
    public IReadOnlyList<WeightBytes> Weights { get; }
    public IReadOnlyList<string> Notes { get; }
}
