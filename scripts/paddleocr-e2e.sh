#!/usr/bin/env bash
# PaddleOCR's cls, rec and det models end to end against ONNX Runtime:
# renders a text line (npu-ocr render), preprocesses it as PaddleOCR does,
# compiles each model with npu-compile, runs it on the emulator (npu-run),
# runs the same input through ONNX Runtime (scripts/ort-reference.cjs) and
# checks
#   - every output within 1e-3 of ONNX Runtime's, relative to the output's
#     largest magnitude (npu-compare --peak-tol=1e-3);
#   - cls: class 0 for the upright line, 180 for the line rotated by 180;
#   - rec: the CTC-decoded text equals the rendered text;
#   - det: text pixels found (probability above 0.3), at 640x640 and at
#     960x960.
#
# Usage: paddleocr-e2e.sh --bin DIR --models DIR [--text TEXT] [--work DIR]
#        [--report DIR]   (also writes each model's compile report there)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin="" models="" text="Hello NPU 2026" work="" reports=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --text) text=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --report) reports=$2; shift 2 ;;
    *) echo "paddleocr-e2e: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
script=paddleocr-e2e
# shellcheck source=paddleocr-common.sh
source "$(dirname "$0")/paddleocr-common.sh"

# compile NAME MODEL SHAPE: NAME.npubin in $work (and its report).
compile() {
  local report=()
  [ -n "$reports" ] && { mkdir -p "$reports"; report=(--report="$reports/$1.json"); }
  "$bin/npu-compile" "$models/$2" --input-shape="x:$3" -o "$work/$1.npubin" "${report[@]}"
}
# check NAME MODEL INPUT: runs both, compares; outputs in $work/NAME.{npu,ort}
check() {
  local name=$1 model=$2 input=$3
  rm -rf "$work/$name.npu" "$work/$name.ort"
  "$bin/npu-run" "$work/${name%%-*}.npubin" --input="x=$input" --output-dir="$work/$name.npu" |
    sed -n 's/^  cycles */  npu cycles: /p'
  node "$here/ort-reference.cjs" "$models/$model" --input="x=$input" --output-dir="$work/$name.ort"
  local out
  out=$(ls "$work/$name.ort" | grep '\.npy$' | head -n 1)
  if ! "$bin/npu-compare" "$work/$name.npu/$out" "$work/$name.ort/$out" --peak-tol=1e-3; then
    fail "$name differs from ONNX Runtime"
  fi
  result="$work/$name.npu/$out"
}

"$bin/npu-ocr" render --text="$text" -o "$work/line.png"

echo "== cls (1x3x48x192)"
compile cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1x3x48x192
for rot in 0 180; do
  flag=(); [ $rot = 180 ] && flag=(--rotate180)
  "$bin/npu-ocr" preprocess --model=cls "$work/line.png" -o "$work/cls-$rot.npy" "${flag[@]}"
  check "cls-$rot" ch_ppocr_mobile_v2.0_cls_infer.onnx "$work/cls-$rot.npy"
  got=$("$bin/npu-ocr" decode --model=cls "$result")
  echo "  rotated $rot: predicted $got"
  [ "${got%% *}" = "$rot" ] || fail "cls predicted '${got%% *}' for a line rotated by $rot"
done

echo "== rec (1x3x48x320)"
compile rec ch_PP-OCRv4_rec_infer.onnx 1x3x48x320
"$bin/npu-ocr" preprocess --model=rec "$work/line.png" -o "$work/rec-line.npy"
check rec-line ch_PP-OCRv4_rec_infer.onnx "$work/rec-line.npy"
got=$("$bin/npu-ocr" decode --model=rec "$result" --keys="$models/ppocr_keys_v1.txt")
echo "  decoded: ${got%%$'\t'*}"
[ "${got%%$'\t'*}" = "$text" ] || fail "rec decoded '${got%%$'\t'*}', rendered '$text'"

echo "== det (1x3x640x640)"
compile det ch_PP-OCRv4_det_infer.onnx 1x3x640x640
"$bin/npu-ocr" preprocess --model=det "$work/line.png" -o "$work/det-line.npy"
check det-line ch_PP-OCRv4_det_infer.onnx "$work/det-line.npy"
got=$("$bin/npu-ocr" decode --model=det "$result")
echo "  $got"
[[ $got == "text pixels 0" ]] && fail "det found no text"

# Its global pools (squeeze-excitation) exceed a scratchpad buffer here and
# are reduced in chunks (docs/codegen.md, "Reductions and softmax").
echo "== det (1x3x960x960)"
compile det960 ch_PP-OCRv4_det_infer.onnx 1x3x960x960
"$bin/npu-ocr" preprocess --model=det --size=960 "$work/line.png" -o "$work/det960-line.npy"
check det960-line ch_PP-OCRv4_det_infer.onnx "$work/det960-line.npy"
got=$("$bin/npu-ocr" decode --model=det "$result")
echo "  $got"
[[ $got == "text pixels 0" ]] && fail "det at 960 found no text"

if [ $failures -ne 0 ]; then
  echo "paddleocr-e2e: $failures failure(s)"
  exit 1
fi
echo "paddleocr-e2e: all checks passed"
