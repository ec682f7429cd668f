using System.Text;
using Google.Protobuf;
using Pinhole.Onnx.Data;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Export;

/// <summary><see cref="Tensor"/> to TensorProto: raw_data for fixed-size types (sub-byte packed), string_data for strings.</summary>
internal static class TensorExporter
{
    public static TensorProto Export(Tensor tensor, string name = "")
    {
        if (tensor.Type is DataType.Undefined or DataType.Complex64 or DataType.Complex128)
            throw new UnsupportedModelException($"tensor '{name}' has element type {DataTypes.OnnxName(tensor.Type)}, which ONNX export does not write");
        var p = new TensorProto { DataType = (int)tensor.Type };
        if (name.Length > 0) p.Name = name;
        foreach (int d in tensor.Shape) p.Dims.Add(d);
        if (tensor.Type == DataType.String)
        {
            foreach (string s in tensor.ReadOnlySpan<string>()) p.StringData.Add(ByteString.CopyFrom(Encoding.UTF8.GetBytes(s)));
            return p;
        }
        // EncodeRaw returns a fresh array nobody else holds, so wrapping it without a copy is safe.
        p.RawData = UnsafeByteOperations.UnsafeWrap(ElementCodec.EncodeRaw(tensor));
        return p;
    }
}
