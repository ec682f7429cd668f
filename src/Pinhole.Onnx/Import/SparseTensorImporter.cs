using Pinhole.Onnx.Data;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>
/// Densifies a COO SparseTensorProto: values [NNZ] plus indices either [NNZ] (linear) or [NNZ, rank].
/// Pinhole's IR holds only dense tensors.
/// </summary>
internal static class SparseTensorImporter
{
    /// <summary>The name of a sparse tensor is the name of its values tensor.</summary>
    public static string NameOf(SparseTensorProto proto) => proto.Values?.Name ?? "";

    public static Tensor Import(SparseTensorProto proto, ImportContext context, string what)
    {
        if (proto.Values is null)
            throw new InvalidModelException($"{what} is a sparse tensor without values");
        int[] shape = TensorDims.ToShape(proto.Dims, what, external: false, out int count);
        Tensor values = TensorImporter.Import(proto.Values, context.ExternalData, what + " (values)");
        if (values.Rank != 1)
            throw new InvalidModelException($"{what} has sparse values of shape {Tensor.FormatShape(values.Shape)}; they must be 1-D");
        long denseBytes = values.Type == DataType.String ? (long)count * IntPtr.Size : (long)count * DataTypes.SizeOf(values.Type);
        if (denseBytes > context.Options.MaxDensifiedSparseBytes)
            throw new UnsupportedModelException(
                $"{what} ({ElementTypes.Describe(values.Type, shape)}) densifies to {denseBytes} bytes, more than OnnxLoadOptions.MaxDensifiedSparseBytes ({context.Options.MaxDensifiedSparseBytes})");

        int nnz = values.Length;
        long[] linear = LinearIndices(proto.Indices, context, shape, count, nnz, what);
        var dense = Tensor.Zeros(values.Type, shape);
        for (int i = 0; i < nnz; i++) Array.Copy(values.Buffer, values.Offset + i, dense.Buffer, dense.Offset + linear[i], 1);
        return dense;
    }

    private static long[] LinearIndices(TensorProto? proto, ImportContext context, int[] shape, int count, int nnz, string what)
    {
        if (proto is null)
        {
            if (nnz == 0) return [];
            throw new InvalidModelException($"{what} has {nnz} sparse values but no indices");
        }
        Tensor indices = TensorImporter.Import(proto, context.ExternalData, what + " (indices)");
        if (indices.Type is not (DataType.Int64 or DataType.Int32))
            throw new InvalidModelException($"{what} has sparse indices of type {DataTypes.OnnxName(indices.Type)}; they must be int64");

        var linear = new long[nnz];
        if (indices.Rank == 1 && indices.Shape[0] == nnz)
        {
            for (int i = 0; i < nnz; i++)
            {
                linear[i] = indices.GetInt64(i);
                if (linear[i] < 0 || linear[i] >= count)
                    throw new InvalidModelException($"{what}: sparse index {linear[i]} is outside the {count} elements of dims {Tensor.FormatShape(shape)}");
            }
            return linear;
        }
        if (indices.Rank == 2 && indices.Shape[0] == nnz && indices.Shape[1] == shape.Length)
        {
            for (int i = 0; i < nnz; i++)
            {
                long offset = 0;
                for (int axis = 0; axis < shape.Length; axis++)
                {
                    long k = indices.GetInt64(i * shape.Length + axis);
                    if (k < 0 || k >= shape[axis])
                        throw new InvalidModelException($"{what}: sparse index {k} on axis {axis} is outside dims {Tensor.FormatShape(shape)}");
                    offset = offset * shape[axis] + k;
                }
                linear[i] = offset;
            }
            return linear;
        }
        throw new InvalidModelException(
            $"{what} has sparse indices of shape {Tensor.FormatShape(indices.Shape)}; expected [{nnz}] or [{nnz},{shape.Length}]");
    }
}
