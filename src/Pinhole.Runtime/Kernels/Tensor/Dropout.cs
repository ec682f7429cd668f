using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Dropout in inference: output = input, mask all true. Training mode with a positive ratio is not supported.</summary>
internal sealed class Dropout : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Dropout", 1, _ => new Dropout());
        KernelRegistry.Register("", "Dropout", 12, _ => new Dropout());
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (context.OptionalInput(2) is { } training && training.Length > 0 && training.GetInt64(0) != 0)
        {
            double ratio = context.OptionalInput(1) is { } r && r.Length > 0 ? r.GetDouble(0) : 0.5;
            if (ratio > 0) throw context.Error("training mode with a positive ratio is not supported");
        }
        context.SetOutput(0, x);
        if (context.HasOutput(1))
        {
            var mask = context.Output(1, DataType.Bool, x.Shape);
            mask.Span<bool>().Fill(true);
        }
    }
}
