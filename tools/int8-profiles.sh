#!/usr/bin/env bash
# Per-kernel-class profiles of the int8 bench files, Pinhole against ONNX Runtime at 1 thread (docs/quantization.md,
# "Against ONNX Runtime"). For each file: ONNX Runtime's own per-node trace (its profiler, through the bench), Pinhole's
# `bench --profile`, and `inspect`'s multiply-adds per node; nodes are grouped by the kernel Pinhole ran them with.
# Usage: tools/int8-profiles.sh [OUT_DIR [THREADS]] (default /tmp/pinhole-int8-profiles, 1 thread). Takes about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/pinhole-int8-profiles}
T=${2:-1}
mkdir -p "$OUT"
dotnet build src/Pinhole.Cli -c Release -v q -nologo > /dev/null
dotnet build bench/Pinhole.Bench -c Release -v q -nologo > /dev/null
P=src/Pinhole.Cli/bin/Release/net10.0/pinhole
S=../shared/models
D=artifacts/bench-models

for name in mobilenetv2-12-int8 mobilenetv2-qdq squeezenet1.0-int8 mobilenetv2-int8; do
    case $name in
        mobilenetv2-12-int8) F=$S/mobilenetv2-12-int8/model.onnx ;;
        mobilenetv2-qdq) F=$S/mobilenetv2-qdq/model.onnx ;;
        *) F=$D/$name.onnx ;;
    esac
    rm -f "$OUT/$name"-ort_*.json
    # The bench derives the -int8 files on first use; ORT's trace goes to $OUT/NAME-ort_<time>.json.
    PINHOLE_BENCH_ORT_PROFILE="$OUT/$name-ort" dotnet run -c Release --no-build --project bench/Pinhole.Bench -- \
        --models "$name" --threads "$T" --runs 200 --out "$OUT/bench-$name" > "$OUT/bench-$name.log"
    "$P" bench "$F" --threads "$T" --runs 300 --profile --json > "$OUT/$name-pinhole.json"
    "$P" inspect "$F" --json > "$OUT/$name-inspect.json"
    python3 - "$name" "$OUT" "$T" <<'EOF'
import collections, glob, json, re, sys
name, out, threads = sys.argv[1], sys.argv[2], sys.argv[3]
ours = json.load(open(f"{out}/{name}-pinhole.json"))
macs = {n["node"]: n["macs"] for n in json.load(open(f"{out}/{name}-inspect.json"))["nodeMacs"]}
trace = json.load(open(sorted(glob.glob(f"{out}/{name}-ort_*.json"))[-1]))
runs = sum(1 for e in trace if e.get("name") == "model_run")
ort = collections.defaultdict(float)
for e in trace:
    if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
        ort[re.sub(r"_token_\d+$", "", e["name"][: -len("_kernel_time")])] += e["dur"] / runs / 1000

def kind(variant, op):
    v = variant or ""
    if v.startswith("depthwise"): return "depthwise"
    if "int8gemm" in v and op == "QLinearConv":
        layout = "int16" if "-s16" in v else "u8 quads" if "-quads" in v else "u8 pairs"
        return f"{'1x1' if v.startswith('1x1') else 'im2col'} GEMM, {layout}"
    if "int8gemm" in v or op == "MatMulInteger": return "classifier GEMM"
    return "everything else"

classes = collections.defaultdict(lambda: [0, 0, 0.0, 0.0])
for n in ours["profile"]:
    c = classes[kind(n.get("variant"), n["op"])]
    c[0] += 1
    c[1] += macs.get(n["node"], 0)
    c[2] += n["mean_ms"]
    c[3] += ort.pop(n["node"], 0.0)
classes["everything else"][3] += sum(ort.values())  # ORT's own nodes (layout transposes, renamed adds)
p50 = ours["latency_ms"]["p50"]
print(f"### {name} ({threads} thread{'s' if threads != '1' else ''}; Pinhole p50 {p50:.2f} ms; ORT's traced run {sum(c[3] for c in classes.values()):.2f} ms, its profiler included)")
print()
# Multiply-adds per 512-bit multiply instruction: ORT's VPDPBUSD does 64; Pinhole's pairs VPMADDUBSW + VPMADDWD 64 per
# two, quads 128 per three, int16 VPMADDWD 32 per one. Their quotient is the ratio the instruction alone imposes.
ceiling = {"u8 pairs": 2.0, "u8 quads": 1.5, "int16": 2.0}
print("| kernel class | nodes | M multiply-adds | Pinhole ms | G MAC/s | ORT ms | G MAC/s | Pinhole / ORT | instruction ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for k, (count, m, t, o) in sorted(classes.items(), key=lambda kv: -kv[1][2]):
    rate = lambda ms: f"{m / ms / 1e6:.0f}" if m and ms else ""
    limit = next((f"{v:.1f}" for layout, v in ceiling.items() if "GEMM" in k and k.endswith(layout)), "")
    print(f"| {k} | {count} | {m / 1e6:.1f} | {t:.3f} | {rate(t)} | {o:.3f} | {rate(o)} | {t / o if o else float('nan'):.2f} | {limit} |")
# The model with every GEMM class as efficient as ORT's (ORT's time times the instruction ratio, where Pinhole is slower):
# above 1.0, the file cannot reach ORT without the instruction.
ort_total = sum(c[3] for c in classes.values())
ours_total = sum(c[2] for c in classes.values())
def at_parity(k, t, o):
    ratio = next((v for layout, v in ceiling.items() if "GEMM" in k and k.endswith(layout)), None)
    return t if ratio is None else min(t, o * ratio)
parity = sum(at_parity(k, t, o) for k, (count, m, t, o) in classes.items())
print()
print(f"Sum of classes: Pinhole {ours_total:.2f} ms / ORT {ort_total:.2f} ms = {ours_total / ort_total:.2f}; with every GEMM class "
      f"at most ORT's time times the instruction ratio: {parity / ort_total:.2f}")
print()
EOF
done
