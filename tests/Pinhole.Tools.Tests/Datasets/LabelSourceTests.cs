using Pinhole.Tools.Datasets;
using static Pinhole.Tools.Tests.Datasets.TestData;

namespace Pinhole.Tools.Tests.Datasets;

public class LabelSourceTests
{
    private static Sample Named(string id, int index = 0) => new(id, index, new Dictionary<string, Tensor>());

    [Fact]
    public void Csv_labels_match_by_file_name_in_any_column_order_with_quoted_cells()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("labels.csv"), """
            name,class_index,file
            "tench, a fish",0,images/n01440764_tench.JPEG
            hen,8,n01514859_hen.JPEG

            """);
        var labels = LabelSources.Open(temp.File("labels.csv"));
        Assert.Equal(0, labels.ClassOf(Named("n01440764_tench.JPEG", 5)));
        Assert.Equal(8, labels.ClassOf(Named("n01514859_hen.JPEG")));
        Assert.Contains("2 labels", labels.Description, StringComparison.Ordinal);
        var e = Assert.Throws<InvalidInputException>(() => labels.ClassOf(Named("missing.JPEG")));
        Assert.Contains("has no label for 'missing.JPEG'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file,label\na.png,1\n", "'file' and 'class_index'")]
    [InlineData("file,class_index\na.png,one\n", "line 2: class_index 'one' is not a non-negative integer")]
    [InlineData("file,class_index\na.png\n", "line 2: 1 columns")]
    [InlineData("file,class_index\na.png,1\na.png,2\n", "line 3: a second label for 'a.png'")]
    public void Malformed_csv_labels_fail_naming_the_file_and_line(string text, string expected)
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.File("bad.csv"), text);
        var e = Assert.Throws<InvalidInputException>(() => LabelSources.Open(temp.File("bad.csv")));
        Assert.Contains("bad.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_labels_match_by_sample_index()
    {
        using var temp = new TempFolder();
        WriteIdx(temp.File("t10k-labels-idx1-ubyte.gz"), [3], [7, 2, 1], gzip: true);
        var labels = LabelSources.Open(temp.File("t10k-labels-idx1-ubyte.gz"));
        Assert.Equal(1, labels.ClassOf(Named("anything", 2)));
        Assert.Equal(7, labels.ClassOf(Named("2", 0)));
        Assert.Contains("none for sample 3", Assert.Throws<InvalidInputException>(() => labels.ClassOf(Named("3", 3))).Message, StringComparison.Ordinal);

        WriteIdx(temp.File("images-idx3-ubyte"), [1, 2, 2], new byte[4]);
        Assert.Contains("is not a label list",
            Assert.Throws<InvalidInputException>(() => LabelSources.Open(temp.File("images-idx3-ubyte"))).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => LabelSources.Open(temp.File("none.csv")));
    }
}
