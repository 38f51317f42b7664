#!/usr/bin/env bash
# PaddleOCR's cls, rec and det models quantized to INT8 (npu-compile
# --quantize=int8), against the same models in FP32, on the emulator:
#   - calibration: text lines rendered by npu-ocr from CALIBRATION_LINES,
#     none of them the test line;
#   - cls: the INT8 model predicts the FP32 model's class for the test line
#     upright and rotated by 180 degrees;
#   - rec: the INT8 model's CTC-decoded text equals the FP32 model's;
#   - det: the probability maps' cosine similarity is at least 0.99
#     (npu-compare --min-cosine).
# Prints each model's cycles in INT8 and FP32 and the quantization report's
# output SQNR. Writes the reports to --report DIR when given.
#
# Usage: paddleocr-int8.sh --bin DIR --models DIR [--text TEXT] [--work DIR]
#        [--report DIR] [--method minmax|percentile|entropy]
#        [--int8-depthwise[=auto|all|none]]   (which depthwise convolutions run
#        in INT8; npu-compile's default is auto)
set -euo pipefail

bin="" models="" text="Hello NPU 2026" work="" reports="" method=minmax
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --text) text=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --report) reports=$2; shift 2 ;;
    --method) method=$2; shift 2 ;;
    --int8-depthwise|--int8-depthwise=*) extra+=("$1"); shift ;;
    *) echo "paddleocr-int8: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
script=paddleocr-int8
# shellcheck source=paddleocr-common.sh
source "$(dirname "$0")/paddleocr-common.sh"
[ -n "$reports" ] && mkdir -p "$reports"

# Calibration lines: distinct from the test line (checked).
CALIBRATION_LINES=("The quick brown fox" "jumps over 42 lazy dogs"
  "Invoice total: 318.75" "Zebra crossing ahead" "npu compiler INT8"
  "Calibration line seven")
for line in "${CALIBRATION_LINES[@]}"; do
  [ "$line" != "$text" ] || { echo "paddleocr-int8: the test line is a calibration line" >&2; exit 2; }
done
mkdir -p "$work/cal/cls" "$work/cal/rec" "$work/cal/det"
for i in "${!CALIBRATION_LINES[@]}"; do
  "$bin/npu-ocr" render --text="${CALIBRATION_LINES[$i]}" -o "$work/cal/line$i.png" > /dev/null
  "$bin/npu-ocr" preprocess --model=cls "$work/cal/line$i.png" -o "$work/cal/cls/$i-0.npy"
  "$bin/npu-ocr" preprocess --model=cls "$work/cal/line$i.png" -o "$work/cal/cls/$i-180.npy" --rotate180
  # rec and det calibrate on fewer lines: each sample is a full emulator run.
  [ "$i" -lt 4 ] && "$bin/npu-ocr" preprocess --model=rec "$work/cal/line$i.png" -o "$work/cal/rec/$i.npy"
  [ "$i" -lt 2 ] && "$bin/npu-ocr" preprocess --model=det "$work/cal/line$i.png" -o "$work/cal/det/$i.npy"
done
"$bin/npu-ocr" render --text="$text" -o "$work/line.png" > /dev/null

# build NAME MODEL SHAPE: NAME-fp32.npubin and NAME-int8.npubin.
build() {
  local name=$1 model=$2 shape=$3 report=()
  [ -n "$reports" ] && report=(--quant-report="$reports/$name-int8.json")
  "$bin/npu-compile" "$models/$model" --input-shape="x:$shape" -o "$work/$name-fp32.npubin"
  "$bin/npu-compile" "$models/$model" --input-shape="x:$shape" -o "$work/$name-int8.npubin" \
    --quantize=int8 --calibration="$work/cal/$name" --calibration-method="$method" "${report[@]}" "${extra[@]}"
}
# run NAME PRECISION INPUT: outputs in $work/NAME-PRECISION.out; prints cycles.
run() {
  rm -rf "$work/$1-$2.out"
  "$bin/npu-run" "$work/${1%%-*}-$2.npubin" --input="x=$3" --output-dir="$work/$1-$2.out" |
    sed -n "s/^  cycles */  $2 cycles: /p"
  result=$(ls "$work/$1-$2.out"/*.npy | head -n 1)
}

echo "== cls (1x3x48x192), calibrated on ${#CALIBRATION_LINES[@]} lines x 2 orientations"
build cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1x3x48x192
for rot in 0 180; do
  flag=(); [ $rot = 180 ] && flag=(--rotate180)
  "$bin/npu-ocr" preprocess --model=cls "$work/line.png" -o "$work/cls-$rot.npy" "${flag[@]}"
  run "cls-$rot" fp32 "$work/cls-$rot.npy"
  want=$("$bin/npu-ocr" decode --model=cls "$result" | cut -f1 -d' ')
  run "cls-$rot" int8 "$work/cls-$rot.npy"
  got=$("$bin/npu-ocr" decode --model=cls "$result" | cut -f1 -d' ')
  echo "  rotated $rot: FP32 class $want, INT8 class $got"
  [ "$got" = "$want" ] && [ "$want" = "$rot" ] || fail "cls-$rot: INT8 class $got, FP32 class $want, expected $rot"
done

echo "== rec (1x3x48x320), calibrated on 4 lines"
build rec ch_PP-OCRv4_rec_infer.onnx 1x3x48x320
"$bin/npu-ocr" preprocess --model=rec "$work/line.png" -o "$work/rec.npy"
run rec fp32 "$work/rec.npy"
want=$("$bin/npu-ocr" decode --model=rec "$result" --keys="$models/ppocr_keys_v1.txt" | cut -f1)
run rec int8 "$work/rec.npy"
got=$("$bin/npu-ocr" decode --model=rec "$result" --keys="$models/ppocr_keys_v1.txt" | cut -f1)
echo "  FP32 text '$want', INT8 text '$got'"
[ "$got" = "$want" ] || fail "rec: INT8 reads '$got', FP32 '$want'"

echo "== det (1x3x640x640), calibrated on 2 lines"
build det ch_PP-OCRv4_det_infer.onnx 1x3x640x640
"$bin/npu-ocr" preprocess --model=det "$work/line.png" -o "$work/det.npy"
run det fp32 "$work/det.npy"
fp32=$result
run det int8 "$work/det.npy"
"$bin/npu-compare" "$result" "$fp32" --min-cosine=0.99 || fail "det: probability map cosine below 0.99"

if [ "$failures" -gt 0 ]; then
  echo "paddleocr-int8: $failures check(s) failed"
  exit 1
fi
echo "paddleocr-int8: all checks passed"
