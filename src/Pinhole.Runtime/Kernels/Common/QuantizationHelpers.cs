using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>Shared pieces of the quantization kernels: type ranges, float views, (de)quantization of runs, integer GEMM and im2col.</summary>
internal static class QuantizationHelpers
{
    /// <summary>Whether <paramref name="type"/> is an integer type that quantization produces or consumes.</summary>
    public static bool IsQuantizedInteger(DataType type) =>
        type is DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16 or DataType.Int32
            or DataType.Int4 or DataType.UInt4 or DataType.Int2 or DataType.UInt2;

    /// <summary>Saturation range of a quantized integer type.</summary>
    public static (int Min, int Max) Range(DataType type) => type switch
    {
        DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DataType.UInt8 => (0, byte.MaxValue),
        DataType.Int16 => (short.MinValue, short.MaxValue),
        DataType.UInt16 => (0, ushort.MaxValue),
        DataType.Int4 => (-8, 7),
        DataType.UInt4 => (0, 15),
        DataType.Int2 => (-2, 1),
        DataType.UInt2 => (0, 3),
        DataType.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new ArgumentException($"{DataTypes.OnnxName(type)} is not a quantized integer type"),
    };

    // Dispatch on Type, never on the array's runtime type: the CLR lets a byte[] pass as sbyte[] (and ushort[] as
    // short[], uint[] as int[]), so `Buffer is sbyte[]` is true for uint8 tensors.

    /// <summary>A float32 copy (or the tensor itself) of any numeric tensor.</summary>
    public static float[] ToFloatArray(Tensor t)
    {
        if (t.Type is DataType.Float)
            return t.Offset == 0 && t.Buffer.Length == t.Length ? (float[])t.Buffer : t.ReadOnlySpan<float>().ToArray();
        if (t.Type is DataType.Float16 or DataType.BFloat16 or DataType.Double)
            return (float[])FloatConversion.ToFloat(t).Buffer; // a fresh array of exactly t.Length
        var r = new float[t.Length];
        switch (DataTypes.ClrType(t.Type))
        {
            case var c when c == typeof(sbyte): TensorPrimitives.ConvertTruncating<sbyte, float>(t.ReadOnlySpan<sbyte>(), r); break;
            case var c when c == typeof(byte): TensorPrimitives.ConvertTruncating<byte, float>(t.ReadOnlySpan<byte>(), r); break;
            case var c when c == typeof(short): TensorPrimitives.ConvertTruncating<short, float>(t.ReadOnlySpan<short>(), r); break;
            case var c when c == typeof(ushort): TensorPrimitives.ConvertTruncating<ushort, float>(t.ReadOnlySpan<ushort>(), r); break;
            case var c when c == typeof(int): IntToFloat(t.ReadOnlySpan<int>(), r); break;
            default: for (int i = 0; i < r.Length; i++) r[i] = (float)ReadInt64(t, i); break;
        }
        return r;
    }

    /// <summary>An int32 copy of an integer tensor.</summary>
    public static int[] ToInt32Array(Tensor t)
    {
        var r = new int[t.Length];
        switch (DataTypes.ClrType(t.Type))
        {
            case var c when c == typeof(sbyte): TensorPrimitives.ConvertTruncating<sbyte, int>(t.ReadOnlySpan<sbyte>(), r); break;
            case var c when c == typeof(byte): TensorPrimitives.ConvertTruncating<byte, int>(t.ReadOnlySpan<byte>(), r); break;
            case var c when c == typeof(short): TensorPrimitives.ConvertTruncating<short, int>(t.ReadOnlySpan<short>(), r); break;
            case var c when c == typeof(ushort): TensorPrimitives.ConvertTruncating<ushort, int>(t.ReadOnlySpan<ushort>(), r); break;
            case var c when c == typeof(int): t.ReadOnlySpan<int>().CopyTo(r); break;
            default: for (int i = 0; i < r.Length; i++) r[i] = (int)ReadInt64(t, i); break;
        }
        return r;
    }

