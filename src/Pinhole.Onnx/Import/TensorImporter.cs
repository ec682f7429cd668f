using Pinhole.Onnx.Data;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>TensorProto to <see cref="Tensor"/>: checks type, dims and data size before copying anything.</summary>
internal static class TensorImporter
{
    /// <param name="what">Names the tensor in error messages, e.g. "initializer 'W'".</param>
    public static Tensor Import(TensorProto proto, ExternalDataReader externalData, string what)
    {
        DataType type = ElementTypes.ForData(proto.DataType, what);
        bool external = proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External;
        if (proto.HasDataLocation && !external && proto.DataLocation != TensorProto.Types.DataLocation.Default)
            throw new InvalidModelException($"{what} has unknown data_location {(int)proto.DataLocation}");
        int[] shape = TensorDims.ToShape(proto.Dims, what, external, out int count);
        if (proto.Segment is not null)
            throw new UnsupportedModelException($"{what} is stored in segments, which Pinhole does not read");

        if (external || proto.HasRawData)
        {
            if (type == DataType.String)
                throw new InvalidModelException($"{what} is a string tensor with raw or external data; strings must be in string_data");
            long expected = ElementTypes.RawByteCount(type, count);
            if (external) return FromRaw(externalData.Read(proto, what, expected), type, shape);
            if (proto.RawData.Length != expected)
                throw new InvalidModelException(
                    $"{what} ({ElementTypes.Describe(type, shape)}) needs {expected} bytes of raw_data but has {proto.RawData.Length}");
            return FromRaw(proto.RawData.Span, type, shape);
        }
        return TypedFieldDecoder.Decode(proto, type, shape, count, what);
    }

    private static Tensor FromRaw(ReadOnlySpan<byte> raw, DataType type, int[] shape)
    {
        var tensor = Tensor.Zeros(type, shape);
        ElementCodec.DecodeRaw(raw, tensor);
        return tensor;
    }
}
