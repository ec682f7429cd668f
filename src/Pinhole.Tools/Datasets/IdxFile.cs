using System.Buffers.Binary;
using System.IO.Compression;

namespace Pinhole.Tools.Datasets;

/// <summary>
/// An IDX file (LeCun's MNIST format): magic 0x00 0x00, element type (0x08 = unsigned byte), rank, then each dimension
/// as a big-endian int32 and the data. Read whole, gunzipped when it starts with the gzip magic.
/// </summary>
internal sealed record IdxFile(int[] Shape, byte[] Data)
{
    private const byte UnsignedByte = 0x08;

    public static IdxFile Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            {
                using var gzip = new GZipStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException($"'{path}' is not a valid gzip file: {e.Message}", e);
        }
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidInputException($"'{path}' is not an IDX file (it does not start with 0x00 0x00)");
        if (bytes[2] != UnsignedByte)
            throw new InvalidInputException($"'{path}': IDX element type 0x{bytes[2]:x2} is not supported (only 0x08, unsigned bytes)");
        int rank = bytes[3];
        if (rank == 0 || bytes.Length < 4 + 4 * rank)
            throw new InvalidInputException($"'{path}' is truncated: it ends inside the IDX header (rank {rank})");
        var shape = new int[rank];
        long length = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (d > int.MaxValue) throw new InvalidInputException($"'{path}': IDX dimension {i} of {d} is too large");
            shape[i] = (int)d;
            length *= d;
        }
        long actual = bytes.Length - 4 - 4L * rank;
        if (actual != length)
            throw new InvalidInputException(
                $"'{path}': IDX shape {Tensor.FormatShape(shape)} needs {length} bytes of data but the file has {actual}");
        return new IdxFile(shape, bytes[(4 + 4 * rank)..]);
    }
}