    /// <summary>Element <paramref name="i"/> of an integer tensor (by its declared type; see the note above).</summary>
    public static long ReadInt64(Tensor t, int i) => t.Type switch
    {
        DataType.UInt8 or DataType.UInt4 or DataType.UInt2 => t.ReadOnlySpan<byte>()[i],
        DataType.Int8 or DataType.Int4 or DataType.Int2 => t.ReadOnlySpan<sbyte>()[i],
        DataType.UInt16 => t.ReadOnlySpan<ushort>()[i],
        DataType.Int16 => t.ReadOnlySpan<short>()[i],
        DataType.UInt32 => t.ReadOnlySpan<uint>()[i],
        DataType.Int32 => t.ReadOnlySpan<int>()[i],
        DataType.Int64 => t.ReadOnlySpan<long>()[i],
        _ => (long)t.GetDouble(i),
    };

    /// <summary>A scalar float from a one-element tensor.</summary>
    public static float ScalarFloat(KernelContext context, Tensor t, string name)
    {
        if (t.Length != 1) throw context.Error($"{name} must be a scalar, has shape {Tensor.FormatShape(t.Shape)}");
        return (float)t.GetDouble(0);
    }

    /// <summary>A scalar zero point (0 when omitted).</summary>
    public static int ScalarZeroPoint(KernelContext context, Tensor? t, string name)
    {
        if (t is null) return 0;
        if (t.Length != 1) throw context.Error($"{name} must be a scalar, has shape {Tensor.FormatShape(t.Shape)}");
        return (int)ReadInt64(t, 0);
    }

    /// <summary>dst = clamp(round_half_even(x / scale) + zeroPoint, min, max), computed in float32.</summary>
    public static void Quantize(ReadOnlySpan<float> x, float scale, float zeroPoint, float min, float max, Span<float> dst)
    {
        TensorPrimitives.Divide(x, scale, dst);
        TensorPrimitives.Round(dst, dst);
        if (zeroPoint != 0) TensorPrimitives.Add(dst, zeroPoint, dst);
        TensorPrimitives.Max(dst, min, dst);
        TensorPrimitives.Min(dst, max, dst);
    }

    /// <summary>Like <see cref="Quantize(ReadOnlySpan{float}, float, float, float, float, Span{float})"/> with one scale and zero point per element.</summary>
    public static void Quantize(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> zeroPoint, float min, float max, Span<float> dst)
    {
        TensorPrimitives.Divide(x, scale, dst);
        TensorPrimitives.Round(dst, dst);
        TensorPrimitives.Add(dst, zeroPoint, dst);
        TensorPrimitives.Max(dst, min, dst);
        TensorPrimitives.Min(dst, max, dst);
    }

    /// <summary>Writes already rounded and saturated float values into an integer tensor's storage.</summary>
    public static void StoreIntegers(ReadOnlySpan<float> values, Tensor destination)
    {
        switch (DataTypes.ClrType(destination.Type))
        {
            case var c when c == typeof(sbyte): TensorPrimitives.ConvertTruncating<float, sbyte>(values, destination.Span<sbyte>()); break;
            case var c when c == typeof(byte): TensorPrimitives.ConvertTruncating<float, byte>(values, destination.Span<byte>()); break;
            case var c when c == typeof(short): TensorPrimitives.ConvertTruncating<float, short>(values, destination.Span<short>()); break;
            case var c when c == typeof(ushort): TensorPrimitives.ConvertTruncating<float, ushort>(values, destination.Span<ushort>()); break;
            case var c when c == typeof(int):
                var a = destination.Span<int>();
                for (int i = 0; i < values.Length; i++) a[i] = SaturatingToInt32(values[i]);
                break;
            default: throw new ArgumentException($"cannot store quantized values as {DataTypes.OnnxName(destination.Type)}");
        }
    }

    private static int SaturatingToInt32(float v) =>
        float.IsNaN(v) ? 0 : v >= 2147483648f ? int.MaxValue : v <= -2147483648f ? int.MinValue : (int)v;

