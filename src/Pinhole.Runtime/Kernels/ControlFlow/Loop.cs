using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Kernels;

/// <summary>Loop: runs a body up to M times while cond holds, with loop-carried values and stacked scan outputs (opset 1+; tensors only).</summary>
internal sealed class Loop : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Loop", 1, info => new Loop(info));

    private readonly Subgraph _body;
    private readonly int _carried;
    private readonly int _scans;
    private readonly DataType[] _scanTypes;
    private readonly int[]?[] _emptyShapes;

    private Loop(KernelInfo info)
    {
        var graph = info.GetGraph("body");
        _body = info.CompileSubgraph(graph);
        _carried = info.InputCount - 2;
        if (_carried < 0) throw info.Invalid("Loop needs at least the inputs M and cond (either may be empty)");
        if (_body.InputCount != _carried + 2)
            throw info.Invalid($"body takes {_body.InputCount} inputs, expected {_carried + 2}");
        _scans = _body.OutputCount - 1 - _carried;
        if (_scans < 0) throw info.Invalid($"body produces {_body.OutputCount} outputs, expected at least {_carried + 1}");
        if (info.OutputCount > _carried + _scans)
            throw info.Invalid($"node has {info.OutputCount} outputs, the body provides {_carried + _scans}");
        _scanTypes = new DataType[_scans];
        _emptyShapes = new int[]?[_scans];
        for (int k = 0; k < _scans; k++)
        {
            var declared = graph.Outputs[1 + _carried + k].Type as TensorTypeInfo
                ?? info.OutputType(_carried + k) as TensorTypeInfo;
            _scanTypes[k] = declared?.ElementType ?? DataType.Float;
            if (declared?.Shape is { } s)
            {
                var shape = new int[s.Length + 1];
                for (int d = 0; d < s.Length; d++) shape[d + 1] = s[d].Value is long v ? (int)v : 0;
                _emptyShapes[k] = shape;
            }
        }
    }

    public override void Execute(KernelContext context)
    {
        var mTensor = context.OptionalInput(0);
        var condTensor = context.OptionalInput(1);
        long max = long.MaxValue;
        if (mTensor is not null)
        {
            if (mTensor.Length != 1) throw context.Error("M must be a scalar");
            max = mTensor.GetInt64(0);
        }
        bool cond = true;
        if (condTensor is not null)
        {
            if (condTensor.Length != 1) throw context.Error("cond must be a scalar");
            cond = condTensor.GetDouble(0) != 0;
        }
        if (mTensor is null && condTensor is null)
            throw context.Error("a Loop with neither M nor cond would never end");

        var inputs = new Tensor?[_carried + 2];
        for (int k = 0; k < _carried; k++) inputs[k + 2] = context.OptionalInput(k + 2);
        var scans = new List<Tensor>[_scans];
        for (int k = 0; k < _scans; k++) scans[k] = [];

        for (long i = 0; i < max && cond; i++)
        {
            inputs[0] = Tensor.Scalar(i);
            inputs[1] = Tensor.Scalar(cond);
            var outputs = context.Run(_body, inputs);
            var c = outputs[0];
            if (c.Length != 1) throw context.Error("the body's cond output must be a scalar");
            cond = c.GetDouble(0) != 0;
            for (int k = 0; k < _carried; k++) inputs[k + 2] = outputs[1 + k];
            for (int k = 0; k < _scans; k++) scans[k].Add(outputs[1 + _carried + k]);
        }

        for (int k = 0; k < _carried; k++)
            if (context.HasOutput(k))
                context.SetOutput(k, inputs[k + 2] ?? throw context.Error($"loop-carried value {k} has no value"));
        for (int k = 0; k < _scans; k++)
            if (context.HasOutput(_carried + k))
                context.SetOutput(_carried + k, ControlFlowHelpers.Stack(context, scans[k], _scanTypes[k], _emptyShapes[k]));
    }
}
