using System.Diagnostics;
using System.Globalization;

namespace Pinhole.Tools.Benchmarking;

/// <summary>The process's peak resident set size.</summary>
public static class PeakMemory
{
    /// <summary>VmHWM from /proc/self/status on Linux (bytes), else <see cref="Process.PeakWorkingSet64"/>.</summary>
    public static long PeakWorkingSetBytes()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/self/status"))
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
                            return kib * 1024;
                    }
        }
        catch (IOException)
        {
            // Fall back to the portable figure below.
        }
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.PeakWorkingSet64;
    }
}