    /// <summary>Quantizes float values with one scale and zero point and stores them into <paramref name="destination"/>.</summary>
    public static void QuantizeInto(ReadOnlySpan<float> x, float scale, int zeroPoint, Tensor destination)
    {
        var (min, max) = Range(destination.Type);
        var tmp = new float[x.Length];
        Quantize(x, scale, zeroPoint, min, max, tmp);
        StoreIntegers(tmp, destination);
    }

    /// <summary>Dequantizes a whole tensor with one scale and zero point into float32.</summary>
    public static float[] Dequantize(Tensor x, float scale, int zeroPoint)
    {
        var f = ToFloatArray(x);
        var r = ReferenceEquals(f, x.Buffer) ? new float[x.Length] : f;
        if (zeroPoint != 0) TensorPrimitives.Subtract(f.AsSpan(0, x.Length), (float)zeroPoint, r);
        else if (!ReferenceEquals(f, r)) f.AsSpan(0, x.Length).CopyTo(r);
        TensorPrimitives.Multiply(r, scale, r);
        return r;
    }

    /// <summary>c[M,N] += a[M,K] * b[K,N], int32 throughout, row-major.</summary>
    public static void Gemm(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Span<int> c, int m, int k, int n)
    {
        if (a.Length < m * k || b.Length < k * n || c.Length < m * n)
            throw new ArgumentException("GEMM operand spans are shorter than their shapes");
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<int>.Count)
        {
            // Register-blocked: 4 rows of c by 16 (or 8) columns accumulate over all of k in registers.
            ref int ar = ref MemoryMarshal.GetReference(a);
            ref int br = ref MemoryMarshal.GetReference(b);
            ref int cr = ref MemoryMarshal.GetReference(c);
            for (; i + 4 <= m; i += 4)
            {
                int j = 0;
                for (; j + 16 <= n; j += 16) Kernel4x16(ref ar, ref br, ref cr, i, j, k, n);
                for (; j + 8 <= n; j += 8) Kernel4x8(ref ar, ref br, ref cr, i, j, k, n);
                for (; j < n; j++)
                {
                    for (int r = 0; r < 4; r++)
                    {
                        int sum = 0;
                        for (int p = 0; p < k; p++) sum += a[(i + r) * k + p] * b[p * n + j];
                        c[(i + r) * n + j] += sum;
                    }
                }
            }
        }
        for (; i < m; i++)
        {
            var cRow = c.Slice(i * n, n);
            var aRow = a.Slice(i * k, k);
            for (int p = 0; p < k; p++)
            {
                int av = aRow[p];
                if (av == 0) continue;
                AxpyInt(av, b.Slice(p * n, n), cRow);
            }
        }
    }

    private static void Kernel4x16(ref int a, ref int b, ref int c, int i, int j, int k, int n)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        nint a0 = (nint)i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        nint bo = j;
        for (int p = 0; p < k; p++, bo += n)
        {
            var b0 = Vector256.LoadUnsafe(ref b, (nuint)bo);
            var b1 = Vector256.LoadUnsafe(ref b, (nuint)(bo + 8));
            var v0 = Vector256.Create(Unsafe.Add(ref a, a0 + p));
            var v1 = Vector256.Create(Unsafe.Add(ref a, a1 + p));
            var v2 = Vector256.Create(Unsafe.Add(ref a, a2 + p));
            var v3 = Vector256.Create(Unsafe.Add(ref a, a3 + p));
            c00 += v0 * b0; c01 += v0 * b1;
            c10 += v1 * b0; c11 += v1 * b1;
            c20 += v2 * b0; c21 += v2 * b1;
            c30 += v3 * b0; c31 += v3 * b1;
        }
        nint co = (nint)i * n + j;
        Accumulate(ref c, co, c00); Accumulate(ref c, co + 8, c01); co += n;
        Accumulate(ref c, co, c10); Accumulate(ref c, co + 8, c11); co += n;
        Accumulate(ref c, co, c20); Accumulate(ref c, co + 8, c21); co += n;
        Accumulate(ref c, co, c30); Accumulate(ref c, co + 8, c31);
    }

    private static void Kernel4x8(ref int a, ref int b, ref int c, int i, int j, int k, int n)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        nint a0 = (nint)i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        nint bo = j;
        for (int p = 0; p < k; p++, bo += n)
        {
            var b0 = Vector256.LoadUnsafe(ref b, (nuint)bo);
            c0 += Vector256.Create(Unsafe.Add(ref a, a0 + p)) * b0;
            c1 += Vector256.Create(Unsafe.Add(ref a, a1 + p)) * b0;
            c2 += Vector256.Create(Unsafe.Add(ref a, a2 + p)) * b0;
            c3 += Vector256.Create(Unsafe.Add(ref a, a3 + p)) * b0;
        }
        nint co = (nint)i * n + j;
        Accumulate(ref c, co, c0); co += n;
        Accumulate(ref c, co, c1); co += n;
        Accumulate(ref c, co, c2); co += n;
        Accumulate(ref c, co, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref int c, nint offset, Vector256<int> v) =>
        (Vector256.LoadUnsafe(ref c, (nuint)offset) + v).StoreUnsafe(ref c, (nuint)offset);

    /// <summary>y += alpha * x for int32 spans of equal length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AxpyInt(int alpha, ReadOnlySpan<int> x, Span<int> y)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<int>.Count)
        {
            var va = Vector256.Create(alpha);
            ref int xr = ref MemoryMarshal.GetReference(x);
            ref int yr = ref MemoryMarshal.GetReference(y);
            for (; j <= x.Length - Vector256<int>.Count; j += Vector256<int>.Count)
            {
                var acc = Vector256.LoadUnsafe(ref yr, (nuint)j) + va * Vector256.LoadUnsafe(ref xr, (nuint)j);
                acc.StoreUnsafe(ref yr, (nuint)j);
            }
        }
        for (; j < x.Length; j++) y[j] += alpha * x[j];
    }

    /// <summary>Geometry of an N-d convolution (NCHW...), as ONNX Conv defines it.</summary>
    public sealed class ConvGeometry
    {
        public required int Batch { get; init; }
        public required int InChannels { get; init; }
        public required int OutChannels { get; init; }
        public required int Group { get; init; }
        public required int[] InSpatial { get; init; }
        public required int[] Kernel { get; init; }
        public required int[] OutSpatial { get; init; }
        public required int[] Strides { get; init; }
        public required int[] Dilations { get; init; }
        public required int[] PadsBegin { get; init; }

        public int InSize => Tensor.ElementCount(InSpatial);
        public int OutSize => Tensor.ElementCount(OutSpatial);
        public int KernelSize => Tensor.ElementCount(Kernel);
    }

    /// <summary>Conv attributes read once at prepare time.</summary>
    public sealed class ConvAttributes
    {
        public ConvAttributes(KernelInfo info)
        {
            AutoPad = info.GetString("auto_pad", "NOTSET");
            if (AutoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
                throw info.Invalid($"unknown auto_pad '{AutoPad}'");
            Group = (int)info.GetInt("group", 1);
            if (Group < 1) throw info.Invalid("group must be positive");
            KernelShape = ToInts(info.GetInts("kernel_shape"));
            Strides = ToInts(info.GetInts("strides"));
            Dilations = ToInts(info.GetInts("dilations"));
            Pads = ToInts(info.GetInts("pads"));
            if (Strides is not null && Strides.Any(s => s < 1)) throw info.Invalid("strides must be positive");
            if (Dilations is not null && Dilations.Any(s => s < 1)) throw info.Invalid("dilations must be positive");
            if (Pads is not null && Pads.Any(s => s < 0)) throw info.Invalid("pads must be non-negative");
        }

        public string AutoPad { get; }
        public int Group { get; }
        public int[]? KernelShape { get; }
        public int[]? Strides { get; }
        public int[]? Dilations { get; }
        public int[]? Pads { get; }

        private static int[]? ToInts(long[]? values) => values?.Select(v => checked((int)v)).ToArray();

        /// <summary>Resolves the geometry for input shape <paramref name="x"/> and weight shape <paramref name="w"/>.</summary>
        public ConvGeometry Resolve(KernelContext context, int[] x, int[] w)
        {
            if (x.Length < 3) throw context.Error($"input must have rank 3 or more, has shape {Tensor.FormatShape(x)}");
            if (w.Length != x.Length) throw context.Error($"weight shape {Tensor.FormatShape(w)} does not match input shape {Tensor.FormatShape(x)}");
            int spatial = x.Length - 2;
            if (x[1] != w[1] * Group)
                throw context.Error($"input has {x[1]} channels, weights expect {w[1]} x group {Group}");
            if (w[0] % Group != 0) throw context.Error($"{w[0]} output channels are not divisible by group {Group}");
            var kernel = w.AsSpan(2).ToArray();
            if (KernelShape is not null && !KernelShape.AsSpan().SequenceEqual(kernel))
                throw context.Error($"kernel_shape {Tensor.FormatShape(KernelShape)} does not match weights {Tensor.FormatShape(w)}");
            var strides = Strides ?? Enumerable.Repeat(1, spatial).ToArray();
            var dilations = Dilations ?? Enumerable.Repeat(1, spatial).ToArray();
            if (strides.Length != spatial || dilations.Length != spatial)
                throw context.Error("strides and dilations must have one value per spatial dimension");
            var begin = new int[spatial];
            var outSpatial = new int[spatial];
            for (int i = 0; i < spatial; i++)
            {
                int inDim = x[i + 2];
                int eff = (kernel[i] - 1) * dilations[i] + 1;
                if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
                {
                    int o = (inDim + strides[i] - 1) / strides[i];
                    int total = Math.Max(0, (o - 1) * strides[i] + eff - inDim);
                    begin[i] = AutoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    outSpatial[i] = o;
                }
                else
                {
                    int pb = 0, pe = 0;
                    if (AutoPad == "NOTSET" && Pads is not null)
                    {
                        if (Pads.Length != 2 * spatial) throw context.Error("pads must have two values per spatial dimension");
                        pb = Pads[i];
                        pe = Pads[i + spatial];
                    }
                    begin[i] = pb;
                    int span = inDim + pb + pe - eff;
                    if (span < 0) throw context.Error($"kernel {eff} is larger than padded input {inDim + pb + pe}");
                    outSpatial[i] = span / strides[i] + 1;
                }
            }
            return new ConvGeometry
            {
                Batch = x[0],
                InChannels = x[1],
                OutChannels = w[0],
                Group = Group,
                InSpatial = x.AsSpan(2).ToArray(),
                Kernel = kernel,
                OutSpatial = outSpatial,
                Strides = strides,
                Dilations = dilations,
                PadsBegin = begin,
            };
        }
    }

    /// <summary>
    /// Integer convolution: returns int32 accumulators [N, M, out...] of sum((x - xZero) * w) where <paramref name="w"/>
    /// already has its zero points subtracted ([M, C/group * kernel]) and padding contributes 0.
    /// </summary>
    public static int[] ConvolveInt(ConvGeometry g, ReadOnlySpan<int> x, ReadOnlySpan<int> w)
    {
        int cPerGroup = g.InChannels / g.Group, mPerGroup = g.OutChannels / g.Group;
        int inSize = g.InSize, outSize = g.OutSize, kSize = g.KernelSize;
        int kRows = cPerGroup * kSize;
        var result = new int[g.Batch * g.OutChannels * outSize];
        var col = new int[kRows * outSize];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int grp = 0; grp < g.Group; grp++)
            {
                var xGroup = x.Slice((n * g.InChannels + grp * cPerGroup) * inSize, cPerGroup * inSize);
                Im2Col(g, xGroup, cPerGroup, col);
                var wGroup = w.Slice(grp * mPerGroup * kRows, mPerGroup * kRows);
                var yGroup = result.AsSpan((n * g.OutChannels + grp * mPerGroup) * outSize, mPerGroup * outSize);
                Gemm(wGroup, col, yGroup, mPerGroup, kRows, outSize);
            }
        }
        return result;
    }

    private static void Im2Col(ConvGeometry g, ReadOnlySpan<int> x, int channels, Span<int> col)
    {
        int spatial = g.InSpatial.Length, outSize = g.OutSize, kSize = g.KernelSize, inSize = g.InSize;
        col.Clear();
        if (spatial == 2)
        {
            int ih = g.InSpatial[0], iw = g.InSpatial[1], oh = g.OutSpatial[0], ow = g.OutSpatial[1];
            int kh = g.Kernel[0], kw = g.Kernel[1], sh = g.Strides[0], sw = g.Strides[1];
            int dh = g.Dilations[0], dw = g.Dilations[1], ph = g.PadsBegin[0], pw = g.PadsBegin[1];
            for (int c = 0; c < channels; c++)
            {
                var xc = x.Slice(c * inSize, inSize);
                for (int ky = 0; ky < kh; ky++)
                {
                    for (int kx = 0; kx < kw; kx++)
                    {
                        var row = col.Slice(((c * kh + ky) * kw + kx) * outSize, outSize);
                        for (int oy = 0; oy < oh; oy++)
                        {
                            int iy = oy * sh - ph + ky * dh;
                            if ((uint)iy >= (uint)ih) continue;
                            var dstRow = row.Slice(oy * ow, ow);
                            var srcRow = xc.Slice(iy * iw, iw);
                            int ix0 = -pw + kx * dw;
                            if (sw == 1)
                            {
                                int lo = Math.Max(0, -ix0), hi = Math.Min(ow, iw - ix0);
                                if (hi > lo) srcRow.Slice(ix0 + lo, hi - lo).CopyTo(dstRow.Slice(lo, hi - lo));
                            }
                            else
                            {
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int ix = ix0 + ox * sw;
                                    if ((uint)ix < (uint)iw) dstRow[ox] = srcRow[ix];
                                }
                            }
                        }
                    }
                }
            }
            return;
        }
        // General N-d path.
        Span<int> kIdx = stackalloc int[spatial];
        Span<int> oIdx = stackalloc int[spatial];
        for (int c = 0; c < channels; c++)
        {
            var xc = x.Slice(c * inSize, inSize);
            for (int k = 0; k < kSize; k++)
            {
                Unravel(k, g.Kernel, kIdx);
                var row = col.Slice((c * kSize + k) * outSize, outSize);
                for (int o = 0; o < outSize; o++)
                {
                    Unravel(o, g.OutSpatial, oIdx);
                    int offset = 0;
                    bool inside = true;
                    for (int d = 0; d < spatial; d++)
                    {
                        int i = oIdx[d] * g.Strides[d] - g.PadsBegin[d] + kIdx[d] * g.Dilations[d];
                        if ((uint)i >= (uint)g.InSpatial[d]) { inside = false; break; }
                        offset = offset * g.InSpatial[d] + i;
                    }
                    if (inside) row[o] = xc[offset];
                }
            }
        }
    }

    private static void Unravel(int index, ReadOnlySpan<int> shape, Span<int> result)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            result[d] = index % shape[d];
            index /= shape[d];
        }
    }

    /// <summary>Batched matmul shapes with numpy semantics (1-D operands promoted, batch dims broadcast).</summary>
    public sealed class MatMulLayout
    {
        public int M { get; private init; }
        public int K { get; private init; }
        public int N { get; private init; }
        public int Batch { get; private init; }
        public int[] OutputShape { get; private init; } = [];
        public int[] AOffsets { get; private init; } = [];
        public int[] BOffsets { get; private init; } = [];

        public static MatMulLayout Create(KernelContext context, int[] a, int[] b)
        {
            if (a.Length == 0 || b.Length == 0) throw context.Error("MatMul operands must not be scalars");
            var a2 = a.Length == 1 ? new[] { 1, a[0] } : a;
            var b2 = b.Length == 1 ? new[] { b[0], 1 } : b;
            int m = a2[^2], k = a2[^1], n = b2[^1];
            if (b2[^2] != k)
                throw context.Error($"shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} cannot be multiplied");
            int[] batch;
            try { batch = Broadcast.Shape(a2.AsSpan(0, a2.Length - 2), b2.AsSpan(0, b2.Length - 2)); }
            catch (ArgumentException e) { throw context.Error(e.Message); }
            int count = Tensor.ElementCount(batch);
            var aStrides = Broadcast.Strides(a2.AsSpan(0, a2.Length - 2), batch);
            var bStrides = Broadcast.Strides(b2.AsSpan(0, b2.Length - 2), batch);
            var aOff = new int[count];
            var bOff = new int[count];
            for (int i = 0; i < count; i++)
            {
                int rem = i, ao = 0, bo = 0;
                for (int d = batch.Length - 1; d >= 0; d--)
                {
                    int idx = rem % batch[d];
                    rem /= batch[d];
                    ao += idx * aStrides[d];
                    bo += idx * bStrides[d];
                }
                aOff[i] = ao * m * k;
                bOff[i] = bo * k * n;
            }
            var shape = new List<int>(batch);
            if (a.Length != 1) shape.Add(m);
            if (b.Length != 1) shape.Add(n);
            return new MatMulLayout { M = m, K = k, N = n, Batch = count, OutputShape = [.. shape], AOffsets = aOff, BOffsets = bOff };
        }
    }

    /// <summary>
    /// Integer matmul with zero points: returns int32 [batch, M, N] of sum((a - aZero) * (b - bZero)). A zero point is
    /// a scalar, per-row of a (M values, or batch*M) / per-column of b (N values, or batch*N).
    /// </summary>
    public static int[] MatMulInt(KernelContext context, MatMulLayout l, Tensor a, Tensor? aZero, Tensor b, Tensor? bZero)
    {
        var ai = ToInt32Array(a);
        var bi = ToInt32Array(b);
        int m = l.M, k = l.K, n = l.N;
        if (aZero is not null && !IsZero(aZero))
        {
            int z = aZero.Length;
            int aBatches = ai.Length / Math.Max(1, m * k);
            if (z != 1 && z != m && z != aBatches * m) throw context.Error($"a zero point has {z} values; expected 1 or one per row ({m})");
            for (int r = 0; r < aBatches * m; r++)
            {
                int zp = (int)ReadInt64(aZero, z == 1 ? 0 : r % z);
                var row = ai.AsSpan(r * k, k);
                TensorPrimitives.Subtract(row, zp, row);
            }
        }
        if (bZero is not null && !IsZero(bZero))
        {
            int z = bZero.Length;
            int bBatches = bi.Length / Math.Max(1, k * n);
            if (z != 1 && z != n && z != bBatches * n) throw context.Error($"b zero point has {z} values; expected 1 or one per column ({n})");
            var zps = new int[z];
            for (int i = 0; i < z; i++) zps[i] = (int)ReadInt64(bZero, i);
            for (int bb = 0; bb < bBatches; bb++)
            {
                for (int r = 0; r < k; r++)
                {
                    var row = bi.AsSpan((bb * k + r) * n, n);
                    if (z == 1) TensorPrimitives.Subtract(row, zps[0], row);
                    else TensorPrimitives.Subtract(row, zps.AsSpan(z == n ? 0 : bb * n, n), row);
                }
            }
        }
        var c = new int[l.Batch * m * n];
        for (int i = 0; i < l.Batch; i++)
            Gemm(ai.AsSpan(l.AOffsets[i], m * k), bi.AsSpan(l.BOffsets[i], k * n), c.AsSpan(i * m * n, m * n), m, k, n);
        return c;
    }

    private static bool IsZero(Tensor t)
    {
        for (int i = 0; i < t.Length; i++) if (ReadInt64(t, i) != 0) return false;
        return true;
    }

    /// <summary>
    /// How a scale (and zero point) tensor maps onto x: x is viewed as [outer, D, inner] around the axis; the scale
    /// offset of element (o, d, i) is o * OuterStride + (d / Block) * AxisStride + i * InnerStride.
    /// </summary>
    public readonly record struct ScaleLayout(int Outer, int Axis, int Inner, int Block, int OuterStride, int AxisStride, int InnerStride)
    {
        public static ScaleLayout Create(KernelContext context, int[] x, int[] scale, long axisAttr, long blockSize)
        {
            int total = Tensor.ElementCount(x);
            int scaleCount = Tensor.ElementCount(scale);
            if (scaleCount == 1 && blockSize <= 0) return new ScaleLayout(1, 1, total, 1, 0, 0, 0);
            int rank = x.Length;
            if (rank == 0) throw context.Error("a scalar input needs a scalar scale");
            int axis = (int)(axisAttr < 0 ? axisAttr + rank : axisAttr);
            if (axis < 0 || axis >= rank) throw context.Error($"axis {axisAttr} is out of range for rank {rank}");
            int outer = 1, inner = 1;
            for (int i = 0; i < axis; i++) outer *= x[i];
            for (int i = axis + 1; i < rank; i++) inner *= x[i];
            int d = x[axis];
            if (blockSize <= 0)
            {
                if (scale.Length != 1 || scale[0] != d)
                    throw context.Error($"per-axis scale must be 1-D of length {d} (axis {axis} of {Tensor.FormatShape(x)}), has shape {Tensor.FormatShape(scale)}");
                return new ScaleLayout(outer, d, inner, 1, 0, 1, 0);
            }
            if (scale.Length != rank) throw context.Error($"blocked scale must have rank {rank}, has shape {Tensor.FormatShape(scale)}");
            for (int i = 0; i < rank; i++)
            {
                if (i == axis) continue;
                if (scale[i] != x[i]) throw context.Error($"blocked scale shape {Tensor.FormatShape(scale)} does not match input {Tensor.FormatShape(x)} outside axis {axis}");
            }
            int s = scale[axis];
            long b = blockSize;
            if (s <= 0 || (d + b - 1) / b != s)
                throw context.Error($"block_size {blockSize} does not fit axis length {d} with {s} scale blocks");
            return new ScaleLayout(outer, d, inner, (int)b, s * inner, inner, 1);
        }
    }

    /// <summary>dst = clamp(round_half_even(acc * multiplier) + zeroPoint, min, max), computed in float32.</summary>
    public static void Requantize(ReadOnlySpan<int> acc, float multiplier, float zeroPoint, float min, float max, Span<float> dst)
    {
        IntToFloat(acc, dst);
        TensorPrimitives.Multiply(dst, multiplier, dst);
        TensorPrimitives.Round(dst, dst);
        if (zeroPoint != 0) TensorPrimitives.Add(dst, zeroPoint, dst);
        TensorPrimitives.Max(dst, min, dst);
        TensorPrimitives.Min(dst, max, dst);
    }

    /// <summary>Integer weights [M, rest] with a scalar or per-output-channel zero point subtracted.</summary>
    public static int[] SubtractChannelZeroPoint(KernelContext? context, Tensor w, Tensor? zero)
    {
        var wi = ToInt32Array(w);
        if (zero is null) return wi;
        int m = w.Shape.Length > 0 ? w.Shape[0] : 1;
        if (zero.Length != 1 && zero.Length != m)
        {
            string msg = $"weight zero point has {zero.Length} values; expected 1 or {m}";
            throw context is null ? new ArgumentException(msg) : context.Error(msg);
        }
        int rest = m == 0 ? 0 : wi.Length / m;
        for (int i = 0; i < m; i++)
        {
            int zp = (int)ReadInt64(zero, zero.Length == 1 ? 0 : i);
            if (zp != 0) TensorPrimitives.Subtract(wi.AsSpan(i * rest, rest), zp, wi.AsSpan(i * rest, rest));
        }
        return wi;
    }

    /// <summary>dst[i] = (float)src[i].</summary>
    public static void IntToFloat(ReadOnlySpan<int> src, Span<float> dst)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref int s = ref MemoryMarshal.GetReference(src);
            ref float d = ref MemoryMarshal.GetReference(dst);
            for (; i <= src.Length - Vector256<int>.Count; i += Vector256<int>.Count)
                Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s, (nuint)i)).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < src.Length; i++) dst[i] = src[i];
    }
}
