using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>CumSum (opset 11+): running sum along the axis given as input 1, optionally exclusive and/or reversed.</summary>
internal static class CumSum
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "CumSum", 11, info => new NnCumulativeKernel(info, product: false));
}

/// <summary>CumSum and CumProd.</summary>
internal sealed class NnCumulativeKernel : OpKernel
{
    private readonly bool _exclusive;
    private readonly bool _reverse;
    private readonly bool _product;

    public NnCumulativeKernel(KernelInfo info, bool product)
    {
        _exclusive = info.GetInt("exclusive", 0) != 0;
        _reverse = info.GetInt("reverse", 0) != 0;
        _product = product;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var axisTensor = context.Input(1);
        if (axisTensor.Length != 1) throw context.Error("axis must hold one value");
        int axis = NnData.Axis(axisTensor.GetInt64(0), x.Rank);
        if (axis < 0) throw context.Error($"axis {axisTensor.GetInt64(0)} is out of range for rank {x.Rank}");
        var y = context.Output(0, x.Type, x.Shape);
        var action = new Action(this, x, y, axis);
        if (x.Type == DataType.BFloat16)
        {
            var xf = Tensor.FromArray(NnData.ToFloatArray(x), x.Shape);
            var yf = Tensor.Zeros<float>(x.Shape);
            new Action(this, xf, yf, axis).Invoke<float>();
            NnData.Store(yf.ReadOnlySpan<float>(), y);
            return;
        }
        TypeDispatch.RequireNumeric(context, x.Type, ref action);
    }

    private readonly struct Action(NnCumulativeKernel kernel, Tensor x, Tensor y, int axis) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var src = x.ReadOnlySpan<T>();
            var dst = y.Span<T>();
            int n = x.Shape[axis], outer = NnData.Product(x.Shape, 0, axis), inner = NnData.Product(x.Shape, axis + 1, x.Rank);
            bool product = kernel._product, exclusive = kernel._exclusive, reverse = kernel._reverse;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int baseIndex = o * n * inner + i;
                    T acc = product ? T.One : T.Zero;
                    for (int k = 0; k < n; k++)
                    {
                        int r = reverse ? n - 1 - k : k;
                        int at = baseIndex + r * inner;
                        if (exclusive)
                        {
                            dst[at] = acc;
                            acc = product ? acc * src[at] : acc + src[at];
                        }
                        else
                        {
                            acc = product ? acc * src[at] : acc + src[at];
                            dst[at] = acc;
                        }
                    }
                }
            }
        }
    }
}
