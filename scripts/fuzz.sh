#!/usr/bin/env bash
# Builds the compiler's libFuzzer targets in their own build directory and
# runs each for a while (docs/fuzzing.md):
#   npu-onnx-fuzzer  bytes -> ONNX model -> the importer (npu IR)
#   npu-opt-fuzzer   bytes -> MLIR -> npu-opt's parser and verifiers
# The build is clang-22 with ASan, UBSan and libFuzzer's coverage on every
# compiler source (NPU_SANITIZE + NPU_ENABLE_FUZZERS), in build-fuzz.
# Seed corpora come from the test suite: every ONNX text model (.txtpb)
# under test/, encoded with protoc, and every .mlir file under test/, cut at
# its `// -----` separators. Each target's corpus grows in
# build-fuzz/fuzz-corpus/TARGET; crashes, timeouts and out-of-memory inputs
# land in build-fuzz/fuzz-findings/TARGET (libFuzzer's crash-*, timeout-*,
# oom-* files: rerun one with `build-fuzz/bin/TARGET FILE`).
#
# Usage: scripts/fuzz.sh [--seconds N] [--build-only] [TARGET...]
#   --seconds N   run each target N seconds (default 60)
#   --build-only  configure and build, do not run
#   TARGET        npu-onnx-fuzzer and/or npu-opt-fuzzer (default: both)
#   NPU_FUZZ_DIR  build directory (default: build-fuzz)
# Exit status: 0 when no target reported a finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NPU_FUZZ_DIR:-$root/build-fuzz}
seconds=60 buildOnly=0 targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --build-only) buildOnly=1; shift ;;
    npu-onnx-fuzzer|npu-opt-fuzzer) targets+=("$1"); shift ;;
    *) echo "usage: $0 [--seconds N] [--build-only] [npu-onnx-fuzzer] [npu-opt-fuzzer]" >&2
       exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(npu-onnx-fuzzer npu-opt-fuzzer)
command -v clang++-22 >/dev/null ||
  { echo "fuzz.sh: clang++-22 is needed (libFuzzer)" >&2; exit 2; }
if [ ! -f "$build/build.ninja" ]; then
  # The flags of scripts/build.sh --sanitize, plus the fuzzers.
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNPU_SANITIZE=ON -DNPU_ENABLE_FUZZERS=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=mold >/dev/null
fi
cmake --build "$build" --target "${targets[@]}" -j "${NPU_JOBS:-2}"
[ $buildOnly -eq 1 ] && exit 0

# seed NAME DIR: the test suite's files for target NAME, into DIR.
seed() {
  mkdir -p "$2"
  case $1 in
    npu-onnx-fuzzer)
      find "$root/test" -name '*.txtpb' | LC_ALL=C sort | while read -r f; do
        # Files holding one TensorProto (%onnx-tensor) are not models.
        protoc --encode=onnx.ModelProto -I/usr/include \
          /usr/include/onnx/onnx.proto < "$f" > "$2/$(basename "$f" .txtpb).onnx" \
          2>/dev/null || rm -f "$2/$(basename "$f" .txtpb).onnx"
      done
      find "$root/test" -name '*.onnx' -size -1M -exec cp {} "$2/" \; ;;
    npu-opt-fuzzer)
      find "$root/test" -name '*.mlir' | LC_ALL=C sort | while read -r f; do
        awk -v out="$2/$(basename "$f" .mlir)" '
          /^\/\/ -----/ { n++; next }
          { print > (out "-" n ".mlir") }' n=0 "$f"
      done ;;
  esac
}

mkdir -p "$build/fuzz-tmp"
status=0
for t in "${targets[@]}"; do
  corpus=$build/fuzz-corpus/$t findings=$build/fuzz-findings/$t
  [ -d "$corpus" ] || seed "$t" "$corpus"
  mkdir -p "$findings"
  echo "== $t: $(ls "$corpus" | wc -l) corpus inputs, $seconds s"
  # Every finding is kept; libFuzzer stops at the first one, so go on
  # until the time is spent.
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ]; do
    left=$((end - SECONDS))
    if ! TMPDIR=$build/fuzz-tmp ASAN_OPTIONS=detect_leaks=0 \
        "$build/bin/$t" -max_total_time=$left -timeout=30 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" \
        "$corpus" 2>&1 | tail -n 40 | tee "$findings/last.log" | grep -E '^(stat::|==[0-9]+==|SUMMARY|artifact_prefix)'; then
      :
    fi
    if grep -qE 'ERROR: libFuzzer|SUMMARY: .*Sanitizer|Test unit written' "$findings/last.log"; then
      status=1
      echo "   finding: $(grep -oE "Test unit written to [^ ]*" "$findings/last.log" | tail -n 1)"
    else
      break
    fi
  done
done
exit $status
