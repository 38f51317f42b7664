#!/usr/bin/env bash
# Configures (once) and builds the project with Ninja, ccache and mold.
#   NPU_BUILD_DIR  build directory (default: build)
#   NPU_BUILD_TYPE CMake build type (default: Release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NPU_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE="${NPU_BUILD_TYPE:-Release}" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=mold >/dev/null
fi
cmake --build "$build" -j 2
