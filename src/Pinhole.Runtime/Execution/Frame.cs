namespace Pinhole.Runtime;

/// <summary>The values of one run of one graph; subgraph frames look up captured values in their parent.</summary>
internal sealed class Frame
{
    public Frame(ExecutionPlan plan, Frame? parent)
    {
        Plan = plan;
        Parent = parent;
        Values = new Tensor?[plan.SlotNames.Length];
        Array.Copy(plan.Constants, Values, Values.Length);
    }

    public ExecutionPlan Plan { get; }
    public Frame? Parent { get; }
    public Tensor?[] Values { get; }

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
        foreach (int s in Plan.OuterSlots)
            Values[s] = Parent?.Lookup(Plan.SlotNames[s])
                ?? throw new KernelException($"graph '{Plan.Graph.Name}': captured value '{Plan.SlotNames[s]}' has no value");
        var context = new KernelContext(this, options);
        var observer = options.NodeExecuted;
        foreach (var step in Plan.Steps)
        {
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
            foreach (int o in step.Outputs)
                if (o >= 0 && Values[o] is null)
                    throw new KernelException($"{step.Node.Describe()} did not produce output '{Plan.SlotNames[o]}'");
            if (observer is not null)
            {
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                observer(new NodeExecution(step.Node, step.Inputs.Select(i => i >= 0 ? Values[i] : null).ToArray(),
                    step.Outputs.Select(o => o >= 0 ? Values[o] : null).ToArray(), elapsed, step.Kernel.Variant));
            }
            foreach (int r in step.Release) Values[r] = null;
        }
    }
}
