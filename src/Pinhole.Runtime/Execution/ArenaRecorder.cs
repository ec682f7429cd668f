namespace Pinhole.Runtime;

/// <summary>
/// Watches the first run of an input signature: for each slot, whether a kernel allocated it (<see cref="KernelContext.Output"/>
/// or <see cref="KernelContext.OutputUninitialized"/>), passed on a tensor that shares an allocated value's storage
/// (Reshape, Identity, an If branch returning an outer value: an alias that keeps that value's storage alive), or
/// passed on anything else (constants, caller inputs, tensors a kernel made itself).
/// </summary>
internal sealed class ArenaRecorder
{
    public enum Kind : byte
    {
        None,
        Allocated,
        Alias,
        Foreign,
    }

    // Weak keys: the recording run must not keep every intermediate alive (its peak memory would be their sum).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Array, object> _allocatedBy = [];

    public ArenaRecorder(int slots)
    {
        Kinds = new Kind[slots];
        Types = new DataType[slots];
        Shapes = new int[slots][];
        Roots = IntArrays.Filled(slots, -1);
        Uninitialized = new bool[slots];
    }

    public Kind[] Kinds { get; }
    public DataType[] Types { get; }
    public int[][] Shapes { get; }

    /// <summary>For an alias, the allocated slot whose storage it shares (itself for an allocated slot); else -1.</summary>
    public int[] Roots { get; }

    /// <summary>Whether the slot came from <see cref="KernelContext.OutputUninitialized"/> (so it may be written over its input).</summary>
    public bool[] Uninitialized { get; }

    public void Produced(int slot, Tensor tensor, bool uninitialized)
    {
        Kinds[slot] = Kind.Allocated;
        Types[slot] = tensor.Type;
        Shapes[slot] = tensor.Shape;
        Roots[slot] = slot;
        Uninitialized[slot] = uninitialized;
        _allocatedBy.AddOrUpdate(tensor.Buffer, slot);
    }

    public void Passed(int slot, Tensor tensor)
    {
        if (_allocatedBy.TryGetValue(tensor.Buffer, out var boxed))
        {
            int root = (int)boxed;
            if (root == slot) return; // a view of its own allocation: keep the allocated type and shape
            Kinds[slot] = Kind.Alias;
            Roots[slot] = root;
        }
        else
        {
            Kinds[slot] = Kind.Foreign;
            Roots[slot] = -1;
        }
        Types[slot] = tensor.Type;
        Shapes[slot] = tensor.Shape;
    }
}
