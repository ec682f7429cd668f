using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// A 16-float row load that may cross the row's ends (AVX-512): it loads 16 floats from inside the row and moves them
/// into place with a two-table permute that fills the lanes outside the row from a second vector (zeros for convolution
/// padding, -infinity for max pooling). Precomputed per column, since every row of a plane needs the same one.
/// Needs a row at least 16 wide.
/// </summary>
internal readonly unsafe struct EdgeLoad16
{
    public readonly int From;
    public readonly Vector512<int> Index;

    /// <summary>Lanes j read column start + j of a row of <paramref name="width"/> columns.</summary>
    public EdgeLoad16(int start, int width)
    {
        From = Math.Clamp(start, 0, width - 16);
        var column = Vector512<int>.Indices + Vector512.Create(start);
        var inside = Vector512.GreaterThanOrEqual(column, Vector512<int>.Zero) & Vector512.LessThan(column, Vector512.Create(width));
        // Lanes inside take the loaded element at column - From; the others index 16, the first lane of the fill table.
        Index = Vector512.ConditionalSelect(inside, column - Vector512.Create(From), Vector512.Create(16));
    }

    /// <summary>All bits set in lanes 0..count-1 (none for count &lt;= 0): the store mask of a partial last block.</summary>
    public static Vector512<float> FirstLanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Load(float* row, Vector512<float> fill) => Avx512F.PermuteVar16x32x2(Vector512.Load(row + From), Index, fill);
}
