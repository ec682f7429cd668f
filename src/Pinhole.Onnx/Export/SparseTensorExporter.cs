using Pinhole.Onnx.Data;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Export;

/// <summary>
/// Writes a dense tensor held by a sparse-tensor attribute back as COO: the non-zero elements with
/// linear int64 indices [NNZ]. The IR keeps only dense data, so this is the same value, not the same bytes.
/// </summary>
internal static class SparseTensorExporter
{
    public static SparseTensorProto Export(Tensor dense, string name = "")
    {
        var nonZero = new List<int>();
        for (int i = 0; i < dense.Length; i++)
            if (!ElementCodec.IsZero(dense, i)) nonZero.Add(i);

        var values = Tensor.Zeros(dense.Type, [nonZero.Count]);
        var indices = new long[nonZero.Count];
        for (int k = 0; k < nonZero.Count; k++)
        {
            Array.Copy(dense.Buffer, dense.Offset + nonZero[k], values.Buffer, values.Offset + k, 1);
            indices[k] = nonZero[k];
        }
        var p = new SparseTensorProto
        {
            Values = TensorExporter.Export(values, name),
            Indices = TensorExporter.Export(Tensor.Vector(indices)),
        };
        foreach (int d in dense.Shape) p.Dims.Add(d);
        return p;
    }
}
