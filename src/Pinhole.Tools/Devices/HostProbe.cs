using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Tools.Devices;

/// <summary>
/// A profile of the machine this runs on (<c>--device host</c>): ISA, cores, memory, and a quick measured peak: an FMA
/// loop on every core (about 0.1 s) and a copy of a buffer larger than the caches.
/// </summary>
public static class HostProbe
{
    private static readonly Lazy<DeviceProfile> s_profile = new(Measure);

    /// <summary>The measured profile (measured once per process).</summary>
    public static DeviceProfile Profile() => s_profile.Value;

    private static DeviceProfile Measure()
    {
        int cores = Environment.ProcessorCount;
        double perCore = MeasureFmaGflops(TimeSpan.FromMilliseconds(40));
        // All cores at once (a shared clock budget can make this lower than cores x one core).
        double allCores = 0;
        var threads = Enumerable.Range(0, cores).Select(_ => new Thread(() =>
        {
            double g = MeasureFmaGflops(TimeSpan.FromMilliseconds(40));
            lock (s_lock) allCores += g;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        double bandwidth = MeasureCopyGbs();
        bool x86 = Avx2.IsSupported || Sse2.IsSupported;
        // int8: VPMADDUBSW + VPMADDWD (x64 without VNNI) or SDOT (Arm dot product) make about 2x / 4x the fp32 MAC rate.
        double int8Factor = AvxVnni.IsSupported || Avx10v1.IsSupported ? 4 : x86 ? 2 : Dp.IsSupported ? 4 : 2;
        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long storage = 0;
        try
        {
            storage = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(".")) ?? "/").AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            storage = 0;
        }
        string basis = string.Create(CultureInfo.InvariantCulture,
            $"measured now: FMA loop {perCore:F1} GFLOP/s on one core, {allCores:F1} on {cores} at once; copy of 64 MiB at {bandwidth:F1} GB/s (read + write); int8 = {int8Factor}x fp32 ({(x86 ? "VPMADDUBSW + VPMADDWD" : "dot product")})");
        return new DeviceProfile
        {
            Name = DeviceCatalog.HostName,
            Title = $"this machine ({CpuModel()}, {cores} logical processors)",
            Class = "desktop",
            RamBytes = memory,
            FlashBytes = storage,
            Cpu = new CpuSpec(CpuModel(), RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), IsaFeatures(), cores, ClockMhz()),
            Processors = new Dictionary<string, ProcessorSpec>
            {
                ["cpu"] = new("cpu", allCores, allCores * int8Factor, bandwidth, null, null, basis, Measured: true),
            },
            Backends = [new DeviceBackend("pinhole", "cpu", null), new DeviceBackend("onnxruntime", "cpu", null)],
            DefaultBackend = "pinhole",
            Sources = [new SourceRef("all figures", null, "measured on this machine by `pinhole check --device host`")],
            Origin = "measured",
        };
    }

    private static readonly Lock s_lock = new();

    /// <summary>fp32 GFLOP/s of one thread running independent FMA chains (enough of them to cover the FMA latency).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static double MeasureFmaGflops(TimeSpan duration)
    {
        long iterations = 0;
        var clock = Stopwatch.StartNew();
        float sink = 0;
        FmaLoop(1000, ref sink); // compiled and warm before timing
        clock.Restart();
        while (clock.Elapsed < duration)
        {
            FmaLoop(20000, ref sink);
            iterations += 20000;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sink);
        int lanes = Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;
        return iterations * 12.0 * lanes * 2 / seconds / 1e9;
    }

    // Twelve accumulators in registers (timing lives in the caller, so the JIT does not spill them).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FmaLoop(int n, ref float sink)
    {
        if (Vector512.IsHardwareAccelerated) Fma512(n, ref sink);
        else if (Vector256.IsHardwareAccelerated) Fma256(n, ref sink);
        else Fma128(n, ref sink);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Fma512(int n, ref float sink)
    {
        var m = Vector512.Create(0.999f);
        var c = Vector512.Create(0.001f);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        sink += Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Fma256(int n, ref float sink)
    {
        var m = Vector256.Create(0.999f);
        var c = Vector256.Create(0.001f);
        Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        sink += Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Fma128(int n, ref float sink)
    {
        var m = Vector128.Create(0.999f);
        var c = Vector128.Create(0.001f);
        Vector128<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, c); a1 = Vector128.FusedMultiplyAdd(a1, m, c);
            a2 = Vector128.FusedMultiplyAdd(a2, m, c); a3 = Vector128.FusedMultiplyAdd(a3, m, c);
            a4 = Vector128.FusedMultiplyAdd(a4, m, c); a5 = Vector128.FusedMultiplyAdd(a5, m, c);
            a6 = Vector128.FusedMultiplyAdd(a6, m, c); a7 = Vector128.FusedMultiplyAdd(a7, m, c);
            a8 = Vector128.FusedMultiplyAdd(a8, m, c); a9 = Vector128.FusedMultiplyAdd(a9, m, c);
            a10 = Vector128.FusedMultiplyAdd(a10, m, c); a11 = Vector128.FusedMultiplyAdd(a11, m, c);
        }
        sink += Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    /// <summary>GB/s moved (read + write) copying a 64 MiB buffer, best of a few copies.</summary>
    private static double MeasureCopyGbs()
    {
        var a = new byte[64 << 20];
        var b = new byte[64 << 20];
        a.AsSpan().Fill(1);
        b.AsSpan().Fill(2); // touch both, so page faults are not timed
        double best = double.MaxValue;
        for (int k = 0; k < 4; k++)
        {
            long start = Stopwatch.GetTimestamp();
            a.AsSpan().CopyTo(b);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return 2.0 * a.Length / best / 1e9;
    }

    private static List<string> IsaFeatures()
    {
        var isa = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported) isa.Add(name);
        }
        Add(Sse42.IsSupported, "sse4.2");
        Add(Avx2.IsSupported, "avx2");
        Add(Fma.IsSupported, "fma");
        Add(Avx512F.IsSupported, "avx512f");
        Add(Avx512BW.IsSupported, "avx512bw");
        Add(AvxVnni.IsSupported, "avx-vnni");
        Add(AdvSimd.IsSupported, "neon");
        Add(Dp.IsSupported, "dotprod");
        Add(Rdm.IsSupported, "rdm");
        return isa;
    }

    private static string CpuModel() => CpuInfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static double ClockMhz() =>
        double.TryParse(CpuInfo("cpu MHz"), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz) && mhz > 0 ? mhz : 1000;

    private static string? CpuInfo(string key)
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith(key, StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                    return line[(colon + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        return null;
    }
}
