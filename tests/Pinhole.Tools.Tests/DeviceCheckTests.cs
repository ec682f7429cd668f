using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Testing;
using Pinhole.Tools.Benchmarking;
using Pinhole.Tools.Devices;

namespace Pinhole.Tools.Tests;

public sealed class DeviceCheckTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pinhole-devices-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EveryBuiltInProfileAndBackendLoads()
    {
        Assert.True(DeviceCatalog.BuiltInProfiles.Count >= 12);
        foreach (var name in new[] { "raspberry-pi-3b-plus", "raspberry-pi-4", "raspberry-pi-5", "jetson-nano", "jetson-orin-nano",
            "coral-usb-accelerator", "coral-dev-board", "stm32h7", "esp32-s3", "arduino-nano-33-ble", "phone-npu-android", "dev-machine" })
            Assert.Contains(DeviceCatalog.BuiltInProfiles, p => p.Name == name);
        foreach (var profile in DeviceCatalog.BuiltInProfiles)
        {
            Assert.NotEmpty(profile.Sources);
            foreach (var b in profile.Backends) Assert.Equal(b.Name, DeviceCatalog.Backend(b.Name, profile).Name);
        }
        foreach (var name in DeviceCatalog.BuiltInBackendNames) Assert.NotEmpty(DeviceCatalog.BuiltInBackend(name)!.Sources);
    }

    [Fact]
    public void ASmallModelFitsAndItsActivationsAreTheRuntimesArena()
    {
        var model = SampleModels.TinyCnn();
        var report = ModelChecker.Check(model, DeviceCatalog.Resolve("raspberry-pi-4"));
        Assert.True(report.Fits);
        Assert.True(report.Runnable);
        Assert.Equal("tflite", report.Backend);
        Assert.Equal(report.Nodes.Count, report.SupportedNodes);
        Assert.Equal(1418 * 4, report.WeightsBytes);
        Assert.True(report.EstimatedLatencyMs > 0);
        Assert.Equal(report.RamBytes - report.RamRequiredBytes, report.RamMarginBytes);
        // The same arena `pinhole bench` reports.
        var bench = ModelBenchmark.Run(Repository.Sample("tiny-cnn", "model.onnx"), new BenchmarkOptions { Runs = 1, Warmup = 0, SettleJit = false });
        Assert.Equal(bench.ArenaBytes, report.PeakActivationBytes);
        Assert.Equal(report.PeakActivationBytes + report.RuntimeRamBytes + report.WeightsBytes, report.RamRequiredBytes);
    }

    [Fact]
    public void TooLittleRamOrFlashDoesNotFitAndSaysByHowMuch()
    {
        var model = SampleModels.TinyCnn();
        var fits = ModelChecker.Check(model, Device(ram: 1 << 20, flash: 1 << 20));
        Assert.True(fits.Fits);
        var noRam = ModelChecker.Check(model, Device(ram: 16 << 10, flash: 1 << 20));
        Assert.False(noRam.Fits);
        Assert.True(noRam.RamMarginBytes < 0);
        Assert.True(noRam.FlashMarginBytes >= 0);
        Assert.True(noRam.WeightsInFlash); // a microcontroller keeps weights in flash
        Assert.Equal(noRam.PeakActivationBytes + noRam.RuntimeRamBytes, noRam.RamRequiredBytes);
        var noFlash = ModelChecker.Check(model, Device(ram: 1 << 20, flash: 4 << 10));
        Assert.False(noFlash.Fits);
        Assert.True(noFlash.FlashMarginBytes < 0);
        Assert.Equal(noFlash.WeightsBytes + noFlash.RuntimeFlashBytes, noFlash.FlashRequiredBytes);
        // Advice says what int8 would save.
        var quantize = Assert.Single(noFlash.Advice, a => a.Action.StartsWith("quantize", StringComparison.Ordinal));
        Assert.True(quantize.WeightsBytes < noFlash.WeightsBytes / 3);
    }

    [Fact]
    public void AnUnsupportedOpIsNamedWithTheReasonAndFailsABackendWithoutFallback()
    {
        var model = SampleModels.TinyCnn();
        // A backend without Softmax: the last node cannot run anywhere.
        WriteBackend("mini", """
            { "name": "mini", "title": "mini", "partitioning": "none", "ops": [ { "op": "Conv" }, { "op": "Relu" },
              { "op": "MaxPool", "attributes": { "kernel_shape": { "max": 1 } } }, { "op": "GlobalAveragePool" }, { "op": "Flatten" }, { "op": "Gemm" } ],
              "replacements": [ { "op": "Softmax", "use": ["Exp", "ReduceSum", "Div"] } ], "sources": [ { "about": "test" } ] }
            """);
        var report = ModelChecker.Check(model, Device(ram: 1 << 30, flash: 1 << 30, backend: "mini"));
        Assert.False(report.Runnable);
        var softmax = Assert.Single(report.Nodes, n => n.Op == "Softmax");
        Assert.False(softmax.Supported);
        Assert.Equal(-1, softmax.Segment);
        Assert.Contains("mini has no Softmax", softmax.Reason, StringComparison.Ordinal);
        Assert.Contains("Exp + ReduceSum + Div", softmax.Reason, StringComparison.Ordinal);
        var pool = Assert.Single(report.Nodes, n => n.Op == "MaxPool");
        Assert.False(pool.Supported);
        Assert.Contains("attribute kernel_shape=[2,2]", pool.Reason, StringComparison.Ordinal);
        Assert.Equal(2, report.UnsupportedNodes);
        Assert.Contains(report.Advice, a => a.Action.StartsWith("replace Softmax", StringComparison.Ordinal));
    }

    [Fact]
    public void EdgeTpuRunsAQuantizedPrefixAndEverythingAfterTheFirstUnsupportedOpOnTheCpu()
    {
        var model = QuantizedChain();
        var report = ModelChecker.Check(model, DeviceCatalog.Resolve("coral-usb-accelerator"));
        Assert.Equal("edgetpu", report.Backend);
        Assert.Equal("tflite", report.FallbackBackend);
        Assert.True(report.Runnable);
        var leaky = Assert.Single(report.Nodes, n => n.Op == "LeakyRelu");
        Assert.Contains("edgetpu has no LeakyRelu", leaky.Reason, StringComparison.Ordinal);
        var convs = report.Nodes.Where(n => n.Op == "Conv").ToList();
        Assert.Equal(2, convs.Count);
        Assert.True(convs[0].Supported);
        Assert.Equal("edgetpu", report.Segments[convs[0].Segment].Backend);
        // The second Conv is supported by the Edge TPU, but it comes after the LeakyRelu: the compiler leaves it to the CPU.
        Assert.Equal("tflite", report.Segments[convs[1].Segment].Backend);
        Assert.Contains("after the first node edgetpu cannot run", convs[1].Reason, StringComparison.Ordinal);
        Assert.Equal(["edgetpu", "tflite"], report.Segments.Select(s => s.Backend));
        Assert.True(report.Transfers >= 2); // the input to the accelerator, its result back
        Assert.True(report.FallbackNodes > 0);

        // The float model does not run on the Edge TPU at all.
        var floatReport = ModelChecker.Check(SampleModels.TinyCnn(), DeviceCatalog.Resolve("coral-usb-accelerator"));
        Assert.Equal(0, floatReport.SupportedNodes);
        Assert.Contains("only quantized", floatReport.Nodes[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ConverterLoweringsAndNoOpsDoNotCountAgainstABackend()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Symbol("batch"), Dim.Known(3), Dim.Known(4), Dim.Known(4)])));
        foreach (var name in new[] { "scale", "bias", "mean", "var" }) g.Initializers[name] = Tensor.FromArray(new[] { 1f, 2f, 3f }, [3]);
        g.Nodes.Add(new Node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["bn"], "", "bn"));
        g.Nodes.Add(new Node("Dropout", ["bn"], ["dropped"], "", "dropout"));
        // A shape computation: constant once the symbolic batch is fixed, so converters fold it.
        g.Nodes.Add(new Node("Shape", ["dropped"], ["shape"], "", "shape"));
        g.Nodes.Add(new Node("Reshape", ["dropped", "shape"], ["y"], "", "reshape"));
        g.Outputs.Add(new ValueInfo("y"));
        var report = ModelChecker.Check(model, DeviceCatalog.Resolve("raspberry-pi-4"));
        Assert.True(report.Runnable);
        Assert.Contains("lowered by the converter", Assert.Single(report.Nodes, n => n.Op == "BatchNormalization").Reason, StringComparison.Ordinal);
        Assert.Contains("removed by the converter", Assert.Single(report.Nodes, n => n.Op == "Dropout").Reason, StringComparison.Ordinal);
        var shape = Assert.Single(report.Nodes, n => n.Op == "Shape");
        Assert.Contains("computed from constants", shape.Reason, StringComparison.Ordinal);
        Assert.Equal(0, shape.EstimatedMs);
    }

    [Theory]
    [InlineData("""{ "name": "x", "title": "x", "ram_bytes": "lots", "flash_bytes": 1 }""", "field 'ram_bytes' must be an integer, not the string \"lots\"")]
    [InlineData("""{ "name": "x", "title": "x", "ram_bytes": 1 }""", "field 'flash_bytes' is missing")]
    [InlineData("""{ "name": "Bad Name" }""", "field 'name' must be lowercase letters")]
    [InlineData("""{ "name": "x", "title": "x", "ram_bytes": 1, "flash_bytes": 1, "cpu": { "model": "m", "arch": "arm64", "cores": 0, "clock_mhz": 1 } }""", "field 'cpu.cores' must be at least 1")]
    [InlineData("""{ "name": "x", "title": "x", "ram_bytes": 1, "flash_bytes": 1, "cpu": { "model": "m", "arch": "arm64", "cores": 1, "clock_mhz": 1 }, "processors": { "cpu": { "fp32_gflops": 1, "memory_bandwidth_gbs": 1 } }, "backends": [ { "name": "tflite", "processor": "npu" } ] }""", "field 'backends[0].processor' names processor 'npu'")]
    [InlineData("""{ "name": "x", """, "not valid JSON")]
    public void AMalformedDeviceFileNamesTheFieldAtFault(string json, string expected)
    {
        string path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<DeviceProfileException>(() => DeviceCatalog.Resolve(path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<PinholeException>(e);
    }

    [Fact]
    public void AMalformedBackendFileNamesTheFieldAtFault()
    {
        WriteBackend("broken", """{ "name": "broken", "title": "b", "partitioning": "sometimes" }""");
        var e = Assert.Throws<DeviceProfileException>(() => ModelChecker.Check(SampleModels.TinyCnn(), Device(1 << 30, 1 << 30, backend: "broken")));
        Assert.Contains("field 'partitioning' must be \"none\", \"per-node\" or \"prefix\"", e.Message, StringComparison.Ordinal);
        Assert.Throws<DeviceProfileException>(() => DeviceCatalog.Resolve("no-such-device"));
    }

    [Fact]
    public void HostProfileIsMeasured()
    {
        var host = DeviceCatalog.Resolve("host");
        Assert.Equal("measured", host.Origin);
        Assert.True(host.Processors["cpu"].Fp32Gflops > 0);
        Assert.True(host.Processors["cpu"].MemoryBandwidthGbs > 0);
        Assert.Equal(Environment.ProcessorCount, host.Cpu.Cores);
        Assert.True(ModelChecker.Check(SampleModels.TinyCnn(), host).Fits);
    }

    [Fact]
    public void TheArenaMustFitOneContiguousRegion()
    {
        var model = SampleModels.TinyCnn();
        long arena = ModelChecker.Check(model, Device(ram: 1 << 20, flash: 1 << 20)).PeakActivationBytes;
        var split = ModelChecker.Check(model, Device(ram: 1 << 20, flash: 1 << 20, largestBlock: arena - 1));
        Assert.False(split.Fits);
        Assert.True(split.RamMarginBytes > 0);
        Assert.Contains(split.Notes, n => n.Contains("largest contiguous RAM region", StringComparison.Ordinal));
        Assert.True(ModelChecker.Check(model, Device(ram: 1 << 20, flash: 1 << 20, largestBlock: arena)).Fits);
    }

    /// <summary>A microcontroller-class profile (written beside a backend file, so tests can add backends).</summary>
    private DeviceProfile Device(long ram, long flash, string backend = "tflite-micro", long? largestBlock = null)
    {
        string path = Path.Combine(_dir, "device.json");
        File.WriteAllText(path, $$"""
            { "name": "test-mcu", "title": "test", "class": "microcontroller", "ram_bytes": {{ram}}, "flash_bytes": {{flash}},{{(largestBlock is long b ? $" \"largest_ram_block_bytes\": {b}," : "")}}
              "cpu": { "model": "Cortex-M4F", "arch": "arm32", "isa": ["dsp"], "cores": 1, "clock_mhz": 64 },
              "processors": { "cpu": { "fp32_gflops": 0.128, "int8_gops": 0.256, "memory_bandwidth_gbs": 0.25 } },
              "backends": [ { "name": "{{backend}}", "processor": "cpu" } ], "default_backend": "{{backend}}",
              "sources": [ { "about": "test" } ] }
            """);
        return DeviceCatalog.Resolve(path);
    }

    private void WriteBackend(string name, string json)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "backends"));
        File.WriteAllText(Path.Combine(_dir, "backends", name + ".json"), json);
    }

    /// <summary>QDQ: Conv (int8 weights) -> LeakyRelu -> Conv, each op between DequantizeLinear and QuantizeLinear.</summary>
    private static Model QuantizedChain()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(4), Dim.Known(8), Dim.Known(8)])));
        g.Initializers["s"] = Tensor.Scalar(0.05f);
        g.Initializers["z"] = Tensor.FromArray(new sbyte[] { 0 }, []);
        var w = new sbyte[4 * 4 * 3 * 3];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)((i * 7 % 11) - 5);
        g.Initializers["w"] = Tensor.FromArray(w, [4, 4, 3, 3]);
        g.Initializers["ws"] = Tensor.Scalar(0.02f);
        int k = 0;
        string QuantizeDequantize(string v)
        {
            k++;
            g.Nodes.Add(new Node("QuantizeLinear", [v, "s", "z"], [$"q{k}"], "", $"quantize{k}"));
            g.Nodes.Add(new Node("DequantizeLinear", [$"q{k}", "s", "z"], [$"dq{k}"], "", $"dequantize{k}"));
            return $"dq{k}";
        }
        g.Nodes.Add(new Node("DequantizeLinear", ["w", "ws", "z"], ["wf"], "", "dequantize_w"));
        string Conv(string v, string name)
        {
            g.Nodes.Add(new Node("Conv", [v, "wf"], [name], "", name)
                .WithAttribute(NodeAttribute.Of("kernel_shape", [3L, 3])).WithAttribute(NodeAttribute.Of("pads", [1L, 1, 1, 1])));
            return name;
        }
        var a = QuantizeDequantize(Conv(QuantizeDequantize("x"), "conv_a"));
        g.Nodes.Add(new Node("LeakyRelu", [a], ["leaky"], "", "leaky"));
        var b = QuantizeDequantize(Conv(QuantizeDequantize("leaky"), "conv_b"));
        g.Outputs.Add(new ValueInfo(b));
        return model;
    }
}
