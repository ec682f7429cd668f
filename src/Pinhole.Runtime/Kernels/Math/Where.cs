using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Where (opset 9; 16 adds bfloat16): condition ? X : Y with three-way broadcasting, any element type.</summary>
internal sealed class Where : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Where", 9, _ => new Where());

    public override void Execute(KernelContext context)
    {
        var c = context.Input(0);
        var x = context.Input(1);
        var y = context.Input(2);
        if (c.Type != DataType.Bool) throw context.Error($"condition must be bool, not {DataTypes.OnnxName(c.Type)}");
        if (x.Type != y.Type) throw context.Error($"X and Y types differ: {DataTypes.OnnxName(x.Type)} and {DataTypes.OnnxName(y.Type)}");
        int[] shape;
        try { shape = Broadcast.ShapeOfAll(c.Shape, x.Shape, y.Shape); }
        catch (ArgumentException e) { throw context.Error(e.Message); }
        var output = context.Output(0, x.Type, shape);
        switch (x.Storage)
        {
            case ElementStorage.Float: Select<float>(c, x, y, output); break;
            case ElementStorage.Double: Select<double>(c, x, y, output); break;
            case ElementStorage.Half: Select<Half>(c, x, y, output); break;
            case ElementStorage.BFloat16: Select<BFloat16>(c, x, y, output); break;
            case ElementStorage.SByte: Select<sbyte>(c, x, y, output); break;
            case ElementStorage.Byte: Select<byte>(c, x, y, output); break;
            case ElementStorage.Int16: Select<short>(c, x, y, output); break;
            case ElementStorage.UInt16: Select<ushort>(c, x, y, output); break;
            case ElementStorage.Int32: Select<int>(c, x, y, output); break;
            case ElementStorage.UInt32: Select<uint>(c, x, y, output); break;
            case ElementStorage.Int64: Select<long>(c, x, y, output); break;
            case ElementStorage.UInt64: Select<ulong>(c, x, y, output); break;
            case ElementStorage.Bool: Select<bool>(c, x, y, output); break;
            case ElementStorage.String: Select<string>(c, x, y, output); break;
            default: throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        }
    }

    private static void Select<T>(Tensor c, Tensor x, Tensor y, Tensor output)
    {
        var cs = c.ReadOnlySpan<bool>();
        var xs = x.ReadOnlySpan<T>();
        var ys = y.ReadOnlySpan<T>();
        var d = output.Span<T>();
        if (d.Length == 0) return;
        if (cs.Length == d.Length && xs.Length == d.Length && ys.Length == d.Length)
        {
            for (int i = 0; i < d.Length; i++) d[i] = cs[i] ? xs[i] : ys[i];
            return;
        }
        var shape = output.Shape;
        int rank = shape.Length;
        var sc = Broadcast.Strides(c.Shape, shape);
        var sx = Broadcast.Strides(x.Shape, shape);
        var sy = Broadcast.Strides(y.Shape, shape);
        Span<int> index = stackalloc int[Math.Max(rank, 1)];
        index.Clear();
        int ci = 0, xi = 0, yi = 0;
        for (int o = 0; o < d.Length; o++)
        {
            d[o] = cs[ci] ? xs[xi] : ys[yi];
            for (int k = rank - 1; k >= 0; k--)
            {
                ci += sc[k];
                xi += sx[k];
                yi += sy[k];
                if (++index[k] < shape[k]) break;
                ci -= sc[k] * shape[k];
                xi -= sx[k] * shape[k];
                yi -= sy[k] * shape[k];
                index[k] = 0;
            }
        }
    }
}
