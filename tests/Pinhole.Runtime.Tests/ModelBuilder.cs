using Pinhole.IR;

namespace Pinhole.Runtime.Tests;

/// <summary>Builds one-node models in code, so kernel tests need no files.</summary>
internal static class ModelBuilder
{
    /// <summary>A model with one node <paramref name="opType"/> whose inputs are graph inputs named x0, x1, ... and outputs y0, y1, ...</summary>
    public static Model SingleNode(string opType, int inputs, int outputs = 1, int opset = 21, string domain = "",
        params NodeAttribute[] attributes)
    {
        var model = new Model();
        model.OpsetImports[""] = domain.Length == 0 ? opset : 21;
        if (domain.Length > 0) model.OpsetImports[domain] = opset;
        var inputNames = Enumerable.Range(0, inputs).Select(i => $"x{i}").ToArray();
        var outputNames = Enumerable.Range(0, outputs).Select(i => $"y{i}").ToArray();
        var node = new Node(opType, inputNames, outputNames, domain, "node");
        foreach (var a in attributes) node.Attributes[a.Name] = a;
        model.Graph.Nodes.Add(node);
        model.Graph.Inputs.AddRange(inputNames.Select(n => new ValueInfo(n)));
        model.Graph.Outputs.AddRange(outputNames.Select(n => new ValueInfo(n)));
        return model;
    }

    /// <summary>Runs a one-node model on <paramref name="inputs"/> and returns its outputs.</summary>
    public static Tensor[] Run(string opType, Tensor[] inputs, int outputs = 1, int opset = 21, params NodeAttribute[] attributes)
    {
        using var session = new InferenceSession(SingleNode(opType, inputs.Length, outputs, opset, "", attributes));
        return session.Run(inputs);
    }
}
