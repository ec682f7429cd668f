using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Pinhole.Onnx.Tests;

/// <summary>
/// Corrupted real models: whatever the damage, loading either succeeds (and the result exports) or fails with
/// InvalidModelException / UnsupportedModelException, never another exception type.
/// </summary>
public class MutationTests(ITestOutputHelper output)
{
    private const int MutantsPerModel = 200;

    /// <summary>Per model, so four models stay well under a minute on two cores.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(12);

    [SharedDataTheory]
    [InlineData("mnist-8")]
    [InlineData("squeezenet1.0")]
    [InlineData("mobilenetv2-12-int8")]
    [InlineData("mlperftiny-kws-int8")]
    public void MutantsFailOnlyWithTypedErrors(string folder)
    {
        string path = Repository.SharedPath("models", folder, "model.onnx");
        byte[] original = File.ReadAllBytes(path);
        var random = new Random(HashCode.Combine(20240601, folder.Length, folder[0]));
        int loaded = 0, invalid = 0, unsupported = 0, done = 0;
        var clock = Stopwatch.StartNew();
        for (; done < MutantsPerModel && clock.Elapsed < Budget; done++)
        {
            byte[] mutant = Mutate(original, random, out string how);
            try
            {
                var model = OnnxModel.Load(mutant, null);
                OnnxModel.ToBytes(model);
                loaded++;
            }
            catch (InvalidModelException)
            {
                invalid++;
            }
            catch (UnsupportedModelException)
            {
                unsupported++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{folder} mutant {done} ({how}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{folder}: {done} mutants in {clock.ElapsedMilliseconds} ms: {loaded} loaded, {invalid} invalid, {unsupported} unsupported");
        Assert.True(done >= MutantsPerModel / 4, $"only {done} mutants within the time budget");
    }

    /// <summary>
    /// Flips or truncates. Positions favour the first and last few KiB: protobuf writers put nodes first and
    /// value infos last, while the bulk in the middle is weight bytes whose corruption changes nothing structural.
    /// </summary>
    private static byte[] Mutate(byte[] original, Random random, out string how)
    {
        int kind = random.Next(4);
        if (kind == 0)
        {
            int length = random.Next(original.Length);
            how = $"truncated to {length}";
            return original[..length];
        }
        byte[] mutant = (byte[])original.Clone();
        int flips = 1 + random.Next(4);
        var positions = new List<int>();
        for (int i = 0; i < flips; i++)
        {
            int window = Math.Min(original.Length, 65536);
            int position = kind switch
            {
                1 => random.Next(original.Length),
                2 => random.Next(window),
                _ => original.Length - 1 - random.Next(Math.Min(original.Length, 16384)),
            };
            mutant[position] ^= (byte)(1 + random.Next(255));
            positions.Add(position);
        }
        how = "flipped bytes at " + string.Join(",", positions);
        return mutant;
    }
}
