#!/usr/bin/env bash
# Compares the executables two builds of the compiler generate: every case of
# the committed ONNX conformance pass list (compiled with default options;
# cases that need --input-value are skipped) and PaddleOCR cls/rec/det in
# FP32 and INT8. For each model whose .npubin bytes differ, runs both on the emulator
# with the same inputs and reports whether the outputs are bit-identical and
# the cycles of each. "What must not change" for backend refactorings:
# identical outputs, identical or fewer cycles. A pair that differs only in
# the header's ISA version (one byte, the base's version against the new
# one's: an ISA extension the model does not use) counts as identical, but
# is reported in the summary.
#
# Usage: bench/compare-builds.sh --base BIN_DIR --new BIN_DIR [--models DIR]
set -euo pipefail
shopt -s nullglob
root=$(cd "$(dirname "$0")/.." && pwd)
base="" new="" models="$root/third_party/models"
data=/usr/share/libonnx-testdata/data
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2 ;;
    --new) new=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    *) echo "compare-builds: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$base/npu-compile" ] && [ -x "$new/npu-compile" ] ||
  { echo "compare-builds: --base and --new name bin directories" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same=0 changed=0 skipped=0 worse=0 versionOnly=0

isaVersion() { "$1/npu-objdump" "$2" 2>/dev/null | sed -n 's/.*, ISA v\([0-9]*\),.*/\1/p'; }
# The two executables differ in one byte: the base's ISA version against
# the new build's (cmp -l prints the offset, then both bytes in octal).
onlyIsaVersion() {
  local diff va vb
  diff=$(cmp -l "$1" "$2" 2>/dev/null) || true
  [ -n "$diff" ] && [ "$(printf '%s\n' "$diff" | wc -l)" -eq 1 ] || return 1
  va=$(isaVersion "$base" "$1") vb=$(isaVersion "$new" "$2")
  [ -n "$va" ] && [ -n "$vb" ] && [ "$va" != "$vb" ] || return 1
  set -- $diff
  [ "$((8#$2))" -eq "$va" ] && [ "$((8#$3))" -eq "$vb" ]
}

cycles() { sed -n 's/^  cycles *\([0-9]*\).*/\1/p'; }

# compare NAME MODEL RUN_INPUTS... -- COMPILE_ARGS...
compare() {
  local name=$1 model=$2; shift 2
  local inputs=()
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  if ! "$base/npu-compile" "$model" "$@" -o "$tmp/a.npubin" 2>/dev/null ||
     ! "$new/npu-compile" "$model" "$@" -o "$tmp/b.npubin" 2>/dev/null; then
    skipped=$((skipped + 1)); return
  fi
  if cmp -s "$tmp/a.npubin" "$tmp/b.npubin"; then
    same=$((same + 1)); return
  fi
  if onlyIsaVersion "$tmp/a.npubin" "$tmp/b.npubin"; then
    same=$((same + 1)) versionOnly=$((versionOnly + 1)); return
  fi
  changed=$((changed + 1))
  rm -rf "$tmp/oa" "$tmp/ob"
  local ca cb outputs="identical outputs"
  ca=$("$base/npu-run" "$tmp/a.npubin" "${inputs[@]}" --output-dir="$tmp/oa" | cycles)
  cb=$("$new/npu-run" "$tmp/b.npubin" "${inputs[@]}" --output-dir="$tmp/ob" | cycles)
  diff -rq "$tmp/oa" "$tmp/ob" >/dev/null || outputs="DIFFERENT OUTPUTS"
  [ "$cb" -le "$ca" ] || worse=$((worse + 1))
  [ "$outputs" = "identical outputs" ] || worse=$((worse + 1))
  echo "changed: $name: $outputs, cycles $ca -> $cb"
}

# shellcheck source=each-model.sh
source "$root/bench/each-model.sh"
each_model
echo "compare-builds: $same identical ($versionOnly of them but for the ISA version), $changed changed, $skipped not compiled by both; $worse worse"
[ "$worse" -eq 0 ]
