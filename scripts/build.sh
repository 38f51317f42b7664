#!/usr/bin/env bash
# Configures (once) and builds the project with Ninja, ccache and mold.
#   --sanitize     ASan + UBSan + assertions build (docs/sanitizers.md) with
#                  clang-22 into build-sanitize
#   NPU_BUILD_DIR  build directory (default: build, or build-sanitize)
#   NPU_BUILD_TYPE CMake build type (default: Release, or RelWithDebInfo)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sanitize=0
for arg in "$@"; do
  case $arg in
    --sanitize) sanitize=1 ;;
    *) echo "usage: $0 [--sanitize]" >&2; exit 2 ;;
  esac
done
if [ $sanitize -eq 1 ]; then
  build=${NPU_BUILD_DIR:-$root/build-sanitize}
  # -O1 and line tables: usable speed under ASan, symbolized reports.
  # NDEBUG stays (LLVM's ABI); NPU_SANITIZE undefines it in runtime/.
  extra=(-DNPU_SANITIZE=ON
         -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22
         "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
         "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG")
  type=${NPU_BUILD_TYPE:-RelWithDebInfo}
else
  build=${NPU_BUILD_DIR:-$root/build}
  extra=()
  type=${NPU_BUILD_TYPE:-Release}
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE="$type" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=mold "${extra[@]}" >/dev/null
fi
cmake --build "$build" -j 2
