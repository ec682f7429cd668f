using System.Diagnostics;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;

namespace Pinhole.Tools.Evaluation;

/// <summary>How <see cref="ClassificationEval"/> scores a classifier.</summary>
public sealed record ClassificationOptions
{
    /// <summary>
    /// Added to each label before it is compared with the model's class index: 1 for models whose 1001 outputs put a
    /// background class at 0 (TensorFlow's ImageNet models) when the labels count from the first real class.
    /// </summary>
    public int LabelOffset { get; init; }

    /// <summary>Called after each sample with (done, total), e.g. for a progress line.</summary>
    public Action<int, int>? Progress { get; init; }
}

/// <summary>Accuracy of a classifier over a set of samples.</summary>
/// <param name="Count">Samples evaluated.</param>
/// <param name="Top1">Samples whose highest-scoring class was the label.</param>
/// <param name="Top5">Samples whose label was among the five highest-scoring classes (all, when there are fewer).</param>
/// <param name="Top1Percent">Top-1 accuracy in percent.</param>
/// <param name="Top5Percent">Top-5 accuracy in percent.</param>
/// <param name="MeanLatencyMs">Mean time of one run of the model (data loading not counted).</param>
/// <param name="Classes">Scores per sample in the first output.</param>
/// <param name="Output">The output scored (the model's first).</param>
/// <param name="Notes">Things worth checking, such as labels outside the output's range.</param>
public sealed record ClassificationResult(int Count, int Top1, int Top5, double Top1Percent, double Top5Percent,
    double MeanLatencyMs, int Classes, string Output, IReadOnlyList<string> Notes);

/// <summary>
/// Top-1 and top-5 accuracy of a classifier: runs the session on each sample and ranks the classes of its first
/// output (logits or probabilities alike; all its values are the scores of one sample, so [1,1000] and [1,1000,1,1]
/// both give 1000 classes).
/// </summary>
public static class ClassificationEval
{
    public static ClassificationResult Run(InferenceSession session, ISampleSource samples, ILabelSource labels, ClassificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new ClassificationOptions();
        if (session.Outputs.Count == 0) throw new InvalidInputException("the model has no outputs to score");
        string output = session.Outputs[0].Name;
        int count = 0, top1 = 0, top5 = 0, classes = 0, outOfRange = 0;
        long ticks = 0;
        var clock = new Stopwatch();
        foreach (var sample in samples.Read())
        {
            int label = labels.ClassOf(sample) + options.LabelOffset;
            clock.Restart();
            var scores = session.Run(sample.Inputs)[output];
            ticks += clock.ElapsedTicks;
            if (classes == 0) classes = scores.Length;
            else if (scores.Length != classes)
                throw new InvalidInputException($"output '{output}' has {scores.Length} values for sample '{sample.Id}' but {classes} for the first: the output must hold one score per class");
            if (label < 0 || label >= classes) outOfRange++;
            else
            {
                int rank = RankOf(scores, label);
                if (rank == 0) top1++;
                if (rank < 5) top5++;
            }
            count++;
            options.Progress?.Invoke(count, samples.Count);
        }
        if (count == 0) throw new InvalidInputException($"no samples to evaluate: {samples.Description}");

        var notes = new List<string>();
        if (outOfRange > 0)
            notes.Add($"{outOfRange} label{(outOfRange == 1 ? "" : "s")} (after the offset {options.LabelOffset}) outside the output's {classes} classes, counted wrong");
        if (classes == 1001 && options.LabelOffset == 0)
            notes.Add("the output has 1001 classes: if class 0 is background (TensorFlow models), ImageNet labels 0-999 need a label offset of 1");
        double percent(int n) => 100.0 * n / count;
        return new ClassificationResult(count, top1, top5, percent(top1), percent(top5),
            ticks * 1000.0 / Stopwatch.Frequency / count, classes, output, notes);
    }

    /// <summary>
    /// How many classes rank before <paramref name="label"/>: those scoring higher, and those scoring the same with a
    /// lower index (argmax takes the first of equal scores).
    /// </summary>
    internal static int RankOf(Tensor scores, int label)
    {
        double target = scores.GetDouble(label);
        if (double.IsNaN(target)) return int.MaxValue;
        int higher = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double score = scores.GetDouble(i);
            if (score > target || (score == target && i < label)) higher++;
        }
        return higher;
    }
}
