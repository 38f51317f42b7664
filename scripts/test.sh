#!/usr/bin/env bash
# Sets up (if needed), builds, and runs every test: lit + FileCheck, GoogleTest
# and the ONNX backend-suite import survey, all through ctest.
#   NPU_BUILD_DIR  build directory (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "${NPU_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "$(nproc)"
