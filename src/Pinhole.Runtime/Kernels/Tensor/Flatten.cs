using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Flatten: a 2-D view [prod(dims before axis), prod(dims from axis)].</summary>
internal sealed class Flatten : OpKernel
{
    private readonly long _axis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Flatten", 1, info => new Flatten(info));

    private Flatten(KernelInfo info) => _axis = info.GetInt("axis", 1);

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        if (_axis < -rank || _axis > rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        int o = (int)outer;
        int inner = o == 0 ? Tensor.ElementCount(x.Shape.AsSpan(axis)) : x.Length / o;
        context.SetOutput(0, x.Reshape([o, inner]));
    }
}
