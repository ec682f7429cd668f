using System.Text;

namespace Pinhole.Tools.Tests;

public class NpyTests
{
    public static TheoryData<Tensor> RoundTripCases() =>
    [
        Tensor.FromArray(new[] { 1.5f, -2f, float.NaN, float.PositiveInfinity, 0f, 3e-39f }, [2, 3]),
        Tensor.FromArray(new[] { 1.0, -2.25, double.MaxValue }, [3]),
        Tensor.FromArray(new[] { (Half)1.5, (Half)(-0.25) }, [2, 1]),
        Tensor.FromArray(new sbyte[] { -128, 0, 127 }, [3]),
        Tensor.FromArray(new byte[] { 0, 255 }, [1, 2]),
        Tensor.FromArray(new short[] { short.MinValue, 7 }, [2]),
        Tensor.FromArray(new ushort[] { ushort.MaxValue, 7 }, [2]),
        Tensor.FromArray(new[] { int.MinValue, 1, int.MaxValue }, [3, 1, 1]),
        Tensor.FromArray(new uint[] { uint.MaxValue }, [1]),
        Tensor.FromArray(new[] { long.MinValue, long.MaxValue }, [2]),
        Tensor.FromArray(new ulong[] { ulong.MaxValue, 0 }, [2]),
        Tensor.FromArray(new[] { true, false, true }, [3]),
        Tensor.Scalar(42f),
        Tensor.Zeros(DataType.Float, [2, 0, 3]),
    ];

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void Write_then_read_gives_the_same_tensor(Tensor tensor)
    {
        var stream = new MemoryStream();
        Npy.Write(stream, tensor);
        Assert.Equal(0, (stream.Length - tensor.Bytes().Length) % 64);
        stream.Position = 0;
        var back = Npy.Read(stream);
        Assert.Equal(tensor.Type, back.Type);
        Assert.Equal(tensor.Shape, back.Shape);
        Assert.Equal(tensor.Bytes().ToArray(), back.Bytes().ToArray());
    }

    [Fact]
    public void Written_header_is_numpy_v1_with_data_aligned_to_64_bytes()
    {
        var stream = new MemoryStream();
        Npy.Write(stream, Tensor.FromArray(new[] { 1f, 2f, 3f }, [3]));
        var bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = bytes[8] | bytes[9] << 8;
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", header, StringComparison.Ordinal);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Equal(10 + headerLength + 12, bytes.Length);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_versions_2_and_3(byte major)
    {
        var bytes = File(major, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", BitConverter.GetBytes(7).Concat(BitConverter.GetBytes(-1)).ToArray());
        var t = Npy.Read(new MemoryStream(bytes));
        Assert.Equal(DataType.Int32, t.Type);
        Assert.Equal(new[] { 7, -1 }, t.Span<int>().ToArray());
    }

    [Fact]
    public void Reads_headers_written_by_other_writers()
    {
        // Double quotes, no trailing comma, a Python 2 long, fortran_order on a vector (same layout as C order).
        var bytes = File(1, "{\"shape\": (3L,), \"fortran_order\": True, \"descr\": \"|u1\"}", [1, 2, 3]);
        var t = Npy.Read(new MemoryStream(bytes));
        Assert.Equal(new byte[] { 1, 2, 3 }, t.Span<byte>().ToArray());
    }

    [Fact]
    public void Reads_a_scalar()
    {
        var t = Npy.Read(new MemoryStream(File(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", BitConverter.GetBytes(2.5))));
        Assert.Empty(t.Shape);
        Assert.Equal(2.5, t.Span<double>()[0]);
    }

    public static TheoryData<string, byte[]> MalformedCases() => new()
    {
        { "magic", Encoding.ASCII.GetBytes("not a numpy file at all") },
        { "magic", [] },
        { "version", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 9, 0, 0, 0] },
        { "truncated", [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0x40] },
        { "truncated", File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0])[..20] },
        { "truncated", File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0, 0, 0, 0, 0]) },
        { "longer", File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0]) },
        { "element type", File(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]) },
        { "element type", File(1, "{'descr': 'O', 'fortran_order': False, 'shape': (1,), }", new byte[8]) },
        { "big-endian", File(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new byte[4]) },
        { "Fortran", File(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]) },
        { "lacks 'shape'", File(1, "{'descr': '<f4', 'fortran_order': False, }", new byte[4]) },
        { "malformed header", File(1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", new byte[4]) },
        { "malformed header", File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[4]) },
        { "malformed header", File(1, "['descr', '<f4']", new byte[4]) },
        { "unexpected header key", File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", new byte[4]) },
        { "too large", File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", new byte[4]) },
        { "bool element", File(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", [2]) },
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Malformed_files_fail_with_InvalidInputException(string expected, byte[] bytes)
    {
        var e = Assert.Throws<InvalidInputException>(() => Npy.Read(new MemoryStream(bytes)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_FileNotFound_and_the_file_path_is_named()
    {
        Assert.Throws<FileNotFoundException>(() => Npy.Read(Path.Combine(Path.GetTempPath(), "pinhole-no-such-file.npy")));
        string path = Path.Combine(Path.GetTempPath(), $"pinhole-npy-{Guid.NewGuid():N}.npy");
        System.IO.File.WriteAllBytes(path, [1, 2, 3]);
        try
        {
            var e = Assert.Throws<InvalidInputException>(() => Npy.Read(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void Types_without_an_npy_equivalent_are_refused_on_write() =>
        Assert.Throws<ArgumentException>(() => Npy.Write(new MemoryStream(), Tensor.FromArray(new[] { "a" }, [1])));

    private static byte[] File(byte major, string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0 };
        if (major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)h.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)h.Length));
        bytes.AddRange(h);
        bytes.AddRange(data);
        return [.. bytes];
    }
}
