using Pinhole.Tools.Datasets;
using static Pinhole.Tools.Tests.Datasets.TestData;

namespace Pinhole.Tools.Tests.Datasets;

public class ImageSourceTests
{
    private static readonly SampleOptions NoResize4 = new() { ResizeShorterSide = 4 };

    private static Sample Single(string dir, Pinhole.IR.ValueInfo input, SampleOptions options) =>
        Assert.Single(SampleSources.Open(dir, [input], options).Read());

    [Theory]
    [InlineData("raw", 10f, 20f, 30f)]
    [InlineData("unit", 10f / 255, 20f / 255, 30f / 255)]
    [InlineData("imagenet", (10f / 255 - 0.485f) / 0.229f, (20f / 255 - 0.456f) / 0.224f, (30f / 255 - 0.406f) / 0.225f)]
    [InlineData("caffe", 30f - 103.939f, 20f - 116.779f, 10f - 123.68f)] // B, G, R
    public void Presets_give_the_documented_values_per_channel(string preset, float c0, float c1, float c2)
    {
        using var temp = new TempFolder();
        WritePng(temp.File("a.png"), 4, 4, (_, _) => (10, 20, 30));
        var sample = Single(temp.Path, Input("x", 1, 3, 4, 4), NoResize4 with { Preset = preset });
        Assert.Equal("a.png", sample.Id);
        var t = sample.Inputs["x"];
        Assert.Equal([1, 3, 4, 4], t.Shape);
        var v = Floats(t);
        Assert.All(v[..16], x => Assert.Equal(c0, x, 1e-5f));
        Assert.All(v[16..32], x => Assert.Equal(c1, x, 1e-5f));
        Assert.All(v[32..], x => Assert.Equal(c2, x, 1e-4f));
    }

    [Fact]
    public void A_gray_input_takes_the_luminance_and_the_weighted_mean()
    {
        using var temp = new TempFolder();
        WritePng(temp.File("a.png"), 4, 4, (_, _) => (10, 20, 30));
        float luma = 0.299f * 10 + 0.587f * 20 + 0.114f * 30;
        Assert.All(Floats(Single(temp.Path, Input("x", 1, 1, 4, 4), NoResize4 with { Preset = "raw" }).Inputs["x"]),
            x => Assert.Equal(luma, x, 1e-4f));
        float mean = 0.299f * 0.485f + 0.587f * 0.456f + 0.114f * 0.406f, std = 0.299f * 0.229f + 0.587f * 0.224f + 0.114f * 0.225f;
        Assert.All(Floats(Single(temp.Path, Input("x", 1, 1, 4, 4), NoResize4).Inputs["x"]),
            x => Assert.Equal((luma / 255 - mean) / std, x, 1e-4f));
    }

