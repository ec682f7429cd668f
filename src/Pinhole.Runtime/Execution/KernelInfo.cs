using Pinhole.IR;

namespace Pinhole.Runtime;

/// <summary>What a kernel's prepare step may know: the node, its attributes, the opset, constant inputs.</summary>
public sealed class KernelInfo
{
    private readonly Func<string, Tensor?> _constantLookup;
    private readonly Func<Graph, Subgraph> _compileSubgraph;
    private readonly Func<string, Tensor?>? _defaultLookup;

    internal KernelInfo(Node node, int opsetVersion, Func<string, Tensor?> constantLookup,
        Func<Graph, Subgraph> compileSubgraph, Func<string, TypeInfo?> typeLookup, SessionOptions options,
        Func<string, Tensor?>? defaultLookup = null)
    {
        _defaultLookup = defaultLookup;
        Node = node;
        OpsetVersion = opsetVersion;
        _constantLookup = constantLookup;
        _compileSubgraph = compileSubgraph;
        TypeLookup = typeLookup;
        Options = options;
    }

    public Node Node { get; }

    /// <summary>The opset version of the node's domain that the model imports.</summary>
    public int OpsetVersion { get; }
    public SessionOptions Options { get; }
    internal Func<string, TypeInfo?> TypeLookup { get; }

    public int InputCount => Node.Inputs.Count;
    public int OutputCount => Node.Outputs.Count;

    /// <summary>Whether input <paramref name="index"/> is given (not omitted and within range).</summary>
    public bool HasInput(int index) => index < Node.Inputs.Count && Node.Inputs[index].Length > 0;

    public bool HasOutput(int index) => index < Node.Outputs.Count && Node.Outputs[index].Length > 0;

    /// <summary>The value of input <paramref name="index"/> if it is a constant initializer, else null.</summary>
    public Tensor? ConstantInput(int index) => HasInput(index) ? _constantLookup(Node.Inputs[index]) : null;

    /// <summary>
    /// The default value of input <paramref name="index"/> when it is an overridable initializer (an initializer that
    /// is also a graph input, IR 4 and later), else null. A kernel may prepare for it (e.g. pack a weight) but must
    /// check at run time that the input is still this very tensor (<see cref="object.ReferenceEquals"/>): a caller
    /// may feed another value.
    /// </summary>
    public Tensor? DefaultInput(int index) => HasInput(index) && _defaultLookup is not null ? _defaultLookup(Node.Inputs[index]) : null;

    /// <summary>
    /// Declares that this kernel keeps what it needs of constant input <paramref name="index"/> (e.g. a packed copy
    /// of a weight) and at run time reads only that input's type and shape: when no other node needs the constant,
    /// the session drops its data and passes a <see cref="Tensor.ShapeOnly"/> tensor instead, so the weight is not
    /// held twice.
    /// </summary>
    public void ReleaseConstantInput(int index)
    {
        if (ConstantInput(index) is null) return;
        ReleasedInputs ??= [];
        if (!ReleasedInputs.Contains(index)) ReleasedInputs.Add(index);
    }

    internal List<int>? ReleasedInputs { get; private set; }

    /// <summary>The declared type of input <paramref name="index"/>, if the model declares it.</summary>
    public TypeInfo? InputType(int index) => HasInput(index) ? TypeLookup(Node.Inputs[index]) : null;

    public TypeInfo? OutputType(int index) => HasOutput(index) ? TypeLookup(Node.Outputs[index]) : null;

    public bool HasAttribute(string name) => Node.Attributes.ContainsKey(name);

    public NodeAttribute? Attribute(string name) => Node.Attributes.GetValueOrDefault(name);

    public long GetInt(string name, long defaultValue) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.Int).Int : defaultValue;

    public long GetInt(string name) => Expect(Require(name), AttributeType.Int).Int;

    public float GetFloat(string name, float defaultValue) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.Float).Float : defaultValue;

    public string GetString(string name, string defaultValue) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.String).String : defaultValue;

    /// <summary>An ints attribute, or null when absent.</summary>
    public long[]? GetInts(string name) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.Ints).Ints : null;

    public float[]? GetFloats(string name) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.Floats).Floats : null;

    public string[]? GetStrings(string name) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.Strings).Strings : null;

    public Tensor? GetTensor(string name) =>
        Node.Attributes.TryGetValue(name, out var a) ? Expect(a, AttributeType.Tensor).Tensor : null;

    public Graph GetGraph(string name) => Expect(Require(name), AttributeType.Graph).Graph!;

    /// <summary>Prepares a subgraph (If branch, Loop or Scan body) with this session's kernels.</summary>
    public Subgraph CompileSubgraph(Graph graph) => _compileSubgraph(graph);

    /// <summary>An error that names this node, for invalid attributes or inputs found while preparing.</summary>
    public InvalidModelException Invalid(string message) =>
        new($"{Node.Describe()}, opset {OpsetVersion}: {message}");

    public UnsupportedModelException Unsupported(string message) =>
        new($"{Node.Describe()}, opset {OpsetVersion}: {message}");

    private NodeAttribute Require(string name) =>
        Node.Attributes.GetValueOrDefault(name) ?? throw Invalid($"required attribute '{name}' is missing");

    private NodeAttribute Expect(NodeAttribute a, AttributeType type) =>
        a.Type == type ? a : throw Invalid($"attribute '{a.Name}' should be {type}, is {a.Type}");
}
