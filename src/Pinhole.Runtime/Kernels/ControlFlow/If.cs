using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>If: runs then_branch or else_branch depending on a boolean scalar (opset 1+; tensor values only).</summary>
internal sealed class If : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "If", 1, info => new If(info));

    private readonly Subgraph _then;
    private readonly Subgraph _else;

    private If(KernelInfo info)
    {
        _then = info.CompileSubgraph(info.GetGraph("then_branch"));
        _else = info.CompileSubgraph(info.GetGraph("else_branch"));
        if (_then.OutputCount != info.OutputCount || _else.OutputCount != info.OutputCount)
            throw info.Invalid($"branches produce {_then.OutputCount} and {_else.OutputCount} outputs, the node has {info.OutputCount}");
    }

    public override void Execute(KernelContext context)
    {
        var cond = context.Input(0);
        if (cond.Length != 1) throw context.Error($"cond must hold one element, has shape {Tensor.FormatShape(cond.Shape)}");
        bool c = cond.GetDouble(0) != 0;
        var outputs = context.Run(c ? _then : _else, ReadOnlySpan<Tensor?>.Empty);
        for (int i = 0; i < outputs.Length; i++) context.SetOutput(i, outputs[i]);
    }
}
