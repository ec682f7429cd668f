using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Einsum (opset 12): general Einstein summation with ellipsis, repeated labels (diagonals) and implicit output.</summary>
internal sealed class Einsum : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Einsum", 12, info => new Einsum(info));

    private const int Ellipsis = -1;

    /// <summary>Per operand: label ids (0..51 letters) with Ellipsis markers.</summary>
    private readonly int[][] _inputs;
    /// <summary>Output labels, or null for implicit mode.</summary>
    private readonly int[]? _output;

    private Einsum(KernelInfo info)
    {
        string eq = info.GetString("equation", "").Replace(" ", "", StringComparison.Ordinal);
        string lhs = eq, rhs = "";
        bool explicitOut = eq.Contains("->", StringComparison.Ordinal);
        if (explicitOut)
        {
            int arrow = eq.IndexOf("->", StringComparison.Ordinal);
            lhs = eq[..arrow];
            rhs = eq[(arrow + 2)..];
        }
        var terms = lhs.Split(',');
        _inputs = new int[terms.Length][];
        for (int i = 0; i < terms.Length; i++) _inputs[i] = ParseTerm(info, terms[i]);
        if (terms.Length != info.InputCount) throw info.Invalid($"equation has {terms.Length} operands, node has {info.InputCount} inputs");
        _output = explicitOut ? ParseTerm(info, rhs) : null;
    }

    private static int[] ParseTerm(KernelInfo info, string term)
    {
        var labels = new List<int>();
        bool ellipsis = false;
        for (int i = 0; i < term.Length; i++)
        {
            char ch = term[i];
            if (ch == '.')
            {
                if (ellipsis || i + 2 >= term.Length || term[i + 1] != '.' || term[i + 2] != '.') throw info.Invalid($"bad ellipsis in '{term}'");
                ellipsis = true;
                labels.Add(Ellipsis);
                i += 2;
            }
            else if (ch is >= 'a' and <= 'z') labels.Add(ch - 'a' + 26);
            else if (ch is >= 'A' and <= 'Z') labels.Add(ch - 'A');
            else throw info.Invalid($"bad label '{ch}' in einsum equation");
        }
        return [.. labels];
    }

    public override void Execute(KernelContext context)
    {
        int nIn = _inputs.Length;
        var tensors = new Tensor[nIn];
        for (int i = 0; i < nIn; i++) tensors[i] = context.Input(i);
        var type = tensors[0].Type;
        for (int i = 1; i < nIn; i++)
            if (tensors[i].Type != type) throw context.Error("all inputs must have the same element type");

        // Ellipsis rank: broadcast of all operands' ellipsis parts.
        int ellRank = 0;
        for (int i = 0; i < nIn; i++)
        {
            int letters = 0;
            foreach (int l in _inputs[i]) if (l != Ellipsis) letters++;
            bool hasEll = Array.IndexOf(_inputs[i], Ellipsis) >= 0;
            if (tensors[i].Rank < letters || (!hasEll && tensors[i].Rank != letters))
                throw context.Error($"input {i} of shape {Tensor.FormatShape(tensors[i].Shape)} does not match its einsum term");
            if (hasEll) ellRank = Math.Max(ellRank, tensors[i].Rank - letters);
        }
        // Label space: 52 letters, then ellipsis dims 52..52+ellRank-1.
        int labelCount = 52 + ellRank;
        var dims = new int[labelCount];
        Array.Fill(dims, -1);
        var strides = new int[nIn][];
        var count = new int[labelCount];
        for (int i = 0; i < nIn; i++)
        {
            var t = tensors[i];
            var st = new int[labelCount];
            strides[i] = st;
            int letters = 0;
            foreach (int l in _inputs[i]) if (l != Ellipsis) letters++;
            int myEll = t.Rank - letters;
            var tStrides = new int[t.Rank];
            int s = 1;
            for (int d = t.Rank - 1; d >= 0; d--) { tStrides[d] = s; s *= t.Shape[d]; }
            int axis = 0;
            foreach (int l in _inputs[i])
            {
                if (l == Ellipsis)
                {
                    for (int e = 0; e < myEll; e++, axis++)
                    {
                        int label = 52 + ellRank - myEll + e;
                        int size = t.Shape[axis];
                        if (size != 1)
                        {
                            if (dims[label] > 1 && dims[label] != size) throw context.Error("ellipsis dimensions do not broadcast");
                            dims[label] = size;
                            st[label] += tStrides[axis];
                        }
                        else if (dims[label] < 0) dims[label] = 1;
                    }
                    continue;
                }
                int sz = t.Shape[axis];
                if (dims[l] >= 0 && dims[l] != sz) throw context.Error($"label '{LabelChar(l)}' has sizes {dims[l]} and {sz}");
                dims[l] = sz;
                st[l] += tStrides[axis];
                count[l]++;
                axis++;
            }
        }
        // Output labels.
        var outLabels = new List<int>();
        if (_output != null)
        {
            foreach (int l in _output)
            {
                if (l == Ellipsis) { for (int e = 0; e < ellRank; e++) outLabels.Add(52 + e); }
                else if (dims[l] < 0) throw context.Error($"output label '{LabelChar(l)}' does not appear in the inputs");
                else outLabels.Add(l);
            }
        }
        else
        {
            for (int e = 0; e < ellRank; e++) outLabels.Add(52 + e);
            for (int l = 0; l < 52; l++) if (count[l] == 1) outLabels.Add(l);
        }
        var outShape = new int[outLabels.Count];
        var outStrides = new int[labelCount];
        int os = 1;
        for (int d = outLabels.Count - 1; d >= 0; d--)
        {
            outShape[d] = Math.Max(dims[outLabels[d]], 1);
            outStrides[outLabels[d]] = os;
            os *= outShape[d];
        }
        var used = new List<int>();
        for (int l = 0; l < labelCount; l++) if (dims[l] >= 0) used.Add(l);
        var plan = new Plan([.. used], dims, strides, outStrides);
        if (LinalgHelpers.ViaFloat32(type))
        {
            var fin = new Tensor[nIn];
            for (int i = 0; i < nIn; i++) fin[i] = FloatConversion.ToFloat(tensors[i]);
            var y = new float[Tensor.ElementCount(outShape)];
            plan.Run<float>(fin, y);
            if (type == DataType.Float) y.CopyTo(context.Output(0, type, outShape).Span<float>());
            else FloatConversion.FromFloat(y, context.Output(0, type, outShape));
            return;
        }
        var action = new Action(context, plan, tensors, outShape);
        TypeDispatch.RequireNumeric(context, type, ref action);
    }

    private static char LabelChar(int l) => l < 26 ? (char)('A' + l) : (char)('a' + l - 26);

    private readonly struct Action(KernelContext context, Plan plan, Tensor[] tensors, int[] outShape) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T> =>
            plan.Run(tensors, context.Output(0, tensors[0].Type, outShape).Span<T>());
    }

    private sealed class Plan(int[] labels, int[] dims, int[][] strides, int[] outStrides)
    {
        public void Run<T>(Tensor[] tensors, Span<T> y) where T : unmanaged, INumber<T>
        {
            int n = labels.Length, nIn = tensors.Length;
            long total = 1;
            foreach (int l in labels) total *= dims[l];
            if (total == 0) return;
            var idx = new int[n];
            var offs = new int[nIn];
            for (int i = 0; i < nIn; i++) offs[i] = tensors[i].Offset;
            int outOff = 0;
            var data = new T[nIn][];
            for (int i = 0; i < nIn; i++) data[i] = (T[])tensors[i].Buffer;
            for (long it = 0; it < total; it++)
            {
                T p = data[0][offs[0]];
                for (int i = 1; i < nIn; i++) p *= data[i][offs[i]];
                y[outOff] += p;
                for (int d = n - 1; d >= 0; d--)
                {
                    int l = labels[d];
                    if (++idx[d] < dims[l])
                    {
                        for (int i = 0; i < nIn; i++) offs[i] += strides[i][l];
                        outOff += outStrides[l];
                        break;
                    }
                    int back = idx[d] - 1;
                    idx[d] = 0;
                    for (int i = 0; i < nIn; i++) offs[i] -= back * strides[i][l];
                    outOff -= back * outStrides[l];
                }
            }
        }
    }
}
