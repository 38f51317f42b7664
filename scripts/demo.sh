#!/usr/bin/env bash
# Sets up (if needed) and builds, then runs PaddleOCR's text-direction
# classifier on the NPU emulator: renders a text line, preprocesses it the
# way PaddleOCR does, compiles the ONNX model to a .npubin, runs it upright
# and rotated by 180 degrees, and prints the predicted orientation with the
# emulator's summary (cycles, MAC utilisation, DRAM traffic, energy); then
# quantizes it to INT8, calibrated on other rendered lines, and runs it again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NPU_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" >/dev/null
bin="$build/bin"
model="$root/third_party/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
text=${1:-"Hello NPU 2026"}

echo "== npu-ocr render --text=\"$text\""
"$bin/npu-ocr" render --text="$text" -o "$work/line.png"

echo
echo "== npu-compile $(basename "$model") --input-shape=x:1x3x48x192 -o cls.npubin --report=cls.json"
"$bin/npu-compile" "$model" --input-shape=x:1x3x48x192 -o "$work/cls.npubin" --report="$work/cls.json"
sed -n '/"totals"/,$p' "$work/cls.json" | sed -n 's/^ *"\(weight_bytes\|arena_bytes\|arena_lower_bound_bytes\|macs\|cycles\|roofline_cycles\)": \([0-9]*\).*/  \1 \2/p'

for rot in 0 180; do
  flag=(); [ $rot = 180 ] && flag=(--rotate180)
  echo
  echo "== the line rotated by $rot degrees: npu-ocr preprocess, npu-run cls.npubin"
  "$bin/npu-ocr" preprocess --model=cls "$work/line.png" -o "$work/x$rot.npy" "${flag[@]}"
  "$bin/npu-run" "$work/cls.npubin" --input="x=$work/x$rot.npy" --output-dir="$work/out$rot"
  read -r label score < <("$bin/npu-ocr" decode --model=cls "$work/out$rot/softmax_0.tmp_0.npy")
  echo "predicted orientation: $label degrees (probability $score)"
done

# The same classifier in INT8: calibrated on three other rendered lines.
echo
echo "== npu-compile $(basename "$model") --quantize=int8 --calibration=cal/ -o cls-int8.npubin"
mkdir -p "$work/cal"
i=0
for line in "The quick brown fox" "Invoice total: 318.75" "Zebra crossing ahead"; do
  "$bin/npu-ocr" render --text="$line" -o "$work/cal/$i.png" > /dev/null
  "$bin/npu-ocr" preprocess --model=cls "$work/cal/$i.png" -o "$work/cal/$i-0.npy"
  "$bin/npu-ocr" preprocess --model=cls "$work/cal/$i.png" -o "$work/cal/$i-180.npy" --rotate180
  i=$((i + 1))
done
rm -f "$work"/cal/*.png
"$bin/npu-compile" "$model" --input-shape=x:1x3x48x192 -o "$work/cls-int8.npubin" \
  --quantize=int8 --calibration="$work/cal"
for rot in 0 180; do
  "$bin/npu-run" "$work/cls-int8.npubin" --input="x=$work/x$rot.npy" --output-dir="$work/int8-$rot" |
    sed -n 's/^  cycles */  INT8 cycles: /p'
  read -r label score < <("$bin/npu-ocr" decode --model=cls "$work/int8-$rot/softmax_0.tmp_0.npy")
  echo "rotated by $rot: INT8 predicts $label degrees (probability $score)"
done
