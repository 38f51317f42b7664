#!/usr/bin/env bash
# Sets up (if needed), builds, and runs every test: lit + FileCheck, GoogleTest
# and the ONNX backend-suite import survey, all through ctest.
#   --sanitize     the same tests on the ASan + UBSan + assertions build in
#                  build-sanitize (scripts/build.sh --sanitize,
#                  docs/sanitizers.md); any sanitizer report fails its test
#   NPU_BUILD_DIR  build directory (default: build, or build-sanitize)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitize=()
for arg in "$@"; do
  case $arg in
    --sanitize) sanitize=(--sanitize) ;;
    *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
  esac
done
"$root/scripts/setup.sh"
"$root/scripts/build.sh" "${sanitize[@]}"
if [ ${#sanitize[@]} -eq 0 ]; then
  cd "${NPU_BUILD_DIR:-$root/build}"
  ctest --output-on-failure -j "$(nproc)"
  exit
fi
cd "${NPU_BUILD_DIR:-$root/build-sanitize}"
# A report aborts the process (SIGABRT, not exit 1), so a test expecting a
# failure (`not npu-compile ...`) cannot mistake it for the error it wants.
# Leak checking stays on: the suite has no leak reports (docs/sanitizers.md).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:abort_on_error=1}
ctest --output-on-failure -j "$(nproc)"
