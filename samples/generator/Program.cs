using Microsoft.ML.OnnxRuntime;
using Pinhole;
using Pinhole.Onnx;
using Pinhole.Tools;

// Usage: Pinhole.SampleGenerator OUTDIR  (writes OUTDIR/model.onnx and OUTDIR/test_data_set_0/{input_0,output_0}.pb)
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run --project samples/generator -- OUTDIR");
    return 2;
}
string outDir = args[0];
string dataDir = Path.Combine(outDir, "test_data_set_0");
Directory.CreateDirectory(dataDir);

var model = SampleModels.TinyCnn();
string modelPath = Path.Combine(outDir, "model.onnx");
OnnxModel.Save(model, modelPath);
var input = SampleModels.TinyCnnInput();
OnnxTensorFile.Write(Path.Combine(dataDir, "input_0.pb"), input, SampleModels.TinyCnnInputName);

// The reference output comes from ONNX Runtime, reading the file just written.
using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
using var session = new InferenceSession(modelPath, options);
var data = input.Span<float>().ToArray();
using var ortInput = OrtValue.CreateTensorValueFromMemory(data, input.Shape.Select(d => (long)d).ToArray());
using var runOptions = new RunOptions();
using var results = session.Run(runOptions, [SampleModels.TinyCnnInputName], [ortInput], [SampleModels.TinyCnnOutputName]);
var result = results.First();
var shape = result.GetTensorTypeAndShape().Shape.Select(d => checked((int)d)).ToArray();
var output = Tensor.FromArray(result.GetTensorDataAsSpan<float>().ToArray(), shape);
OnnxTensorFile.Write(Path.Combine(dataDir, "output_0.pb"), output, SampleModels.TinyCnnOutputName);

Console.WriteLine($"wrote {modelPath} and {dataDir}: output {Tensor.FormatShape(shape)} = [{string.Join(", ", output.Span<float>().ToArray())}]");
return 0;
