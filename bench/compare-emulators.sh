#!/usr/bin/env bash
# Compares two builds of the emulator on the same executables: every case of
# the committed ONNX conformance pass list (compiled once, by --compiler's
# npu-compile; cases that need --input-value are skipped) and, when the
# models are there, PaddleOCR cls/rec/det in FP32 and INT8. Each executable
# runs under both npu-run builds with the same inputs; the outputs and the
# --report JSON (cycles, energy, traffic, per layer) must be byte-identical.
# This is the check for emulator-only changes, whose executables
# bench/compare-builds.sh (which compares compilers) sees as unchanged.
#
# Usage: bench/compare-emulators.sh --base BIN_DIR --new BIN_DIR
#                                   [--compiler BIN_DIR] [--models DIR]
set -euo pipefail
shopt -s nullglob
root=$(cd "$(dirname "$0")/.." && pwd)
base="" new="" compiler="" models="$root/third_party/models"
data=/usr/share/libonnx-testdata/data
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    --compiler) compiler=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    *) echo "compare-emulators: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
compiler=${compiler:-$new}
[ -x "$base/npu-run" ] && [ -x "$new/npu-run" ] && [ -x "$compiler/npu-compile" ] ||
  { echo "compare-emulators: --base and --new name bin directories" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same=0 different=0 skipped=0

# compare NAME MODEL RUN_INPUTS... -- COMPILE_ARGS...
compare() {
  local name=$1 model=$2; shift 2
  local inputs=()
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  if ! "$compiler/npu-compile" "$model" "$@" -o "$tmp/m.npubin" 2>/dev/null; then
    skipped=$((skipped + 1)); return
  fi
  rm -rf "$tmp/oa" "$tmp/ob"
  local ra=0 rb=0
  "$base/npu-run" "$tmp/m.npubin" "${inputs[@]}" --output-dir="$tmp/oa" \
    --report="$tmp/a.json" >/dev/null 2>"$tmp/ea" || ra=$?
  "$new/npu-run" "$tmp/m.npubin" "${inputs[@]}" --output-dir="$tmp/ob" \
    --report="$tmp/b.json" >/dev/null 2>"$tmp/eb" || rb=$?
  if [ $ra -eq $rb ] && cmp -s "$tmp/ea" "$tmp/eb" &&
     { [ $ra -ne 0 ] || { diff -rq "$tmp/oa" "$tmp/ob" >/dev/null &&
                          cmp -s "$tmp/a.json" "$tmp/b.json"; }; }; then
    same=$((same + 1))
  else
    different=$((different + 1))
    echo "DIFFERENT: $name (exit $ra -> $rb)"
  fi
}

# shellcheck source=each-model.sh
source "$root/bench/each-model.sh"
each_model
echo "compare-emulators: $same identical, $different different, $skipped not compiled"
[ "$different" -eq 0 ]
