using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Clip: clamps to [min, max]. Opset 1/6 read float attributes; opset 11+ read optional scalar inputs 1 and 2
/// (opset 12+ any numeric type). min is applied before max, so min &gt; max gives max everywhere (as numpy.clip).
/// </summary>
internal sealed class Clip : OpKernel
{
    private readonly bool _fromInputs;
    private readonly float? _minAttribute;
    private readonly float? _maxAttribute;

    private Clip(KernelInfo info)
    {
        _fromInputs = info.OpsetVersion >= 11;
        if (!_fromInputs)
        {
            _minAttribute = info.HasAttribute("min") ? info.GetFloat("min", 0) : null;
            _maxAttribute = info.HasAttribute("max") ? info.GetFloat("max", 0) : null;
        }
    }

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Clip", 1, info => new Clip(info));

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        Tensor? min = null, max = null;
        if (_fromInputs)
        {
            min = context.OptionalInput(1);
            max = context.OptionalInput(2);
            foreach (var bound in (ReadOnlySpan<Tensor?>)[min, max])
            {
                if (bound is null) continue;
                if (bound.Length != 1) throw context.Error($"min and max must be scalars, got shape {Tensor.FormatShape(bound.Shape)}");
                if (bound.Type != x.Type) throw context.Error($"min/max type {DataTypes.OnnxName(bound.Type)} differs from input type {DataTypes.OnnxName(x.Type)}");
            }
        }
        if (x.Type == DataType.BFloat16)
        {
            var xf = FloatConversion.ToFloat(x);
            var r = new float[x.Length];
            Apply(xf.ReadOnlySpan<float>(), r, Bound<float>(min, _minAttribute), Bound<float>(max, _maxAttribute));
            FloatConversion.FromFloat(r, context.Output(0, x.Type, x.Shape));
            return;
        }
        var action = new Action(this, x, min, max, context.OutputUninitialized(0, x.Type, x.Shape));
        TypeDispatch.RequireNumeric(context, x.Type, ref action);
    }

    private static (bool Has, T Value) Bound<T>(Tensor? input, float? attribute) where T : unmanaged, INumber<T>
    {
        if (input is not null)
            return (true, input.Type == DataType.BFloat16 ? T.CreateTruncating((float)input.ReadOnlySpan<BFloat16>()[0]) : input.ReadOnlySpan<T>()[0]);
        if (attribute is float a) return (true, T.CreateSaturating(a));
        return (false, T.Zero);
    }

    private static void Apply<T>(ReadOnlySpan<T> x, Span<T> y, (bool Has, T Value) min, (bool Has, T Value) max) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        {
            if (!NnFast.Enabled)
            {
                x.CopyTo(y);
                if (min.Has) TensorPrimitives.Max(y, min.Value, y);
                if (max.Has) TensorPrimitives.Min(y, max.Value, y);
                return;
            }
            // One pass fewer: the first bound reads x directly.
            if (min.Has) TensorPrimitives.Max(x, min.Value, y);
            if (max.Has) TensorPrimitives.Min(min.Has ? y : x, max.Value, y);
            if (!min.Has && !max.Has) x.CopyTo(y);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            if (min.Has && v < min.Value) v = min.Value;
            if (max.Has && v > max.Value) v = max.Value;
            y[i] = v;
        }
    }

    private readonly struct Action(Clip clip, Tensor x, Tensor? min, Tensor? max, Tensor y) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> =>
            Apply(x.ReadOnlySpan<T>(), y.Span<T>(), Bound<T>(min, clip._minAttribute), Bound<T>(max, clip._maxAttribute));
    }
}
