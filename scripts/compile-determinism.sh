#!/usr/bin/env bash
# Compilation is deterministic: the same model and options give the same
# bytes. Compiles each model RUNS times (default 10) to a .npubin and to the
# `planned` IR, FP32 and INT8 (calibrated on fixed random samples), and fails
# when any two results differ (listing the model and how many distinct
# results it gave).
#
# Usage: compile-determinism.sh --bin DIR --data ONNX_TESTDATA --models DIR [--runs N]
set -euo pipefail

bin="" data=/usr/share/libonnx-testdata/data models="" runs=10
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "compile-determinism: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for tool in npu-compile npu-build-example; do
  [ -x "$bin/$tool" ] || { echo "compile-determinism: $bin/$tool not found (--bin DIR)" >&2; exit 2; }
done
[ -d "$data/node" ] || { echo "compile-determinism: no ONNX test data in $data" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# check NAME ARGS...: compiles RUNS times with ARGS, compares the outputs.
check() {
  local name=$1; shift
  local i out
  for i in $(seq 1 "$runs"); do
    out="$tmp/$name.$i"
    "$bin/npu-compile" "$@" -o "$out" 2>"$tmp/err" ||
      { echo "FAIL: $name: npu-compile failed: $(head -n 1 "$tmp/err")"; failures=$((failures + 1)); return; }
  done
  local distinct
  distinct=$(sha256sum "$tmp/$name".* | cut -d' ' -f1 | sort -u | wc -l)
  if [ "$distinct" -ne 1 ]; then
    echo "FAIL: $name: $distinct distinct results in $runs compiles"
    failures=$((failures + 1))
  else
    echo "ok: $name ($runs compiles, $(stat -c %s "$tmp/$name.1") bytes)"
  fi
  rm -f "$tmp/$name".*
}

# LayerNorm, softmax and convolutions from ONNX's node tests: their
# equal-size intermediates once took the DRAM planner's pointer order.
for case in test_layer_normalization_3d_axis1_epsilon test_layer_normalization_4d_axis1 \
            test_softmax_axis_1 test_conv_with_strides_padding test_mvn_expanded; do
  model="$data/node/$case/model.onnx"
  [ -s "$model" ] || { echo "compile-determinism: no $model" >&2; exit 2; }
  check "$case" "$model"
  check "$case.planned" "$model" --compile-to=planned
done

# A pre-quantized (QDQ) block (npu-fold-qdq) and interleaved channel
# pruning (npu-permute-channels), from their lit tests' text protos.
src=$(cd "$(dirname "$0")/.." && pwd)
for t in fold-qdq permute-channels; do
  protoc --encode=onnx.ModelProto -I/usr/include /usr/include/onnx/onnx.proto \
    < "$src/test/Dialect/Npu/Transforms/$t.txtpb" > "$tmp/model-$t.onnx"
  check "$t" "$tmp/model-$t.onnx"
done
# Values kept on chip beside a concat computed in place, and an up-sampling
# read by broadcasting (npu-plan-memory's choices, npu-broadcast-upsample).
for t in concat-in-place upsample-add; do
  protoc --encode=onnx.ModelProto -I/usr/include /usr/include/onnx/onnx.proto \
    < "$src/test/Conversion/NpuToNpuIsa/$t.txtpb" > "$tmp/model-$t.onnx"
  check "$t" "$tmp/model-$t.onnx"
  check "$t.planned" "$tmp/model-$t.onnx" --compile-to=planned
done

# PaddleOCR's classifier, FP32 (when scripts/setup.sh fetched the models).
if [ -n "$models" ] && [ -s "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" ]; then
  check paddleocr-cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --input-shape=x:1x3x48x192
  check paddleocr-rec "$models/ch_PP-OCRv4_rec_infer.onnx" --input-shape=x:1x3x48x320
  # INT8, calibrated on two fixed random samples (each calibration runs the
  # emulator, so fewer compiles).
  mkdir -p "$tmp/cal"
  for s in 1 2; do
    "$bin/npu-build-example" --random-f32="$tmp/cal/x$s.npy" --shape=1x3x48x192 --seed="$s" >/dev/null
  done
  runs=$(( runs < 4 ? runs : 4 )) check paddleocr-cls-int8 "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" \
    --input-shape=x:1x3x48x192 --quantize=int8 --calibration="$tmp/cal"
fi

if [ "$failures" -ne 0 ]; then
  echo "compile-determinism: $failures model(s) compiled to different bytes"
  exit 1
fi
echo "compile-determinism: every model compiled to the same bytes $runs times"
