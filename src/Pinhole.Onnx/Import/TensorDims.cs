using Google.Protobuf.Collections;

namespace Pinhole.Onnx.Import;

/// <summary>Validates TensorProto dims before anything is allocated from them.</summary>
internal static class TensorDims
{
    /// <summary>The dims as a Pinhole shape, with the element count.</summary>
    /// <exception cref="InvalidModelException">Negative dims, or more elements than a tensor holds and the data is inline.</exception>
    /// <exception cref="UnsupportedModelException">More elements than a Pinhole tensor holds, with data stored externally.</exception>
    public static int[] ToShape(RepeatedField<long> dims, string what, bool external, out int count)
    {
        foreach (long d in dims)
            if (d < 0)
                throw new InvalidModelException($"{what} has negative dimension {d} in dims {Format(dims)}");

        bool empty = dims.Contains(0);
        long product = 1;
        foreach (long d in dims)
        {
            if (!empty && (d > Tensor.MaxElements || (product *= d) > Tensor.MaxElements))
            {
                string message = $"{what} claims dims {Format(dims)}, more than the {Tensor.MaxElements} elements a Pinhole tensor holds";
                // Inline data this large cannot be in a 2 GiB protobuf, so the dims are wrong; external data might be real.
                throw external ? new UnsupportedModelException(message) : new InvalidModelException(message);
            }
        }
        // A zero dimension makes the tensor empty, but every dimension must still fit a Pinhole shape.
        foreach (long d in dims)
            if (d > int.MaxValue)
                throw new InvalidModelException($"{what} has dimension {d} in dims {Format(dims)}, larger than {int.MaxValue}");

        count = empty ? 0 : (int)product;
        var shape = new int[dims.Count];
        for (int i = 0; i < shape.Length; i++) shape[i] = (int)dims[i];
        return shape;
    }

    public static string Format(IEnumerable<long> dims) => "[" + string.Join(",", dims) + "]";
}
