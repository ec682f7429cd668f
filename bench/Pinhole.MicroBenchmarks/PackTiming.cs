using System.Diagnostics;
using Pinhole.Runtime.Kernels;

namespace Pinhole.MicroBenchmarks;

/// <summary>pack SHAPE...: the implicit GEMM's panel packing alone (Vector512 panels) over a whole image, per packed row.</summary>
internal static unsafe class PackTiming
{
    public static void Run(string shape)
    {
        var (cin, _, k, s, _, h) = ConvBenchmarks.Parse(shape);
        int pad = k / 2, oh = ((h + (2 * pad) - k) / s) + 1;
        var x = new float[cin * h * h];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7;
        int n = oh * oh, kk = cin * k * k, panels = (n + 31) / 32;
        var buf = new float[(kk * 32 * panels) + 16];
        fixed (float* px = x)
        fixed (float* pb0 = buf)
        {
            float* pb = (float*)(((nint)pb0 + 63) & ~(nint)63);
            var im = new ConvImage { X = px, C = cin, Ih = h, Iw = h, Kh = k, Kw = k, Oh = oh, Ow = oh, Sh = s, Sw = s, Dh = 1, Dw = 1, Pt = pad, Pl = pad };
            for (int w = 0; w < 50; w++) im.PackPanels(0, kk, 0, n, 32, 0, panels, pb);
            var sw = Stopwatch.StartNew();
            const int Reps = 200;
            for (int r = 0; r < Reps; r++) im.PackPanels(0, kk, 0, n, 32, 0, panels, pb);
            double ms = sw.Elapsed.TotalMilliseconds / Reps;
            Console.WriteLine($"pack {shape}: {ms:F4} ms for {panels} panels of {kk} rows = {ms * 1e6 / panels / kk:F1} ns per row");
        }
    }
}
