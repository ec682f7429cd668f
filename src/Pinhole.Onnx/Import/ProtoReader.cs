using Google.Protobuf;

namespace Pinhole.Onnx.Import;

/// <summary>Parses protobuf with explicit limits, turning every parser failure into <see cref="InvalidModelException"/>.</summary>
internal static class ProtoReader
{
    /// <summary>Protobuf messages cannot exceed 2 GiB; ONNX puts larger weights in external data.</summary>
    public const long MaxMessageBytes = int.MaxValue;

    public static T Parse<T>(MessageParser<T> parser, Stream stream, int recursionLimit, string what)
        where T : IMessage<T>
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaxMessageBytes)
            throw TooLarge(what, stream.Length - stream.Position);
        try
        {
            using var input = CodedInputStream.CreateWithLimits(stream, int.MaxValue, recursionLimit);
            return parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidModelException($"{what} is not a valid ONNX protobuf message: {e.Message}", e);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            // Protobuf string fields must be UTF-8; the parser reports violations with a decoder exception.
            throw new InvalidModelException($"{what} is not a valid ONNX protobuf message: a string field is not valid UTF-8", e);
        }
    }

    public static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> bytes, int recursionLimit, string what)
        where T : IMessage<T>
    {
        using var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return Parse(parser, stream, recursionLimit, what);
    }

    public static InvalidModelException TooLarge(string what, long bytes) =>
        new($"{what} is {bytes} bytes; an ONNX protobuf file cannot exceed 2 GiB ({MaxMessageBytes} bytes), larger weights belong in external data");
}
