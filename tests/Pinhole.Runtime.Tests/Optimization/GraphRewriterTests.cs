using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Optimization;

namespace Pinhole.Runtime.Tests.Optimization;

/// <summary>The rewriter keeps its lookups up to date across edits instead of rebuilding them: they must equal a rebuild.</summary>
public sealed class GraphRewriterTests
{
    [Fact]
    public void LookupsAfterRandomEditsEqualAFreshRebuild()
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var random = new Random(seed);
            var (model, values) = RandomGraph(random);
            var rewriter = new GraphRewriter(model, model.Graph);
            AssertSameLookups(rewriter, values); // builds the lookups, so the edits below update them
            for (int step = 0; step < 12 && model.Graph.Nodes.Count > 0; step++)
            {
                var nodes = model.Graph.Nodes;
                var node = nodes[random.Next(nodes.Count)];
                switch (random.Next(5))
                {
                    case 0:
                        rewriter.Remove(node);
                        break;
                    case 1:
                        {
                            // Same outputs, reading other values (as fusions do).
                            var replacement = new Node("Add", [Pick(random, values), Pick(random, values)], [.. node.Outputs], "", node.Name + "_r");
                            rewriter.Replace(node, replacement);
                            break;
                        }
                    case 2:
                        if (node.Inputs.Count > 0) rewriter.SetInput(node, random.Next(node.Inputs.Count), Pick(random, values));
                        break;
                    case 3:
                        rewriter.RedirectReads(node.Outputs[0], Pick(random, values));
                        break;
                    default:
                        {
                            string name = rewriter.AddConstant("k", Tensor.FromArray(new float[] { 1f }, [1]));
                            Assert.DoesNotContain(name, values);
                            values.Add(name);
                            rewriter.SetInput(node, 0, name);
                            break;
                        }
                }
                AssertSameLookups(rewriter, values);
            }
        }, iter: 200);
    }

    [Fact]
    public void UniqueNamesAvoidNodeOutputsInitializersAndEarlierNames()
    {
        var (model, values) = RandomGraph(new Random(1));
        var rewriter = new GraphRewriter(model, model.Graph);
        var handedOut = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stem in values.Concat(["v0", "v0", "fresh", "fresh"]))
        {
            string name = rewriter.UniqueName(stem);
            Assert.DoesNotContain(name, values);
            Assert.True(handedOut.Add(name), $"'{name}' handed out twice");
        }
    }

    private static (Model Model, List<string> Values) RandomGraph(Random random)
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        var values = new List<string> { "x", "w" };
        g.Inputs.Add(new ValueInfo("x"));
        g.Initializers["w"] = Tensor.FromArray(new float[] { 2f }, [1]);
        int count = random.Next(2, 12);
        for (int i = 0; i < count; i++)
        {
            string a = Pick(random, values), b = Pick(random, values);
            string output = $"v{i}";
            g.Nodes.Add(new Node(random.Next(2) == 0 ? "Add" : "Mul", [a, b], [output], "", $"n{i}"));
            values.Add(output);
        }
        g.Outputs.Add(new ValueInfo(values[^1]));
        return (model, values);
    }

    private static string Pick(Random random, List<string> values) => values[random.Next(values.Count)];

    private static void AssertSameLookups(GraphRewriter kept, List<string> values)
    {
        var fresh = new GraphRewriter(kept.Model, kept.Graph);
        foreach (var v in values)
        {
            Assert.Same(fresh.Producer(v), kept.Producer(v));
            Assert.Equal(fresh.UseCount(v), kept.UseCount(v));
            Assert.Equal(fresh.InputReadCount(v), kept.InputReadCount(v));
            Assert.Same(fresh.SoleConsumer(v), kept.SoleConsumer(v));
        }
    }
}
