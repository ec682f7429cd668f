using System.Globalization;
using Pinhole.Onnx;
using Pinhole.Runtime;

namespace Pinhole.Conformance.Tests;

/// <summary>Runs a case and compares every output with its reference; returns null on success, else why it failed.</summary>
internal static class ConformanceRunner
{
    public static string? Run(ConformanceCase testCase)
    {
        try
        {
            var model = OnnxModel.Load(testCase.ModelPath);
            using var session = new InferenceSession(model);
            foreach (var set in testCase.DataSets)
            {
                var inputs = set.LightInput ? LightInputs(session) : set.Inputs.Select(OnnxTensorFile.Read).ToArray();
                if (inputs.Length != session.Inputs.Count)
                    return $"data set has {inputs.Length} inputs, model takes {session.Inputs.Count}";
                var outputs = session.Run(inputs);
                for (int i = 0; i < set.Outputs.Count; i++)
                {
                    if (i >= outputs.Length) return $"model produced {outputs.Length} outputs, expected {set.Outputs.Count}";
                    var mismatch = Compare(OnnxTensorFile.Read(set.Outputs[i]), outputs[i], testCase.RelativeTolerance, testCase.AbsoluteTolerance);
                    if (mismatch is not null) return $"output {i} ({session.Outputs[i].Name}): {mismatch}";
                }
            }
            return null;
        }
        catch (PinholeException e)
        {
            return $"{e.GetType().Name}: {OneLine(e.Message)}";
        }
    }

    /// <summary>The light models record no input: their reference outputs were computed from zero-filled inputs.</summary>
    private static Tensor[] LightInputs(InferenceSession session) =>
        session.Inputs.Select(i => i.Type is IR.TensorTypeInfo t
            ? Tensor.Zeros(t.ElementType, t.ConcreteShape() ?? [])
            : throw new InvalidOperationException($"light model input {i.Name} has no tensor type")).ToArray();

    public static string? Compare(Tensor expected, Tensor actual, double rtol, double atol)
    {
        if (expected.Type != actual.Type)
            return $"element type {DataTypes.OnnxName(actual.Type)}, expected {DataTypes.OnnxName(expected.Type)}";
        if (!expected.Shape.AsSpan().SequenceEqual(actual.Shape))
            return $"shape {Tensor.FormatShape(actual.Shape)}, expected {Tensor.FormatShape(expected.Shape)}";
        if (expected.Type == DataType.String)
        {
            var e = expected.ReadOnlySpan<string>();
            var a = actual.ReadOnlySpan<string>();
            for (int i = 0; i < e.Length; i++)
                if (e[i] != a[i]) return $"element {i}: \"{a[i]}\", expected \"{e[i]}\"";
            return null;
        }
        bool exact = !DataTypes.IsFloatingPoint(expected.Type);
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            if (exact ? e == a : Close(e, a, rtol, atol)) continue;
            if (first < 0) first = i;
            bad++;
            worst = Math.Max(worst, Math.Abs(e - a));
        }
        if (bad == 0) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"{bad} of {expected.Length} elements differ; first at {first}: {actual.GetDouble(first):G7}, expected {expected.GetDouble(first):G7}; max abs diff {worst:G4}");
    }

    private static bool Close(double e, double a, double rtol, double atol)
    {
        if (double.IsNaN(e)) return double.IsNaN(a);
        if (double.IsInfinity(e)) return e == a;
        return Math.Abs(e - a) <= atol + rtol * Math.Abs(e);
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
