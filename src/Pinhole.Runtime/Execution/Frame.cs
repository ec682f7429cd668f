namespace Pinhole.Runtime;

/// <summary>
/// The values of one run of one graph; subgraph frames look up captured values in their parent. Frames are pooled
/// by their plan (<see cref="ExecutionPlan.RentFrame"/>), with their kernel context, so a run allocates neither.
/// </summary>
internal sealed class Frame
{
    public Frame(ExecutionPlan plan)
    {
        Plan = plan;
        Values = new Tensor?[plan.SlotNames.Length];
        Context = new KernelContext(this);
        Fed = new Tensor?[plan.InputSlots.Length];
    }

    /// <summary>The graph inputs of this run, as fed (the values array drops them after their last reader).</summary>
    public Tensor?[] Fed { get; }

    public ExecutionPlan Plan { get; }
    public Frame? Parent { get; private set; }
    public Tensor?[] Values { get; }
    public KernelContext Context { get; }

    /// <summary>The arena this run's intermediates live in (top-level runs with a memory plan only).</summary>
    public Arena? Arena { get; set; }

    /// <summary>Records how values are produced, to build a memory plan (the first run of an input signature).</summary>
    public ArenaRecorder? Recorder { get; set; }

    internal void Reset(Frame? parent)
    {
        Parent = parent;
        Array.Copy(Plan.Constants, Values, Values.Length);
    }

    internal void Clear()
    {
        Parent = null;
        Arena = null;
        Recorder = null;
        Context.Step = null!;
        Array.Clear(Values);
        Array.Clear(Fed);
    }

    /// <summary>The current value of <paramref name="name"/> here or in an enclosing frame.</summary>
    public Tensor? Lookup(string name)
    {
        for (var f = this; f is not null; f = f.Parent)
            if (f.Plan.SlotOf.TryGetValue(name, out int s) && f.Values[s] is { } t) return t;
        return null;
    }

    /// <summary>Runs every step in order. Exceptions other than Pinhole's are wrapped with the failing node.</summary>
    public void Execute(SessionOptions options)
    {
        var plan = Plan;
        foreach (int s in plan.OuterSlots)
            Values[s] = Parent?.Lookup(plan.SlotNames[s])
                ?? throw new KernelException($"graph '{plan.Graph.Name}': captured value '{plan.SlotNames[s]}' has no value");
        var context = Context;
        context.Options = options;
        var observer = options.NodeExecuted;
        var steps = plan.Steps;
        var values = Values;
        for (int k = 0; k < steps.Length; k++)
        {
            var step = steps[k];
            context.Step = step;
            long started = observer is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                step.Kernel.Execute(context);
            }
            catch (PinholeException)
            {
                throw;
            }
            catch (Exception e) when (e is ArgumentException or InvalidCastException or IndexOutOfRangeException
                or OverflowException or InvalidOperationException or NullReferenceException or DivideByZeroException
                or NotSupportedException or RankException)
            {
                throw new KernelException($"{step.Node.Describe()}: {e.Message}", e);
            }
            var outputs = step.Outputs;
            for (int i = 0; i < outputs.Length; i++)
                if (outputs[i] >= 0 && values[outputs[i]] is null) throw MissingOutput(step, outputs[i]);
            if (observer is not null)
            {
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                observer(new NodeExecution(step.Node, step.Inputs.Select(i => i >= 0 ? values[i] : null).ToArray(),
                    step.Outputs.Select(o => o >= 0 ? values[o] : null).ToArray(), elapsed, step.Kernel.Variant));
            }
            var release = step.Release;
            for (int i = 0; i < release.Length; i++) values[release[i]] = null;
            // The recording run (no arena yet) allocates every intermediate; large ones live on the large-object heap
            // until a full collection, so without this the first run's peak memory is the sum of all activations.
            if (Recorder is not null) PreparationGarbage.Checkpoint(PreparationGarbage.RecordingBudget);
        }
    }

    private KernelException MissingOutput(ExecutionPlan.Step step, int slot) =>
        new($"{step.Node.Describe()} did not produce output '{Plan.SlotNames[slot]}'");
}
