using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Pinhole.Tools;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0): little-endian, C order, element types
/// float16/32/64, int8..int64, uint8..uint64 and bool. Malformed or unsupported files fail with
/// <see cref="InvalidInputException"/>.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Largest header accepted when reading (numpy itself refuses headers over 10 000 bytes by default).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidInputException">The file is not a well-formed .npy file of a supported type.</exception>
    public static Tensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(stream, $"'{path}'");
    }

    /// <summary>Reads a .npy file from the rest of <paramref name="stream"/>.</summary>
    public static Tensor Read(Stream stream) => Read(stream, "the .npy stream");

    private static Tensor Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        if (!TryReadExactly(stream, prefix) || !prefix[..6].SequenceEqual(Magic))
            throw new InvalidInputException($"{source} is not a .npy file (no \\x93NUMPY magic)");
        byte major = prefix[6];
        if (major is not (1 or 2 or 3))
            throw new InvalidInputException($"{source}: .npy format version {major}.{prefix[7]} is not supported (1.0, 2.0, 3.0 are)");

        long headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            if (!TryReadExactly(stream, len)) throw Truncated(source, "header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else
        {
            Span<byte> len = stackalloc byte[4];
            if (!TryReadExactly(stream, len)) throw Truncated(source, "header length");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(len);
        }
        if (headerLength > MaxHeaderBytes)
            throw new InvalidInputException($"{source}: header of {headerLength} bytes is larger than the {MaxHeaderBytes} accepted");
        var headerBytes = new byte[headerLength];
        if (!TryReadExactly(stream, headerBytes)) throw Truncated(source, "header");
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidInputException($"{source}: header is not valid UTF-8", e);
        }

        var (descr, fortran, shape) = ParseHeader(header, source);
        if (fortran && shape.Count(d => d > 1) > 1)
            throw new InvalidInputException($"{source}: Fortran-order arrays are not supported; save with numpy.ascontiguousarray");
        var (type, bigEndian) = ParseDescr(descr, source);

        int[] dims;
        int length;
        try
        {
            dims = shape.Select(d => checked((int)d)).ToArray();
            length = Tensor.ElementCount(dims);
        }
        catch (Exception e) when (e is OverflowException or ArgumentException)
        {
            throw new InvalidInputException($"{source}: shape ({string.Join(", ", shape)}) is too large", e);
        }

        var tensor = Tensor.Zeros(type, dims);
        var bytes = tensor.Bytes();
        if (!TryReadExactly(stream, bytes))
            throw new InvalidInputException($"{source}: data is truncated: shape ({string.Join(", ", shape)}) of {descr} needs {bytes.Length} bytes");
        if (stream.ReadByte() >= 0)
            throw new InvalidInputException($"{source}: data is longer than shape ({string.Join(", ", shape)}) of {descr} needs ({bytes.Length} bytes)");

        int size = DataTypes.SizeOf(type);
        if (bigEndian != !BitConverter.IsLittleEndian && size > 1) SwapBytes(bytes, size);
        if (type == DataType.Bool)
        {
            foreach (byte b in bytes)
                if (b > 1) throw new InvalidInputException($"{source}: bool element with byte value {b} (expected 0 or 1)");
        }
        return tensor;
    }

    /// <summary>Writes <paramref name="tensor"/> as a .npy file (version 1.0, or 2.0 when the header needs it).</summary>
    /// <exception cref="ArgumentException">The element type has no .npy equivalent here (strings, bfloat16, float8, int4...).</exception>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        Write(stream, tensor);
    }

    /// <inheritdoc cref="Write(string, Tensor)"/>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        string descr = DescrOf(tensor.Type)
            ?? throw new ArgumentException($"{DataTypes.OnnxName(tensor.Type)} tensors cannot be written as .npy", nameof(tensor));
        string shape = tensor.Rank switch
        {
            0 => "()",
            1 => $"({tensor.Shape[0]},)",
            _ => "(" + string.Join(", ", tensor.Shape) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";

        // Pad with spaces and end with \n so that the data starts at a multiple of 64 bytes.
        int prefixV1 = Magic.Length + 2 + 2;
        int major = prefixV1 + dict.Length + 1 <= ushort.MaxValue ? 1 : 2;
        int prefix = major == 1 ? prefixV1 : Magic.Length + 2 + 4;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict + new string(' ', total - prefix - dict.Length - 1) + "\n";

        stream.Write(Magic);
        stream.WriteByte((byte)major);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[4];
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
            stream.Write(len[..2]);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
            stream.Write(len);
        }
        stream.Write(Encoding.ASCII.GetBytes(header));

        var bytes = tensor.Bytes();
        int size = DataTypes.SizeOf(tensor.Type);
        if (!BitConverter.IsLittleEndian && size > 1)
        {
            var copy = bytes.ToArray();
            SwapBytes(copy, size);
            stream.Write(copy);
        }
        else
        {
            stream.Write(bytes);
        }
    }

    private static string? DescrOf(DataType type) => type switch
    {
        DataType.Float => "<f4",
        DataType.Double => "<f8",
        DataType.Float16 => "<f2",
        DataType.Int8 => "|i1",
        DataType.UInt8 => "|u1",
        DataType.Int16 => "<i2",
        DataType.UInt16 => "<u2",
        DataType.Int32 => "<i4",
        DataType.UInt32 => "<u4",
        DataType.Int64 => "<i8",
        DataType.UInt64 => "<u8",
        DataType.Bool => "|b1",
        _ => null,
    };

    private static (DataType Type, bool BigEndian) ParseDescr(string descr, string source)
    {
        if (descr.Length < 3) throw new InvalidInputException($"{source}: unsupported element type '{descr}'");
        char order = descr[0];
        string kind = descr[1..];
        DataType type = kind switch
        {
            "f2" => DataType.Float16,
            "f4" => DataType.Float,
            "f8" => DataType.Double,
            "i1" => DataType.Int8,
            "i2" => DataType.Int16,
            "i4" => DataType.Int32,
            "i8" => DataType.Int64,
            "u1" => DataType.UInt8,
            "u2" => DataType.UInt16,
            "u4" => DataType.UInt32,
            "u8" => DataType.UInt64,
            "b1" => DataType.Bool,
            _ => throw new InvalidInputException(
                $"{source}: unsupported element type '{descr}' (supported: f2, f4, f8, i1..i8, u1..u8, b1)"),
        };
        bool big = order switch
        {
            '<' => false,
            '>' => true,
            '=' => !BitConverter.IsLittleEndian,
            '|' => false,
            _ => throw new InvalidInputException($"{source}: unsupported byte order '{order}' in '{descr}'"),
        };
        if (big && DataTypes.SizeOf(type) > 1)
            throw new InvalidInputException($"{source}: big-endian data ('{descr}') is not supported; save little-endian");
        return (type, big);
    }

    /// <summary>Parses the header, a Python dict literal such as <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.</summary>
    private static (string Descr, bool Fortran, long[] Shape) ParseHeader(string header, string source)
    {
        var p = new HeaderParser(header, source);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        p.Expect('{');
        while (true)
        {
            p.SkipSpace();
            if (p.TryTake('}')) break;
            string key = p.String();
            p.Expect(':');
            switch (key)
            {
                case "descr":
                    descr = p.String();
                    break;
                case "fortran_order":
                    fortran = p.Bool();
                    break;
                case "shape":
                    shape = p.Tuple();
                    break;
                default:
                    throw new InvalidInputException($"{source}: unexpected header key '{key}'");
            }
            p.SkipSpace();
            if (p.TryTake(',')) continue;
            p.Expect('}');
            break;
        }
        p.SkipSpace();
        if (!p.AtEnd) throw new InvalidInputException($"{source}: unexpected text after the header dictionary");
        if (descr is null || fortran is null || shape is null)
            throw new InvalidInputException($"{source}: header lacks {(descr is null ? "'descr'" : fortran is null ? "'fortran_order'" : "'shape'")}");
        return (descr, fortran.Value, shape);
    }

    private sealed class HeaderParser(string text, string source)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        public bool TryTake(char c)
        {
            SkipSpace();
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }
            return false;
        }

        public void Expect(char c)
        {
            if (!TryTake(c)) throw Error($"expected '{c}'");
        }

        public string String()
        {
            SkipSpace();
            if (_pos >= text.Length || text[_pos] is not ('\'' or '"')) throw Error("expected a quoted string");
            char quote = text[_pos++];
            int start = _pos;
            while (_pos < text.Length && text[_pos] != quote) _pos++;
            if (_pos >= text.Length) throw Error("unterminated string");
            return text[start.._pos++];
        }

        public bool Bool()
        {
            SkipSpace();
            if (Take("True")) return true;
            if (Take("False")) return false;
            throw Error("expected True or False");
        }

        public long[] Tuple()
        {
            Expect('(');
            var dims = new List<long>();
            while (true)
            {
                if (TryTake(')')) break;
                SkipSpace();
                int start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                // Python 2 wrote long dimensions with an L suffix.
                string digits = text[start.._pos];
                if (_pos < text.Length && text[_pos] == 'L') _pos++;
                if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long d))
                    throw Error("expected a non-negative dimension");
                dims.Add(d);
                if (TryTake(',')) continue;
                Expect(')');
                break;
            }
            return [.. dims];
        }

        private bool Take(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length;
            return true;
        }

        private InvalidInputException Error(string what) =>
            new($"{source}: malformed header at offset {_pos}: {what} in \"{text.TrimEnd()}\"");
    }

    private static InvalidInputException Truncated(string source, string what) =>
        new($"{source} is truncated: it ends inside the {what}");

    private static bool TryReadExactly(Stream stream, Span<byte> buffer)
    {
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return read == buffer.Length;
    }

    private static void SwapBytes(Span<byte> bytes, int size)
    {
        for (int i = 0; i + size <= bytes.Length; i += size) bytes.Slice(i, size).Reverse();
    }
}
