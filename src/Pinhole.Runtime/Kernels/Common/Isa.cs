using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>Which vector width a kernel uses.</summary>
public enum GemmIsa
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

/// <summary>
/// The instruction-set path chosen once per process: the fastest supported width (by benchmark: Vector512 on Zen 4, where it beat
/// Vector256 in every GEMM measurement), unless PINHOLE_ISA=scalar|128|256|512 forces another (clamped to
/// what the hardware supports). Kernels read <see cref="Default"/>; tests pass a width explicitly.
/// </summary>
public static class Isa
{
    /// <summary>The widest path this machine runs with hardware FMA-class acceleration.</summary>
    public static GemmIsa Widest { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated ? GemmIsa.Vector256
        : Vector128.IsHardwareAccelerated ? GemmIsa.Vector128 : GemmIsa.Scalar;

    /// <summary>
    /// Avx512F.IsSupported, read once. Predicates that choose a kernel at prepare read this instead: a method that
    /// queries an instruction set itself has its ReadyToRun code rejected on this CPU, so it and every callee it would
    /// have inlined run JIT-compiled at tier 0 during model loading. (Kernels keep querying directly: there the JIT folds it.)
    /// </summary>
    public static bool HasAvx512F { get; } = Avx512F.IsSupported;

    /// <summary>Vector128.IsHardwareAccelerated, read without making the caller query the ISA (see <see cref="HasAvx512F"/>).</summary>
    public static bool HasVector128 { get; } = System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;

    /// <summary>The path kernels use by default (declared after <see cref="Widest"/>: static initializers run in text order).</summary>
    public static GemmIsa Default { get; } = Choose(Environment.GetEnvironmentVariable("PINHOLE_ISA"));

    /// <summary>Tests only: the path kernels prepared on this thread use instead of <see cref="Default"/>.</summary>
    [ThreadStatic] internal static GemmIsa? Override;

    /// <summary>The path a kernel being prepared on this thread should use.</summary>
    public static GemmIsa ForKernel => Override ?? Default;

    /// <summary>
    /// Whether the path was chosen by hand (PINHOLE_ISA or a test override): kernels then use exactly <see cref="ForKernel"/>
    /// instead of picking a narrower tile shape that fits their problem better.
    /// </summary>
    public static bool IsForced => Override != null || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PINHOLE_ISA"));

    /// <summary>
    /// The GEMM path for a left operand of <paramref name="rows"/> rows: <see cref="ForKernel"/>, except that the 6-row
    /// Vector256 tile replaces the 8-row Vector512 tile where it wastes clearly fewer padded rows (such as 9 or 12 rows);
    /// both run at the same FMA rate on cores that split 512-bit operations in two.
    /// </summary>
    public static GemmIsa ForRows(int rows)
    {
        var isa = ForKernel;
        if (isa != GemmIsa.Vector512 || IsForced || rows <= 0) return isa;
        double wide = rows / (double)(((rows + 7) / 8) * 8), narrow = rows / (double)(((rows + 5) / 6) * 6);
        return narrow > wide * 1.1 ? GemmIsa.Vector256 : isa;
    }

    /// <summary>Whether <paramref name="isa"/> can run on this machine.</summary>
    public static bool IsSupported(GemmIsa isa) => isa <= Widest;

    /// <summary>The supported paths, narrowest first (for tests and benchmarks).</summary>
    public static GemmIsa[] Supported()
    {
        var r = new GemmIsa[(int)Widest + 1];
        for (int i = 0; i < r.Length; i++) r[i] = (GemmIsa)i;
        return r;
    }

    /// <summary>Short name for profiles: scalar, sse/neon (128), avx2 (256), avx512.</summary>
    public static string Name(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => "avx512",
        GemmIsa.Vector256 => "avx2",
        GemmIsa.Vector128 => "v128",
        _ => "scalar",
    };

    internal static GemmIsa Choose(string? setting)
    {
        var best = Widest;
        var wanted = setting?.Trim().ToLowerInvariant() switch
        {
            "scalar" => GemmIsa.Scalar,
            "128" => GemmIsa.Vector128,
            "256" => GemmIsa.Vector256,
            "512" => GemmIsa.Vector512,
            _ => best,
        };
        return wanted <= Widest ? wanted : Widest;
    }
}
