using System.Text.Json;
using Pinhole.Cli;

namespace Pinhole.Cli.Tests;

public sealed class CheckCommandTests
{
    private static readonly string Model = Repository.Sample("tiny-cnn", "model.onnx");

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Check_json_has_the_documented_fields()
    {
        var (code, output, err) = Run("check", Model, "--device", "raspberry-pi-4", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("fits").GetBoolean());
        Assert.Equal(1418 * 4, root.GetProperty("weights_bytes").GetInt64());
        Assert.True(root.GetProperty("peak_activation_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("ram_required_bytes").GetInt64() >= root.GetProperty("peak_activation_bytes").GetInt64());
        Assert.True(root.GetProperty("flash_required_bytes").GetInt64() >= root.GetProperty("weights_bytes").GetInt64());
        Assert.True(root.GetProperty("estimated_latency_ms").GetDouble() > 0);
        var nodes = root.GetProperty("nodes");
        Assert.Equal(9, nodes.GetArrayLength());
        foreach (var n in nodes.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(n.GetProperty("name").GetString()));
            Assert.False(string.IsNullOrEmpty(n.GetProperty("op").GetString()));
            Assert.True(n.GetProperty("supported").GetBoolean());
            Assert.Equal(JsonValueKind.String, n.GetProperty("reason").ValueKind);
            Assert.Equal(0, n.GetProperty("segment").GetInt32());
            Assert.True(n.GetProperty("estimated_ms").GetDouble() >= 0);
        }
    }

    [Fact]
    public void Fail_on_fallback_exits_3_when_a_node_falls_back()
    {
        // A float model on the Edge TPU: everything falls back to TFLite on the host CPU.
        var (code, output, err) = Run("check", Model, "--device", "coral-usb-accelerator", "--fail-on-fallback");
        Assert.Equal(3, code);
        Assert.Contains("only quantized", output, StringComparison.Ordinal);
        Assert.Equal("", err);
        Assert.Equal(0, Run("check", Model, "--device", "coral-usb-accelerator").Code);
        Assert.Equal(0, Run("check", Model, "--device", "raspberry-pi-4", "--fail-on-fallback").Code);
    }

    [Fact]
    public void Unknown_devices_and_backends_are_one_line_errors()
    {
        var (code, _, err) = Run("check", Model, "--device", "toaster");
        Assert.Equal(2, code);
        Assert.StartsWith("error: no device named 'toaster'", err, StringComparison.Ordinal);
        (code, _, err) = Run("check", Model, "--device", "stm32h7", "--backend", "tensorrt");
        Assert.Equal(2, code);
        Assert.Contains("has no backend 'tensorrt'", err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Devices_lists_every_built_in_profile()
    {
        var (code, output, _) = Run("devices");
        Assert.Equal(0, code);
        foreach (var name in new[] { "raspberry-pi-4", "jetson-orin-nano", "coral-usb-accelerator", "stm32h7", "arduino-nano-33-ble", "dev-machine" })
            Assert.Contains(name, output, StringComparison.Ordinal);
        (code, output, _) = Run("devices", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetArrayLength() >= 13);
        Assert.All(doc.RootElement.EnumerateArray(), d => Assert.True(d.GetProperty("ram_bytes").GetInt64() > 0));
    }
}
