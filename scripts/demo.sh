#!/usr/bin/env bash
# Sets up (if needed), builds, and imports PaddleOCR's text-direction
# classifier into the npu dialect: prints the IR (weights elided) and a count
# of the ops. The demo grows into compile-and-run as the backend lands.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NPU_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
model="$root/third_party/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"
out=$(mktemp --suffix=.mlir)
trap 'rm -f "$out"' EXIT

echo "== npu-compile $(basename "$model") --input-shape=x:1x3x48x192 --compile-to=optimized"
"$build/bin/npu-compile" "$model" --input-shape=x:1x3x48x192 --compile-to=optimized \
  --mlir-elide-elementsattrs-if-larger=8 --mlir-elide-resource-strings-if-larger=8 -o "$out"
head -n 12 "$out"
echo "    ..."
grep -E '^\s+return' "$out"
echo
echo "== npu ops in @main"
grep -oE '= npu\.[a-z_]+' "$out" | sed 's/= //' | sort | uniq -c | sort -rn
echo
echo "== round trip through npu-opt"
"$build/bin/npu-opt" "$out" | "$build/bin/npu-opt" >/dev/null && echo "ok: the IR parses, verifies and prints back"

# Compile-and-run, for what the backend covers today (FP32 elementwise ops):
# a swish activation on 1x16x96x96, tiled and double-buffered.
echo
swish="$root/python-free-examples/swish/model.txtpb"
work=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$work"' EXIT
protoc --encode=onnx.ModelProto -I/usr/include /usr/include/onnx/onnx.proto < "$swish" > "$work/swish.onnx"
"$build/bin/npu-build-example" --random-f32="$work/x.npy" --shape=1x16x96x96
echo "== npu-compile swish.onnx -o swish.npubin && npu-run swish.npubin --input=x.npy"
"$build/bin/npu-compile" "$work/swish.onnx" --compile-to=bin -o "$work/swish.npubin"
"$build/bin/npu-run" "$work/swish.npubin" --input="$work/x.npy" --output-dir="$work/out" --report="$work/report.json"
"$build/bin/npu-objdump" "$work/swish.npubin" | sed -n '/^disassembly/,+6p'
