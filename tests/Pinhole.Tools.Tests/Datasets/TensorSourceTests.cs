using Pinhole.Onnx;
using Pinhole.Tools.Datasets;
using static Pinhole.Tools.Tests.Datasets.TestData;

namespace Pinhole.Tools.Tests.Datasets;

public class TensorSourceTests
{
    private static readonly SampleOptions Raw = new() { Preset = "raw" };

    [Theory]
    [InlineData("t10k-images-idx3-ubyte", false)]
    [InlineData("t10k-images-idx3-ubyte.gz", true)]
    [InlineData("digits.idx", false)]
    [InlineData("digits.idx.gz", true)]
    public void Idx_images_are_one_sample_each_with_the_preset_applied(string name, bool gzip)
    {
        using var temp = new TempFolder();
        byte[] pixels = [.. Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(i * 20))];
        WriteIdx(temp.File(name), [3, 2, 2], pixels, gzip);
        var source = SampleSources.Open(temp.File(name), [Input("Input3", 1, 1, 2, 2)], Raw);
        Assert.Equal(3, source.Count);
        var samples = source.Read().ToList();
        Assert.Equal(["0", "1", "2"], samples.Select(s => s.Id));
        Assert.Equal([1, 1, 2, 2], samples[1].Inputs["Input3"].Shape);
        Assert.Equal([80f, 100, 120, 140], Floats(samples[1].Inputs["Input3"]));

        var unit = SampleSources.Open(temp.File(name), [Input("Input3", 1, 2, 2, 1)], new SampleOptions { Preset = "unit", Skip = 2 });
        var last = Assert.Single(unit.Read());
        Assert.Equal(2, last.Index);
        Assert.Equal([1, 2, 2, 1], last.Inputs["Input3"].Shape);
        Assert.Equal(160f / 255, Floats(last.Inputs["Input3"])[0], 1e-6f);