    [Fact]
    public void Nchw_and_nhwc_place_the_same_pixel_where_their_layouts_say()
    {
        using var temp = new TempFolder();
        WritePng(temp.File("a.png"), 4, 4, (x, y) => ((byte)(x * 10), (byte)(y * 10), 200));
        var options = NoResize4 with { Preset = "raw" };
        var nchw = Floats(Single(temp.Path, Input("x", 1, 3, 4, 4), options).Inputs["x"]);
        var nhwcTensor = Single(temp.Path, Input("x", 1, 4, 4, 3), options).Inputs["x"];
        Assert.Equal([1, 4, 4, 3], nhwcTensor.Shape);
        var nhwc = Floats(nhwcTensor);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                float[] expected = [x * 10, y * 10, 200];
                for (int c = 0; c < 3; c++)
                {
                    Assert.Equal(expected[c], nchw[c * 16 + y * 4 + x]);
                    Assert.Equal(expected[c], nhwc[(y * 4 + x) * 3 + c]);
                }
            }
        // An explicit layout wins over the shape's hint: [1,3,4,3] read as NHWC is 3 rows of 4 pixels.
        var forced = SampleSources.Open(temp.Path, [Input("x", 1, 3, 4, 3)], options with { Layout = ImageLayout.Nhwc });
        Assert.Equal([1, 3, 4, 3], Assert.Single(forced.Read()).Inputs["x"].Shape);
    }

    [Fact]
    public void The_centre_crop_of_a_wide_image_is_its_middle()
    {
        using var temp = new TempFolder();
        WritePng(temp.File("a.png"), 8, 4, (x, y) => ((byte)x, (byte)y, 0));
        // Shorter side already 4: no resize; crop 2x2 from top (4-2)/2 = 1, left (8-2)/2 = 3.
        var v = Floats(Single(temp.Path, Input("x", 1, 3, 2, 2), NoResize4 with { Preset = "raw" }).Inputs["x"]);
        Assert.Equal([3, 4, 3, 4], v[..4]);
        Assert.Equal([1, 1, 2, 2], v[4..8]);
    }

    [Fact]
    public void Shrinking_averages_with_a_widened_triangle_filter()
    {
        // 4 -> 2: each output averages inputs with weights 3/7, 3/7, 1/7 (PIL's antialiased bilinear).
        var w = ImageResampler.Weights(4, 2, 0, 2);
        Assert.Equal(0, w.Start[0]);
        Assert.Equal([3f / 7, 3f / 7, 1f / 7], w.Of(0).ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal(1, w.Start[1]);
        Assert.Equal([1f / 7, 3f / 7, 3f / 7], w.Of(1).ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
        // Same size: the identity.
        var same = ImageResampler.Weights(5, 5, 0, 5);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i, same.Start[i]);
            Assert.Equal(1f, same.Of(i)[0]);
        }

        using var temp = new TempFolder();
        WritePng(temp.File("a.png"), 4, 4, (x, _) => ((byte)(x * 70), 9, 0));
        var v = Floats(Single(temp.Path, Input("x", 1, 3, 2, 2), new SampleOptions { Preset = "raw", ResizeShorterSide = 2 }).Inputs["x"]);
        Assert.Equal((3 * 0 + 3 * 70 + 1 * 140) / 7f, v[0], 1e-4f);
        Assert.Equal((1 * 70 + 3 * 140 + 3 * 210) / 7f, v[1], 1e-4f);
        Assert.All(v[4..8], g => Assert.Equal(9f, g, 1e-4f));
    }

    [Theory]
    [InlineData(224, 224, 256)]
    [InlineData(244, 244, 279)]
    [InlineData(28, 28, 32)]
    [InlineData(240, 320, 366)]
    public void The_default_resize_makes_the_crop_87_5_percent_of_the_shorter_side(int h, int w, int expected) =>
        Assert.Equal(expected, ImageFolderSource.ShorterSideFor(h, w));

    [Fact]
    public void Images_come_in_ordinal_file_name_order_of_any_case_and_skip_and_limit_apply_in_order()
    {
        using var temp = new TempFolder();
        string[] names = ["b.png", "a.PNG", "C.png", "d.png", "e.png"];
        for (int i = 0; i < names.Length; i++) WritePng(temp.File(names[i]), 4, 4, (_, _) => ((byte)i, 0, 0));
        File.WriteAllText(temp.File("notes.txt"), "not an image");
        var input = Input("x", 1, 3, 4, 4);
        var all = SampleSources.Open(temp.Path, [input], NoResize4);
        Assert.Equal(5, all.Count);
        Assert.Equal(["C.png", "a.PNG", "b.png", "d.png", "e.png"], all.Read().Select(s => s.Id));
        var some = SampleSources.Open(temp.Path, [input], NoResize4 with { Preset = "raw", Skip = 1, Limit = 2 });
        Assert.Equal(2, some.Count);
        Assert.Contains("samples 2-3 of 5", some.Description, StringComparison.Ordinal);
        var read = some.Read().ToList();
        Assert.Equal(["a.PNG", "b.png"], read.Select(s => s.Id));
        Assert.Equal([1, 2], read.Select(s => s.Index));
        Assert.Equal(1f, read[0].Inputs["x"].Span<float>()[0]); // a.PNG was written with red 1
        Assert.Empty(SampleSources.Open(temp.Path, [input], NoResize4 with { Skip = 9 }).Read());
    }

    [Fact]
    public void Symbolic_batch_is_one_and_float16_inputs_get_float16()
    {
        using var temp = new TempFolder();
        WritePng(temp.File("a.png"), 4, 4, (_, _) => (1, 2, 3));
        var t = Single(temp.Path, Input("x", DataType.Float16, -1, 3, 4, 4), NoResize4 with { Preset = "raw" }).Inputs["x"];
        Assert.Equal(DataType.Float16, t.Type);
        Assert.Equal([1, 3, 4, 4], t.Shape);
        Assert.Equal((Half)3, t.Span<Half>()[47]);
    }

    [Fact]
    public void Undecodable_images_and_unusable_inputs_fail_naming_the_file_or_input()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("broken.jpg"), "not a jpeg");
        var source = SampleSources.Open(temp.Path, [Input("x", 1, 3, 4, 4)], NoResize4);
        var e = Assert.Throws<InvalidInputException>(() => source.Read().ToList());
        Assert.Contains("broken.jpg", e.Message, StringComparison.Ordinal);

        Assert.Contains("which dimension holds the channels",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.Path, [Input("x", 1, 5, 5, 5)], NoResize4)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown preset 'vgg'",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.Path, [Input("x", 1, 3, 4, 4)], new SampleOptions { Preset = "vgg" })).Message, StringComparison.Ordinal);
        Assert.Contains("the model has 2 inputs",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.Path, [Input("x", 1, 3, 4, 4), Input("y", 1)], NoResize4)).Message, StringComparison.Ordinal);
        Assert.Contains("smaller than the 4x4 crop",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.Path, [Input("x", 1, 3, 4, 4)], new SampleOptions { ResizeShorterSide = 3 })).Message, StringComparison.Ordinal);
        Assert.Contains("is one image",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(temp.File("broken.jpg"), [Input("x", 1, 3, 4, 4)], NoResize4)).Message, StringComparison.Ordinal);

        using var empty = new TempFolder();
        Assert.Contains("holds no images",
            Assert.Throws<InvalidInputException>(() => SampleSources.Open(empty.Path, [Input("x", 1, 3, 4, 4)], NoResize4)).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => SampleSources.Open(empty.File("missing.npy"), [Input("x", 1, 3, 4, 4)], NoResize4));
    }
}
