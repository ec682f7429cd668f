using Google.Protobuf;

namespace Pinhole.Onnx.Import;

/// <summary>
/// Recognizes the wire shape of ONNX's SequenceProto, OptionalProto and MapProto (onnx-data.proto): a name (1),
/// an element or key type (2), and value fields 3 to 7. Used only to explain why a .pb file is not a tensor.
/// </summary>
internal static class NonTensorValue
{
    /// <summary>"a sequence, optional or map value 'x' (elem_type n)", or null if the bytes do not look like one.</summary>
    public static string? Describe(byte[] bytes)
    {
        string? name = null;
        long? elemType = null;
        try
        {
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                int field = WireFormat.GetTagFieldNumber(tag);
                var wire = WireFormat.GetTagWireType(tag);
                if (field == 1 && wire == WireFormat.WireType.LengthDelimited) name = input.ReadString();
                else if (field == 2 && wire == WireFormat.WireType.Varint) elemType = input.ReadInt64();
                else if (field is >= 3 and <= 7) input.SkipLastField();
                else return null;
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
        if (elemType is not (>= 0 and <= Data.ElementTypes.MaxDefined)) return null;
        return $"an ONNX sequence, optional or map value '{name}' (SequenceProto, OptionalProto or MapProto, element type {elemType})";
    }
}
