using System.Diagnostics;
using System.Globalization;

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
}
