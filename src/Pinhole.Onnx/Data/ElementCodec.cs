namespace Pinhole.Onnx.Data;

/// <summary>
/// Converts between ONNX raw_data (little-endian, sub-byte types packed) and Pinhole storage
/// (one element per array slot). Pinhole only runs on little-endian hosts, so fixed-size types copy as bytes.
/// </summary>
internal static class ElementCodec
{
    /// <summary>Fills <paramref name="dest"/> from raw bytes whose length the caller has already checked.</summary>
    public static void DecodeRaw(ReadOnlySpan<byte> raw, Tensor dest)
    {
        switch (ElementTypes.BitsPerElement(dest.Type))
        {
            case 4:
                Unpack(raw, dest.Bytes(), 4, dest.Type == DataType.Int4);
                return;
            case 2:
                Unpack(raw, dest.Bytes(), 2, dest.Type == DataType.Int2);
                return;
        }
        if (dest.Type == DataType.Bool)
        {
            // Any non-zero byte is true; copying a 2 into a bool would make a value .NET compares oddly.
            Span<bool> bools = dest.Span<bool>();
            for (int i = 0; i < bools.Length; i++) bools[i] = raw[i] != 0;
            return;
        }
        raw.CopyTo(dest.Bytes());
    }

    /// <summary>The raw_data bytes of a fixed-size tensor.</summary>
    public static byte[] EncodeRaw(Tensor tensor)
    {
        int bits = ElementTypes.BitsPerElement(tensor.Type);
        if (bits is 4 or 2)
        {
            var packed = new byte[ElementTypes.RawByteCount(tensor.Type, tensor.Length)];
            Pack(tensor.Bytes(), packed, bits);
            return packed;
        }
        if (tensor.Type == DataType.Bool)
        {
            var bytes = new byte[tensor.Length];
            ReadOnlySpan<bool> bools = tensor.ReadOnlySpan<bool>();
            for (int i = 0; i < bytes.Length; i++) bytes[i] = bools[i] ? (byte)1 : (byte)0;
            return bytes;
        }
        return tensor.Bytes().ToArray();
    }

    /// <summary>Splits each byte into 8/<paramref name="bits"/> elements, lowest bits first, sign-extending if asked.</summary>
    public static void Unpack(ReadOnlySpan<byte> packed, Span<byte> dest, int bits, bool signed)
    {
        int perByte = 8 / bits;
        int mask = (1 << bits) - 1;
        int shiftBack = 32 - bits;
        for (int i = 0; i < dest.Length; i++)
        {
            int v = (packed[i / perByte] >> (i % perByte * bits)) & mask;
            dest[i] = signed ? (byte)(sbyte)((v << shiftBack) >> shiftBack) : (byte)v;
        }
    }

    /// <summary>Packs the low <paramref name="bits"/> of each source byte, lowest bits first.</summary>
    public static void Pack(ReadOnlySpan<byte> source, Span<byte> packed, int bits)
    {
        int perByte = 8 / bits;
        int mask = (1 << bits) - 1;
        packed.Clear();
        for (int i = 0; i < source.Length; i++)
            packed[i / perByte] |= (byte)((source[i] & mask) << (i % perByte * bits));
    }

    /// <summary>Whether element <paramref name="index"/> is all zero bits (or an empty string), for sparsifying.</summary>
    public static bool IsZero(Tensor tensor, int index)
    {
        if (tensor.Type == DataType.String) return tensor.ReadOnlySpan<string>()[index].Length == 0;
        int size = DataTypes.SizeOf(tensor.Type);
        return !tensor.Bytes().Slice(index * size, size).ContainsAnyExcept((byte)0);
    }

}
