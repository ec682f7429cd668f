#!/usr/bin/env bash
# Reproduces the accuracy and size figures of docs/quantization.md: quantizes the issue-5 models with Pinhole and
# evaluates float and int8 on the held-out samples. Usage: tools/quantization-figures.sh [OUT_DIR] (default /tmp/pinhole-quant).
set -euo pipefail
cd "$(dirname "$0")/.."
S=../shared
I=$S/datasets/imagenet-sample
M=$S/datasets/mnist
OUT=${1:-/tmp/pinhole-quant}
mkdir -p "$OUT"
dotnet build src/Pinhole.Cli -c Release -v q -nologo > /dev/null
P=src/Pinhole.Cli/bin/Release/net10.0/pinhole

top1() { "$P" eval "$@" --json 2> /dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print("%.2f%% (%d/%d)" % (r["top1Percent"], r["top1"], r["count"]))'; }
size() { python3 -c "import os,sys; a,b=os.path.getsize(sys.argv[1]),os.path.getsize(sys.argv[2]); print(f'{b} / {a} bytes = {100*b/a:.1f}%')" "$1" "$2"; }

echo "## mnist-8: calibrate on MNIST test images 1-500, evaluate on 501-10000"
"$P" quantize $S/models/mnist-8/model.onnx -c $M/t10k-images-idx3-ubyte.gz --preset raw --limit 500 -o "$OUT/mnist-int8.onnx" > /dev/null 2>&1
echo "float $(top1 $S/models/mnist-8/model.onnx --data $M/t10k-images-idx3-ubyte.gz --labels $M/t10k-labels-idx1-ubyte.gz --preset raw --skip 500)"
echo "int8  $(top1 "$OUT/mnist-int8.onnx" --data $M/t10k-images-idx3-ubyte.gz --labels $M/t10k-labels-idx1-ubyte.gz --preset raw --skip 500)"
echo "size  $(size $S/models/mnist-8/model.onnx "$OUT/mnist-int8.onnx")"

"$P" optimize $S/models/mobilenetv2-qdq/model.onnx --strip-quantization --level none -o "$OUT/mobilenetv2-fp32.onnx" > /dev/null
for model in squeezenet mobilenetv2; do
    if [ $model = squeezenet ]; then F=$S/models/squeezenet1.0/model.onnx; PRESET=caffe; else F=$OUT/mobilenetv2-fp32.onnx; PRESET=imagenet; fi
    echo "## $model: calibrate on ImageNet sample images 1-100, evaluate on 101-250 (preset $PRESET)"
    echo "float                 $(top1 $F --data $I/images --labels $I/labels.csv --preset $PRESET --skip 100)"
    for method in minmax percentile entropy mse; do
        for variant in "" "--reduce-range"; do
            name="$OUT/$model-$method${variant:+-7bit}.onnx"
            "$P" quantize $F -c $I/images --preset $PRESET --limit 100 -m $method $variant -o "$name" > /dev/null 2>&1
            printf '%-21s %s, size %s\n' "int8 $method${variant:+ 7-bit}" "$(top1 "$name" --data $I/images --labels $I/labels.csv --preset $PRESET --skip 100)" "$(size $F "$name")"
        done
    done
done
