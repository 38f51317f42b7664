# Sourced by bench/compare-builds.sh and bench/compare-emulators.sh: the
# models both compare. each_model calls
#   compare NAME MODEL RUN_INPUTS... -- COMPILE_ARGS...
# for every case of the committed ONNX conformance pass list (its
# test_data_set_0 inputs) and, when the models are in $models, PaddleOCR
# cls/rec/det in FP32 and INT8 (calibrated on two fixed random samples; the
# run input is a third). Needs $root, $data, $models, $tmp and $new (whose
# npu-build-example writes the samples).
each_model() {
  local case dir f ins m
  # The pass list: one case per line, then its device (a tab apart).
  while IFS=$'\t' read -r case _; do
    [[ -z $case || $case == \#* ]] && continue
    dir="$data/$case"
    ins=()
    for f in "$dir"/test_data_set_0/input_*.pb; do ins+=("--input=$f"); done
    compare "$case" "$dir/model.onnx" "${ins[@]}" --
  done < "$root/test/e2e/onnx-conformance-pass.txt"

  [ -s "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" ] || return 0
  for m in "cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1x3x48x192" \
           "rec ch_PP-OCRv4_rec_infer.onnx 1x3x48x320" \
           "det ch_PP-OCRv4_det_infer.onnx 1x3x640x640"; do
    set -- $m
    "$new/npu-build-example" --random-f32="$tmp/$1.npy" --shape="$3" --seed=7 >/dev/null
    compare "paddleocr-$1" "$models/$2" "--input=$tmp/$1.npy" -- --input-shape="x:$3"
    mkdir -p "$tmp/cal-$1"
    for s in 1 2; do
      "$new/npu-build-example" --random-f32="$tmp/cal-$1/x$s.npy" --shape="$3" --seed="$s" >/dev/null
    done
    compare "paddleocr-$1-int8" "$models/$2" "--input=$tmp/$1.npy" -- --input-shape="x:$3" \
      --quantize=int8 --calibration="$tmp/cal-$1"
  done
}
