using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Scan: iterates a body over slices of the scan inputs, carrying state and stacking per-iteration outputs.
/// Opset 8 has a leading batch axis and optional sequence_lens; opset 9+ has per-input/output axes and directions.
/// </summary>
internal sealed class Scan : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Scan", 8, info => new Scan(info));
        KernelRegistry.Register("", "Scan", 9, info => new Scan(info));
    }

    private readonly Subgraph _body;
    private readonly bool _batched;
    private readonly int _states;
    private readonly int _scanInputs;
    private readonly int _scanOutputs;
    private readonly long[] _inputAxes;
    private readonly bool[] _inputReverse;
    private readonly long[] _outputAxes;
    private readonly bool[] _outputReverse;

    private Scan(KernelInfo info)
    {
        _batched = info.OpsetVersion < 9;
        _body = info.CompileSubgraph(info.GetGraph("body"));
        _scanInputs = checked((int)info.GetInt("num_scan_inputs"));
        int first = _batched ? 1 : 0;
        _states = info.InputCount - first - _scanInputs;
        if (_scanInputs < 1 || _states < 0) throw info.Invalid($"num_scan_inputs {_scanInputs} does not fit {info.InputCount} inputs");
        if (_body.InputCount != _states + _scanInputs)
            throw info.Invalid($"body takes {_body.InputCount} inputs, expected {_states + _scanInputs}");
        _scanOutputs = _body.OutputCount - _states;
        if (_scanOutputs < 0 || info.OutputCount > _body.OutputCount)
            throw info.Invalid($"body produces {_body.OutputCount} outputs, node has {info.OutputCount} and {_states} states");
        _inputAxes = info.GetInts("scan_input_axes") ?? new long[_scanInputs];
        _outputAxes = info.GetInts("scan_output_axes") ?? new long[_scanOutputs];
        var inDirs = (_batched ? info.GetInts("directions") : info.GetInts("scan_input_directions")) ?? new long[_scanInputs];
        var outDirs = info.GetInts("scan_output_directions") ?? new long[_scanOutputs];
        if (_inputAxes.Length != _scanInputs || inDirs.Length != _scanInputs)
            throw info.Invalid("scan_input_axes / scan_input_directions must have num_scan_inputs entries");
        if (_outputAxes.Length != _scanOutputs || outDirs.Length != _scanOutputs)
            throw info.Invalid("scan_output_axes / scan_output_directions must have one entry per scan output");
        _inputReverse = Array.ConvertAll(inDirs, d => d != 0);
        _outputReverse = Array.ConvertAll(outDirs, d => d != 0);
    }

    public override void Execute(KernelContext context)
    {
        int first = _batched ? 1 : 0;
        var states = new Tensor[_states];
        for (int k = 0; k < _states; k++) states[k] = context.Input(first + k);
        var scans = new Tensor[_scanInputs];
        for (int k = 0; k < _scanInputs; k++) scans[k] = context.Input(first + _states + k);

        if (!_batched)
        {
            var (finals, outputs) = RunScan(context, states, scans, null);
            for (int k = 0; k < _states; k++) context.SetOutput(k, finals[k]);
            for (int k = 0; k < _scanOutputs; k++) context.SetOutput(_states + k, outputs[k]);
            return;
        }

        // Opset 8: axis 0 is the batch, axis 1 the sequence.
        int batch = -1;
        for (int k = 0; k < _states + _scanInputs; k++)
        {
            var t = k < _states ? states[k] : scans[k - _states];
            if (t.Rank < 1) throw context.Error("opset-8 Scan inputs need a batch axis");
            if (batch >= 0 && t.Shape[0] != batch) throw context.Error("inputs disagree on the batch size");
            batch = t.Shape[0];
        }
        var lens = context.OptionalInput(0);
        if (lens is not null && lens.Length != batch) throw context.Error($"sequence_lens has {lens.Length} entries for batch {batch}");
        var finalStates = new Tensor?[_states];
        var scanOuts = new Tensor?[_scanOutputs];
        for (int b = 0; b < batch; b++)
        {
            var bs = new Tensor[_states];
            for (int k = 0; k < _states; k++) bs[k] = ControlFlowHelpers.Slice(states[k], 0, b);
            var bi = new Tensor[_scanInputs];
            for (int k = 0; k < _scanInputs; k++) bi[k] = ControlFlowHelpers.Slice(scans[k], 0, b);
            int? len = lens is null ? null : checked((int)lens.GetInt64(b));
            var (finals, outputs) = RunScan(context, bs, bi, len);
            for (int k = 0; k < _states; k++)
            {
                finalStates[k] ??= Tensor.Zeros(finals[k].Type, [batch, .. finals[k].Shape]);
                ControlFlowHelpers.Place(finalStates[k]!, 0, b, finals[k]);
            }
            for (int k = 0; k < _scanOutputs; k++)
            {
                scanOuts[k] ??= Tensor.Zeros(outputs[k].Type, [batch, .. outputs[k].Shape]);
                if (!scanOuts[k]!.Shape.AsSpan(1).SequenceEqual(outputs[k].Shape))
                    throw context.Error("scan outputs differ in shape across the batch");
                ControlFlowHelpers.Place(scanOuts[k]!, 0, b, outputs[k]);
            }
        }
        for (int k = 0; k < _states; k++) context.SetOutput(k, finalStates[k] ?? Tensor.Zeros(states[k].Type, states[k].Shape));
        for (int k = 0; k < _scanOutputs; k++) context.SetOutput(_states + k, scanOuts[k] ?? Tensor.Zeros(DataType.Float, [0]));
    }

    private (Tensor[] States, Tensor[] Outputs) RunScan(KernelContext context, Tensor[] states, Tensor[] scans, int? length)
    {
        int seq = -1;
        var axes = new int[_scanInputs];
        for (int k = 0; k < _scanInputs; k++)
        {
            var t = scans[k];
            long a = _inputAxes[k] < 0 ? _inputAxes[k] + t.Rank : _inputAxes[k];
            if (a < 0 || a >= t.Rank) throw context.Error($"scan_input_axes[{k}] = {_inputAxes[k]} is out of range for rank {t.Rank}");
            axes[k] = (int)a;
            int n = t.Shape[axes[k]];
            if (seq >= 0 && n != seq) throw context.Error($"scan inputs disagree on the sequence length ({seq} vs {n})");
            seq = n;
        }
        int fullSeq = seq;
        if (length is int l)
        {
            if (l < 0 || l > seq) throw context.Error($"sequence length {l} is outside [0, {seq}]");
            seq = l;
        }

        var inputs = new Tensor?[_states + _scanInputs];
        for (int k = 0; k < _states; k++) inputs[k] = states[k];
        var outputs = new Tensor?[_scanOutputs];
        var outAxes = new int[_scanOutputs];
        for (int t = 0; t < seq; t++)
        {
            for (int k = 0; k < _scanInputs; k++)
                inputs[_states + k] = ControlFlowHelpers.Slice(scans[k], axes[k], _inputReverse[k] ? seq - 1 - t : t);
            var results = context.Run(_body, inputs);
            for (int k = 0; k < _states; k++) inputs[k] = results[k];
            for (int k = 0; k < _scanOutputs; k++)
            {
                var item = results[_states + k];
                if (outputs[k] is null)
                {
                    long a = _outputAxes[k] < 0 ? _outputAxes[k] + item.Rank + 1 : _outputAxes[k];
                    if (a < 0 || a > item.Rank) throw context.Error($"scan_output_axes[{k}] = {_outputAxes[k]} is out of range");
                    outAxes[k] = (int)a;
                    var shape = new int[item.Rank + 1];
                    for (int d = 0, s = 0; d < shape.Length; d++) shape[d] = d == a ? (_batched ? fullSeq : seq) : item.Shape[s++];
                    outputs[k] = Tensor.Zeros(item.Type, shape);
                }
                var target = outputs[k]!;
                for (int d = 0, s = 0; d < target.Rank; d++)
                    if (d != outAxes[k] && target.Shape[d] != item.Shape[s++])
                        throw context.Error($"scan output {k} changes shape between iterations");
                if (item.Type != target.Type) throw context.Error($"scan output {k} changes type between iterations");
                ControlFlowHelpers.Place(target, outAxes[k], _outputReverse[k] ? seq - 1 - t : t, item);
            }
        }
        var finals = new Tensor[_states];
        for (int k = 0; k < _states; k++) finals[k] = inputs[k]!;
        var outs = new Tensor[_scanOutputs];
        for (int k = 0; k < _scanOutputs; k++) outs[k] = outputs[k] ?? Tensor.Zeros(DataType.Float, [0]);
        return (finals, outs);
    }
}
