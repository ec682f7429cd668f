using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The multiply-add step of the int8 GEMM: each 32-bit lane of <c>b</c> and <c>a</c> holds one group (4 bytes: four
/// u8 activations and four s8 weights, or two int16 of each), and the result lane is the exact sum of the group's
/// products. The micro-kernels are generic over these structs, so each variant compiles to its own straight-line loop.
/// </summary>
internal interface IInt8Madd
{
    /// <summary>Elements per 4-byte group: 4 (u8 x s8) or 2 (int16 x int16).</summary>
    static abstract int Group { get; }

    static abstract Vector512<int> Madd(Vector512<byte> b, Vector512<byte> a);

    static abstract Vector256<int> Madd(Vector256<byte> b, Vector256<byte> a);

    static abstract Vector128<int> Madd(Vector128<byte> b, Vector128<byte> a);
}

/// <summary>
/// u8 x s8 groups of four with VPMADDUBSW + VPMADDWD (x86), SDOT (ARM Dp) or widening arithmetic (portable). VPMADDUBSW
/// saturates each pair sum to int16; <see cref="Int8PackedWeights"/> uses this layout only when no weight pair can
/// saturate (|w0| + |w1| &lt;= 128, so 255 * 128 = 32640 fits), which keeps every path exact.
/// </summary>
internal readonly struct MaddU8 : IInt8Madd
{
    public static int Group => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Madd(Vector512<byte> b, Vector512<byte> a) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(b, a.AsSByte()), Vector512.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Madd(Vector256<byte> b, Vector256<byte> a) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(b, a.AsSByte()), Vector256.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Madd(Vector128<byte> b, Vector128<byte> a)
    {
        if (Ssse3.IsSupported) return Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(b, a.AsSByte()), Vector128.Create((short)1));
        if (Dp.IsSupported)
        {
            // SDOT is s8 x s8: b - 128 as s8, then add back 128 * sum(a) as -(-128) * sum(a).
            var shifted = Dp.DotProduct(Vector128<int>.Zero, (b ^ Vector128.Create((byte)0x80)).AsSByte(), a.AsSByte());
            return shifted - Dp.DotProduct(Vector128<int>.Zero, Vector128.Create((sbyte)-128), a.AsSByte());
        }
        return MaddU8Portable.Madd(b, a);
    }
}

/// <summary>The portable Vector128 form of <see cref="MaddU8"/> (products in int16 are exact: |255 * -128| &lt; 2^15).</summary>
internal readonly struct MaddU8Portable : IInt8Madd
{
    public static int Group => 4;

    public static Vector512<int> Madd(Vector512<byte> b, Vector512<byte> a) => throw new PlatformNotSupportedException();

    public static Vector256<int> Madd(Vector256<byte> b, Vector256<byte> a) => throw new PlatformNotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Madd(Vector128<byte> b, Vector128<byte> a)
    {
        var lo = Vector128.WidenLower(b).AsInt16() * Vector128.WidenLower(a.AsSByte());
        var hi = Vector128.WidenUpper(b).AsInt16() * Vector128.WidenUpper(a.AsSByte());
        return Int8Lanes.SumQuads(Int8Lanes.SumPairs(lo), Int8Lanes.SumPairs(hi));
    }
}

/// <summary>int16 x int16 groups of two with VPMADDWD (x86) or widening arithmetic: the exact fallback for weights with saturating pairs.</summary>
internal readonly struct MaddS16 : IInt8Madd
{
    public static int Group => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Madd(Vector512<byte> b, Vector512<byte> a) => Avx512BW.MultiplyAddAdjacent(b.AsInt16(), a.AsInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Madd(Vector256<byte> b, Vector256<byte> a) => Avx2.MultiplyAddAdjacent(b.AsInt16(), a.AsInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Madd(Vector128<byte> b, Vector128<byte> a)
    {
        if (Sse2.IsSupported) return Sse2.MultiplyAddAdjacent(b.AsInt16(), a.AsInt16());
        if (AdvSimd.Arm64.IsSupported)
        {
            var lo = AdvSimd.MultiplyWideningLower(b.AsInt16().GetLower(), a.AsInt16().GetLower());
            var hi = AdvSimd.MultiplyWideningUpper(b.AsInt16(), a.AsInt16());
            return AdvSimd.Arm64.AddPairwise(lo, hi);
        }
        return MaddS16Portable.Madd(b, a);
    }
}

/// <summary>The portable Vector128 form of <see cref="MaddS16"/>.</summary>
internal readonly struct MaddS16Portable : IInt8Madd
{
    public static int Group => 2;

    public static Vector512<int> Madd(Vector512<byte> b, Vector512<byte> a) => throw new PlatformNotSupportedException();

    public static Vector256<int> Madd(Vector256<byte> b, Vector256<byte> a) => throw new PlatformNotSupportedException();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Madd(Vector128<byte> b, Vector128<byte> a)
    {
        var lo = Vector128.WidenLower(b.AsInt16()) * Vector128.WidenLower(a.AsInt16());
        var hi = Vector128.WidenUpper(b.AsInt16()) * Vector128.WidenUpper(a.AsInt16());
        return Vector128.Narrow(Int8Lanes.SumPairs(lo), Int8Lanes.SumPairs(hi));
    }
}

/// <summary>Lane reductions with the portable vector API only.</summary>
internal static class Int8Lanes
{
    /// <summary>Lane i = v[2i] + v[2i+1] (int16 pairs to int32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> SumPairs(Vector128<short> v)
    {
        var w = v.AsInt32();
        return Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(w, 16), 16) + Vector128.ShiftRightArithmetic(w, 16);
    }

    /// <summary>Lane i = v[2i] + v[2i+1] (int32 pairs to int64).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<long> SumPairs(Vector128<int> v)
    {
        var w = v.AsInt64();
        return Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(w, 32), 32) + Vector128.ShiftRightArithmetic(w, 32);
    }

    /// <summary>[lo0 + lo1, lo2 + lo3, hi0 + hi1, hi2 + hi3] (the sums fit int32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> SumQuads(Vector128<int> lo, Vector128<int> hi) => Vector128.Narrow(SumPairs(lo), SumPairs(hi));
}
