using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Constant: outputs the tensor given by one of its value attributes (shared, never mutated).</summary>
internal sealed class ConstantOp : OpKernel
{
    private readonly Tensor _value;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Constant", 1, info => new ConstantOp(info));

    private ConstantOp(KernelInfo info)
    {
        if (info.GetTensor("value") is { } t) _value = t;
        else if (info.HasAttribute("value_float")) _value = Tensor.Scalar(info.GetFloat("value_float", 0));
        else if (info.GetFloats("value_floats") is { } fs) _value = Tensor.Vector(fs);
        else if (info.HasAttribute("value_int")) _value = Tensor.Scalar(info.GetInt("value_int"));
        else if (info.GetInts("value_ints") is { } ints) _value = Tensor.Vector(ints);
        else if (info.HasAttribute("value_string")) _value = Tensor.Scalar(info.GetString("value_string", ""));
        else if (info.GetStrings("value_strings") is { } ss) _value = Tensor.Vector(ss);
        else if (info.HasAttribute("sparse_value")) throw info.Unsupported("sparse_value is not supported");
        else throw info.Invalid("no value attribute");
    }

    public override void Execute(KernelContext context) => context.SetOutput(0, _value);
}