        // A uint8 input takes the pixels as they are.
        var bytes = SampleSources.Open(temp.File(name), [Input("x", DataType.UInt8, 1, 1, 2, 2)], Raw).Read().First().Inputs["x"];
        Assert.Equal(pixels[..4], bytes.Span<byte>().ToArray());
    }

    [Fact]
    public void Malformed_idx_files_fail_naming_the_file()
    {
        using var temp = new TempFolder();
        var input = Input("x", 1, 1, 2, 2);
        WriteIdx(temp.File("short-idx3-ubyte"), [3, 2, 2], new byte[11]);
        WriteIdx(temp.File("labels-idx1-ubyte"), [3], new byte[3]);
        WriteIdx(temp.File("wide-idx3-ubyte"), [1, 3, 3], new byte[9]);
        File.WriteAllBytes(temp.File("text-idx3-ubyte"), "hello"u8.ToArray());
        File.WriteAllBytes(temp.File("bad-idx3-ubyte.gz"), [0x1f, 0x8b, 1, 2, 3]);
        foreach (var (file, expected) in new[]
        {
            ("short-idx3-ubyte", "needs 12 bytes of data but the file has 11"),
            ("labels-idx1-ubyte", "(a label file?)"),
            ("wide-idx3-ubyte", "a sample of shape [3,3] does not fit input 'x' of shape [1,1,2,2]"),
            ("text-idx3-ubyte", "is not an IDX file"),
            ("bad-idx3-ubyte.gz", "is not a valid gzip file"),
        })
        {
            var e = Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File(file), [input], Raw));
            Assert.Contains(file, e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { 3, 1, 2, 2 })]    // no batch dimension
    [InlineData(new[] { 3, 1, 1, 2, 2 })] // a batch dimension of 1 per sample
    [InlineData(new[] { 3, 2, 2 })]       // differs only by dimensions of 1
    public void Npy_samples_lie_along_the_first_axis(int[] shape)
    {
        using var temp = new TempFolder();
        Npy.Write(temp.File("data.npy"), Tensor.FromArray(Enumerable.Range(0, 12).ToArray(), shape));
        var source = SampleSources.Open(temp.File("data.npy"), [Input("x", 1, 1, 2, 2)], new SampleOptions { Skip = 1, Limit = 1 });
        var sample = Assert.Single(source.Read());
        Assert.Equal(1, sample.Index);
        var t = sample.Inputs["x"];
        Assert.Equal(DataType.Float, t.Type); // int32 data converted to the input's float
        Assert.Equal([1, 1, 2, 2], t.Shape);
        Assert.Equal([4f, 5, 6, 7], Floats(t));
    }

    [Fact]
    public void Symbolic_dimensions_take_the_data_size()
    {
        using var temp = new TempFolder();
        Npy.Write(temp.File("tokens.npy"), Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
        var t = SampleSources.Open(temp.File("tokens.npy"), [Input("ids", DataType.Int64, -1, -1)], Raw).Read().Last().Inputs["ids"];
        Assert.Equal(DataType.Int64, t.Type);
        Assert.Equal([1, 3], t.Shape);
        Assert.Equal([4L, 5, 6], t.Span<long>().ToArray());
    }

    [Fact]
    public void Npy_of_the_wrong_shape_or_for_several_inputs_fails_naming_the_file()
    {
        using var temp = new TempFolder();
        Npy.Write(temp.File("data.npy"), Tensor.FromArray(new float[12], [2, 6]));
        var e = Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("data.npy"), [Input("x", 1, 1, 2, 2)], Raw));
        Assert.Contains("data.npy", e.Message, StringComparison.Ordinal);
        Assert.Contains("a sample of shape [6] does not fit input 'x'", e.Message, StringComparison.Ordinal);
        Assert.Contains("the model has 2 inputs",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("data.npy"), [Input("x", 6), Input("y", 6)], Raw)).Message, StringComparison.Ordinal);
        File.WriteAllText(temp.File("junk.npy"), "junk");
        Assert.Contains("junk.npy", Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("junk.npy"), [Input("x", 6)], Raw)).Message, StringComparison.Ordinal);
        File.WriteAllText(temp.File("data.csv"), "1,2");
        Assert.Contains("unknown data format", Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("data.csv"), [Input("x", 6)], Raw)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Npz_arrays_are_matched_to_inputs_by_name()
    {
        using var temp = new TempFolder();
        WriteNpz(temp.File("pairs.npz"),
            ("b", Tensor.FromArray(new[] { 10f, 20f, 30f }, [3, 1])),
            ("a", Tensor.FromArray(Range(6), [3, 2])));
        var source = SampleSources.Open(temp.File("pairs.npz"), [Input("a", -1, 2), Input("b", -1, 1)], Raw);
        var samples = source.Read().ToList();
        Assert.Equal(3, samples.Count);
        Assert.Equal([2f, 3], Floats(samples[1].Inputs["a"]));
        Assert.Equal([20f], Floats(samples[1].Inputs["b"]));

        WriteNpz(temp.File("one.npz"), ("arr_0", Tensor.FromArray(Range(4), [2, 2])));
        Assert.Equal([2f, 3], Floats(SampleSources.Open(temp.File("one.npz"), [Input("x", 1, 2)], Raw).Read().Last().Inputs["x"]));

        Assert.Contains("name an array after each input",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("pairs.npz"), [Input("c", 1, 2)], Raw)).Message, StringComparison.Ordinal);
        WriteNpz(temp.File("uneven.npz"), ("a", Tensor.FromArray(Range(6), [3, 2])), ("b", Tensor.FromArray(Range(2), [2, 1])));
        Assert.Contains("different numbers of samples",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("uneven.npz"), [Input("a", 1, 2), Input("b", 1, 1)], Raw)).Message, StringComparison.Ordinal);
        File.WriteAllText(temp.File("junk.npz"), "junk");
        Assert.Contains("is not a valid .npz",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("junk.npz"), [Input("a", 1, 2)], Raw)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_of_pb_files_is_one_sample_per_file()
    {
        using var temp = new TempFolder();
        OnnxTensorFile.Write(temp.File("b.pb"), Tensor.FromArray(new[] { 3f, 4f }, [1, 2]));
        OnnxTensorFile.Write(temp.File("a.pb"), Tensor.FromArray(new double[] { 1, 2 }, [2]));
        var source = SampleSources.Open(temp.Path, [Input("x", -1, 2)], Raw);
        var samples = source.Read().ToList();
        Assert.Equal(["a.pb", "b.pb"], samples.Select(s => s.Id));
        Assert.Equal(DataType.Float, samples[0].Inputs["x"].Type);
        Assert.Equal([1, 2], samples[0].Inputs["x"].Shape);
        Assert.Equal([1f, 2], Floats(samples[0].Inputs["x"]));
        Assert.Equal([3f, 4], Floats(samples[1].Inputs["x"]));

        OnnxTensorFile.Write(temp.File("c.pb"), Tensor.FromArray(new float[3], [1, 3]));
        var e = Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.Path, [Input("x", -1, 2)], Raw).Read().ToList());
        Assert.Contains("c.pb", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pb_file_is_a_whole_input_even_with_a_batch_above_one()
    {
        using var temp = new TempFolder();
        OnnxTensorFile.Write(temp.File("x.pb"), Tensor.FromArray(Range(6), [3, 2]));
        Assert.Equal([3, 2], SampleSources.Open(temp.Path, [Input("x", 3, 2)], Raw).Read().Single().Inputs["x"].Shape);
        Assert.Equal([3, 2], SampleSources.Open(temp.Path, [Input("x", -1, 2)], Raw).Read().Single().Inputs["x"].Shape);
        var undeclared = new Pinhole.IR.ValueInfo("x", new Pinhole.IR.TensorTypeInfo(DataType.Float, null));
        Assert.Equal([3, 2], SampleSources.Open(temp.Path, [undeclared], Raw).Read().Single().Inputs["x"].Shape);

        // From a .npy, a sample of the same rank is one whole input only as 1 or as the model fixes it.
        Npy.Write(temp.File("x.npy"), Tensor.FromArray(Range(12), [2, 3, 2]));
        Assert.Equal([3, 2], SampleSources.Open(temp.File("x.npy"), [Input("x", 3, 2)], Raw).Read().First().Inputs["x"].Shape);
        Assert.Equal([1, 3, 2], SampleSources.Open(temp.File("x.npy"), [undeclared], Raw).Read().First().Inputs["x"].Shape);
        Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("x.npy"), [Input("x", -1, 2)], Raw));
    }

    [Fact]
    public void Test_data_set_folders_give_one_sample_each_with_inputs_in_graph_order()
    {
        using var temp = new TempFolder();
        for (int s = 0; s < 3; s++)
        {
            string set = temp.Folder($"test_data_set_{s}");
            OnnxTensorFile.Write(Path.Combine(set, "input_0.pb"), Tensor.FromArray(new[] { (float)s }, [1, 1]));
            OnnxTensorFile.Write(Path.Combine(set, "input_1.pb"), Tensor.FromArray(new[] { s * 10L, 7 }, [1, 2]));
            OnnxTensorFile.Write(Path.Combine(set, "output_0.pb"), Tensor.FromArray(new[] { 0f }, [1]));
        }
        var inputs = new[] { Input("first", 1, 1), Input("second", DataType.Int64, 1, 2) };
        var source = SampleSources.Open(temp.Path, inputs, new SampleOptions { Skip = 1 });
        Assert.Equal(2, source.Count);
        var samples = source.Read().ToList();
        Assert.Equal(["test_data_set_1", "test_data_set_2"], samples.Select(s => s.Id));
        Assert.Equal([2f], Floats(samples[1].Inputs["first"]));
        Assert.Equal([20L, 7], samples[1].Inputs["second"].Span<long>().ToArray());

        // One set given directly.
        var one = SampleSources.Open(Path.Combine(temp.Path, "test_data_set_0"), inputs, Raw);
        Assert.Equal("test_data_set_0", Assert.Single(one.Read()).Id);

        File.Delete(Path.Combine(temp.Path, "test_data_set_2", "input_1.pb"));
        Assert.Contains("input_1.pb' does not exist",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.Path, inputs, Raw)).Message, StringComparison.Ordinal);
    }
}
