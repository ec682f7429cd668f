using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>BitCast: reinterprets the bytes as another element type of the same width.</summary>
internal sealed class BitCast : OpKernel
{
    private readonly DataType _to;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "BitCast", 26, info => new BitCast(info));

    private BitCast(KernelInfo info)
    {
        long to = info.GetInt("to");
        if (!Enum.IsDefined(typeof(DataType), (int)to) || to is 0 or (long)DataType.String)
            throw info.Invalid($"cannot bitcast to element type {to}");
        _to = (DataType)to;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type == DataType.String) throw context.Error("cannot bitcast strings");
        if (DataTypes.SizeOf(x.Type) != DataTypes.SizeOf(_to) || IsSubByte(x.Type) != IsSubByte(_to))
            throw context.Error($"cannot bitcast {DataTypes.OnnxName(x.Type)} to {DataTypes.OnnxName(_to)}: widths differ");
        var y = context.Output(0, _to, x.Shape);
        x.Bytes().CopyTo(y.Bytes());
        if (_to == DataType.Bool)
        {
            var b = y.Span<bool>();
            var raw = x.Bytes();
            for (int i = 0; i < b.Length; i++) b[i] = raw[i] != 0;
        }
    }

    private static bool IsSubByte(DataType t) =>
        t is DataType.Int4 or DataType.UInt4 or DataType.Int2 or DataType.UInt2 or DataType.Float4E2M1;
}
