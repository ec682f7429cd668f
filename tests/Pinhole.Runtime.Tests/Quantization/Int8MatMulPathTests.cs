using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>QLinearMatMul and com.microsoft QGemm with constant B (the int8 GEMM) give exactly what the reference path gives.</summary>
public class Int8MatMulPathTests
{
    public static TheoryData<GemmIsa> Isas => new(Isa.Supported());

    private static Tensor[] RunBoth(string op, string domain, Tensor[] inputs, int constantFrom, GemmIsa isa, out string variant,
        params NodeAttribute[] attrs)
    {
        // Reference: every input a graph input. Prepared: inputs from constantFrom on are initializers.
        int opset = domain.Length > 0 ? 1 : 21;
        using var referenceSession = new InferenceSession(ModelBuilder.SingleNode(op, inputs.Length, 1, opset, domain, attrs));
        var reference = referenceSession.Run(inputs);
        var model = ModelBuilder.SingleNode(op, inputs.Length, 1, opset, domain, attrs);
        for (int i = constantFrom; i < inputs.Length; i++) model.Graph.Initializers[$"x{i}"] = inputs[i];
        model.Graph.Inputs.RemoveRange(constantFrom, inputs.Length - constantFrom);
        string v = "";
        Isa.Override = isa;
        InferenceSession session;
        try
        {
            session = new InferenceSession(model, new SessionOptions { IntraOpThreads = 2, NodeExecuted = e => v = e.Variant });
        }
        finally
        {
            Isa.Override = null;
        }
        using (session)
        {
            var got = session.Run(inputs[..constantFrom]);
            variant = v;
            Assert.Equal(reference[0].Shape, got[0].Shape);
            return [reference[0], got[0]];
        }
    }

    private static Tensor Bytes(Random rnd, bool signed, int[] shape)
    {
        var b = new byte[Tensor.ElementCount(shape)];
        rnd.NextBytes(b);
        return signed ? Tensor.FromArray(Array.ConvertAll(b, v => (sbyte)v), shape) : Tensor.FromArray(b, shape);
    }

    private static Tensor Zero(bool signed, int v) => signed ? Tensor.Scalar((sbyte)v) : Tensor.Scalar((byte)v);

    [Theory]
    [MemberData(nameof(Isas))]
    public void QLinearMatMulMatchesReference(GemmIsa isa)
    {
        Gen.Select(Gen.Int[1, 3], Gen.Int[1, 20], Gen.Int[1, 70], Gen.Int[1, 40], Gen.Int[0, 15]).Sample(t =>
        {
            var (batch, m, k, n, flags) = t;
            var rnd = new Random(t.GetHashCode());
            bool sa = (flags & 1) != 0, sb = (flags & 2) != 0, perColumn = (flags & 4) != 0;
            var inputs = new[]
            {
                Bytes(rnd, sa, [batch, m, k]), Tensor.Scalar(0.03f), Zero(sa, sa ? -3 : 120), Bytes(rnd, sb, [k, n]),
                perColumn ? Tensor.FromArray(Enumerable.Range(0, n).Select(j => 0.002f * (1 + (j % 4))).ToArray(), [n]) : Tensor.Scalar(0.004f),
                Zero(sb, sb ? 0 : 128), Tensor.Scalar(0.2f), Zero(sa, sa ? 5 : 130),
            };
            var r = RunBoth("QLinearMatMul", "", inputs, 1, isa, out string variant);
            Assert.StartsWith("int8gemm", variant);
            Assert.Equal(r[0].Bytes().ToArray(), r[1].Bytes().ToArray());
        }, iter: 40);
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void QGemmMatchesReference(GemmIsa isa)
    {
        Gen.Select(Gen.Int[1, 12], Gen.Int[1, 70], Gen.Int[1, 40], Gen.Int[0, 31]).Sample(t =>
        {
            var (m, k, n, flags) = t;
            var rnd = new Random(t.GetHashCode());
            bool sa = (flags & 1) != 0, transB = (flags & 2) != 0, floatOut = (flags & 4) != 0, bias = (flags & 8) != 0;
            var inputs = new List<Tensor>
            {
                Bytes(rnd, sa, [m, k]), Tensor.Scalar(0.03f), Zero(sa, sa ? 7 : 100), Bytes(rnd, true, transB ? [n, k] : [k, n]),
                Tensor.FromArray(Enumerable.Range(0, n).Select(j => 0.002f * (1 + (j % 3))).ToArray(), [n]),
                Tensor.FromArray(Enumerable.Range(0, n).Select(j => (sbyte)((flags & 16) != 0 ? j % 5 : 0)).ToArray(), [n]),
                bias ? Tensor.FromArray(Enumerable.Range(0, n).Select(_ => rnd.Next(-500, 500)).ToArray(), [n]) : Tensor.FromArray(new int[n], [n]),
            };
            if (!floatOut) inputs.AddRange([Tensor.Scalar(0.1f), Zero(sa, sa ? -2 : 128)]);
            var r = RunBoth("QGemm", "com.microsoft", [.. inputs], 1, isa, out string variant, NodeAttribute.Of("transB", transB ? 1L : 0L),
                NodeAttribute.Of("alpha", 0.5f));
            Assert.StartsWith("int8gemm", variant);
            Assert.Equal(r[0].Bytes().ToArray(), r[1].Bytes().ToArray());
        }, iter: 40);
    }
}
