using System.Diagnostics;
using System.Globalization;
using Pinhole.Tools.Quantization;

namespace Pinhole.Cli;

/// <summary>"calibrating [#######.............] 37/100" on one line of stderr, redrawn at most ten times a second, ended by a newline.</summary>
internal sealed class ProgressBar(TextWriter stderr)
{
    private const int Width = 24;
    private readonly Stopwatch _since = Stopwatch.StartNew();

    public void Report(string stage, int done, int total)
    {
        if (done < total && done > 0 && _since.ElapsedMilliseconds < 100) return;
        _since.Restart();
        int filled = total > 0 ? (int)((long)done * Width / total) : Width;
        stderr.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{stage} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total}"));
        if (done == total) stderr.WriteLine();
    }

    /// <summary>The bar as the quantization tools' progress sink, drawn on the reporting thread (Progress&lt;T&gt; would post to the pool and draw out of order).</summary>
    public IProgress<QuantizationProgress> ForQuantization() => new Sink(this);

    private sealed class Sink(ProgressBar bar) : IProgress<QuantizationProgress>
    {
        public void Report(QuantizationProgress value) => bar.Report(value.Stage, value.Done, value.Total);
    }
}
