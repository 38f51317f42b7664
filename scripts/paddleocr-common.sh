# Shared by the PaddleOCR scripts after their argument parsing (sourced):
# checks the tools in $bin and the models in $models, makes $work (a
# temporary directory removed on exit unless --work named one) and defines
# fail(), which counts into $failures. $script names the caller in errors.
for tool in npu-compile npu-run npu-compare npu-ocr; do
  [ -x "$bin/$tool" ] || { echo "$script: $bin/$tool not found (--bin DIR)" >&2; exit 2; }
done
[ -s "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" ] ||
  { echo "$script: no PaddleOCR models in '$models' (run scripts/setup.sh)" >&2; exit 2; }
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
