namespace Pinhole.Runtime;

/// <summary>
/// The memory of one run under an <see cref="ArenaPlan"/>: one array per storage type, and a view tensor per planned
/// slot, made once, so a planned output costs no allocation. Rented by one run at a time.
/// </summary>
internal sealed class Arena
{
    private readonly ArenaPlan _plan;
    private readonly Tensor?[] _views;
    private readonly Array[] _storages;

    public Arena(ArenaPlan plan)
    {
        _plan = plan;
        var byStorage = new Array?[plan.StorageLength.Length];
        var storages = new List<Array>();
        for (int k = 0; k < byStorage.Length; k++)
        {
            if (plan.StorageLength[k] == 0) continue;
            byStorage[k] = Tensor.AllocateStorage(plan.StorageType[k], plan.StorageLength[k]);
            storages.Add(byStorage[k]!);
        }
        _storages = [.. storages];
        _views = new Tensor?[plan.Offsets.Length];
        for (int s = 0; s < _views.Length; s++)
        {
            if (plan.Offsets[s] < 0) continue;
            var storage = byStorage[(int)DataTypes.StorageOf(plan.Types[s])];
            if (storage is not null) _views[s] = Tensor.View(plan.Types[s], storage, plan.Offsets[s], plan.Shapes[s]);
        }
    }

    public ArenaPlan Plan => _plan;

    /// <summary>Slot's planned view when <paramref name="type"/> and <paramref name="shape"/> match the plan (cleared if asked), else null.</summary>
    public Tensor? Take(int slot, DataType type, ReadOnlySpan<int> shape, bool clear)
    {
        var view = _views[slot];
        if (view is null || view.Type != type || !shape.SequenceEqual(view.Shape)) return null;
        if (clear)
        {
            // Cleared output over its own input would erase the input: take the heap instead.
            if (_plan.SharesInput[slot]) return null;
            view.Bytes().Clear();
        }
        return view;
    }

    /// <summary>Whether <paramref name="array"/> is one of this arena's arrays.</summary>
    public bool Owns(Array array)
    {
        foreach (var a in _storages)
            if (ReferenceEquals(a, array)) return true;
        return false;
    }

    /// <summary>
    /// A tensor passed on as <paramref name="slot"/>: kept when it is not arena memory or lies in the range of the
    /// value the plan expects it to alias (whose lifetime covers it); otherwise copied to the heap, as its range may
    /// be reused while it is alive.
    /// </summary>
    public Tensor Admit(int slot, Tensor tensor)
    {
        if (!Owns(tensor.Buffer)) return tensor;
        int root = _plan.AliasRoots[slot];
        if (root >= 0 && _views[root] is { } block && ReferenceEquals(block.Buffer, tensor.Buffer)
            && tensor.Offset >= block.Offset && (long)tensor.Offset + tensor.Length <= (long)block.Offset + block.Length)
            return tensor;
        return tensor.Clone();
    }
}
