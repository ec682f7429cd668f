using System.Globalization;

namespace Pinhole.Tools.Datasets;

/// <summary>The true class of each sample, for accuracy.</summary>
public interface ILabelSource
{
    /// <summary>A one-line description, e.g. "250 labels in labels.csv (by file name)".</summary>
    string Description { get; }

    /// <summary>The class index of <paramref name="sample"/>.</summary>
    /// <exception cref="InvalidInputException">The labels have none for this sample.</exception>
    int ClassOf(Sample sample);
}

/// <summary>Opens class labels: a CSV with a header naming <c>file</c> and <c>class_index</c> columns (matched by file
/// name, the sample's <see cref="Sample.Id"/>), or an IDX label file (<c>*-idx1-ubyte</c>, <c>.gz</c> too; matched by
/// <see cref="Sample.Index"/>).</summary>
public static class LabelSources
{
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidInputException">The file is malformed.</exception>
    public static ILabelSource Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"labels file '{path}' does not exist", path);
        return path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? CsvLabels.Read(path) : IdxLabels.Read(path);
    }

    private sealed class IdxLabels(string path, byte[] labels) : ILabelSource
    {
        public static IdxLabels Read(string path)
        {
            var file = IdxFile.Read(path);
            if (file.Shape.Length != 1)
                throw new InvalidInputException($"'{path}': IDX shape {Tensor.FormatShape(file.Shape)} is not a label list [N]");
            return new IdxLabels(path, file.Data);
        }

        public string Description => $"{labels.Length} labels in {path} (by sample index)";

        public int ClassOf(Sample sample) =>
            (uint)sample.Index < (uint)labels.Length ? labels[sample.Index]
            : throw new InvalidInputException($"'{path}' has {labels.Length} labels: none for sample {sample.Index} ('{sample.Id}')");
    }

    private sealed class CsvLabels(string path, Dictionary<string, int> labels) : ILabelSource
    {
        public static CsvLabels Read(string path)
        {
            using var reader = new StreamReader(path);
            var header = Split(reader.ReadLine() ?? "");
            int fileColumn = header.IndexOf("file"), classColumn = header.IndexOf("class_index");
            if (fileColumn < 0 || classColumn < 0)
                throw new InvalidInputException($"'{path}': the first line must name the columns, with 'file' and 'class_index' among them (e.g. file,class_index,name)");
            var labels = new Dictionary<string, int>(StringComparer.Ordinal);
            int lineNumber = 1;
            for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                lineNumber++;
                if (line.Length == 0) continue;
                var cells = Split(line);
                if (cells.Count <= Math.Max(fileColumn, classColumn))
                    throw new InvalidInputException($"'{path}' line {lineNumber}: {cells.Count} columns, fewer than the header's");
                if (!int.TryParse(cells[classColumn], NumberStyles.None, CultureInfo.InvariantCulture, out int label))
                    throw new InvalidInputException($"'{path}' line {lineNumber}: class_index '{cells[classColumn]}' is not a non-negative integer");
                string file = Path.GetFileName(cells[fileColumn]);
                if (!labels.TryAdd(file, label))
                    throw new InvalidInputException($"'{path}' line {lineNumber}: a second label for '{file}'");
            }
            return new CsvLabels(path, labels);
        }

        public string Description => $"{labels.Count} labels in {path} (by file name)";

        public int ClassOf(Sample sample) =>
            labels.TryGetValue(sample.Id, out int label) ? label
            : throw new InvalidInputException($"'{path}' has no label for '{sample.Id}'");

        /// <summary>Cells of a CSV line; a cell in double quotes may hold commas, and "" inside it is one quote.</summary>
        private static List<string> Split(string line)
        {
            var cells = new List<string>();
            var cell = new System.Text.StringBuilder();
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c != '"') cell.Append(c);
                    else if (i + 1 < line.Length && line[i + 1] == '"') cell.Append(line[++i]);
                    else quoted = false;
                }
                else if (c == '"') quoted = true;
                else if (c == ',')
                {
                    cells.Add(cell.ToString().Trim());
                    cell.Clear();
                }
                else cell.Append(c);
            }
            cells.Add(cell.ToString().Trim());
            return cells;
        }
    }
}
