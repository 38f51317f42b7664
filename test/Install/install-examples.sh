#!/usr/bin/env bash
# Installs the build to a temporary prefix and builds each SDK example the way
# a user does: copied from the installed share/npu-compiler/examples into a
# fresh directory outside the source and build trees, configured with only
# CMAKE_PREFIX_PATH=<prefix>, built, and run with the installed tools.
# Fails when a build-tree or source-tree path reaches the installed CMake
# files or an example's compile or link lines, or when the C application
# links LLVM. Then makes the Debian package with CPack and checks its
# version (the CMake package's), dependencies and contents.
#   install-examples.sh --build DIR --source DIR --protoc PROTOC
set -euo pipefail
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --source) source=$2; shift 2 ;;
    --protoc) protoc=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --source DIR --protoc PROTOC" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/npu-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "install-examples: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in include/npu/runtime/npu_runtime.h include/npu/runtime/npu_runtime.hpp \
         include/npu/Dialect/Npu/IR/NpuOps.h.inc include/npu/Pipelines/Pipelines.h \
         lib/libnpuruntime.so lib/libNpuDialect.a bin/npu-compile bin/npu-opt \
         bin/npu-run lib/cmake/NpuCompiler/NpuCompilerConfig.cmake; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
if grep -rlF -e "$source" -e "$build" "$prefix/lib/cmake"; then
  fail "the installed CMake package names the source or build tree"
fi

# Each example in a fresh directory, against the prefix only.
for example in pass-plugin dialect-plugin c-app; do
  cp -r "$prefix/share/npu-compiler/examples/$example" "$work/$example"
  cmake -S "$work/$example" -B "$work/$example/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$work/$example.configure.log" 2>&1 ||
    { cat "$work/$example.configure.log"; fail "$example: configure"; }
  cmake --build "$work/$example/build" > "$work/$example.build.log" 2>&1 ||
    { cat "$work/$example.build.log"; fail "$example: build"; }
  if grep -lF -e "$source" -e "$build" "$work/$example/build/compile_commands.json" \
       "$work/$example/build/build.ninja"; then
    fail "$example: compiled or linked with a path from the source or build tree"
  fi
done

# The pass plugin, run by the installed npu-compile at its extension point:
# the tiny CNN's convolution (1x4x16x16 outputs, 3x3x3 MACs each).
"$protoc" --encode=onnx.ModelProto -I/usr/include /usr/include/onnx/onnx.proto \
  < "$source/python-free-examples/tiny-cnn/model.txtpb" > "$work/tiny-cnn.onnx"
plugin=$work/pass-plugin/build/NpuExamplePassPlugin.so
"$prefix/bin/npu-compile" "$work/tiny-cnn.onnx" --input-shape=image:1x3x32x32 \
  --load-pass-plugin="$plugin" --compile-to=optimized > "$work/optimized.mlir"
grep -q 'npu.conv .*npu.example.macs = 27648 : i64' "$work/optimized.mlir" ||
  fail "the plugin pass did not run in npu-compile's pipeline"
"$prefix/bin/npu-compile" "$work/tiny-cnn.onnx" --input-shape=image:1x3x32x32 \
  --load-pass-plugin="$plugin" -o "$work/tiny-cnn.npubin"
# ... and by npu-opt under its own flag.
"$prefix/bin/npu-opt" "$work/optimized.mlir" --load-pass-plugin="$plugin" \
  --npu-example-annotate-macs > /dev/null || fail "npu-opt --npu-example-annotate-macs"

# The dialect plugin: Clip(0, 6) compiled through its op's own emitter
# computes what the built-in clamp does, bit for bit.
"$protoc" --encode=onnx.ModelProto -I/usr/include /usr/include/onnx/onnx.proto \
  < "$source/test/Tools/npu-compile/Inputs/relu6.txtpb" > "$work/relu6.onnx"
dialect=$work/dialect-plugin/build/NpuExampleDialectPlugin.so
"$prefix/bin/npu-compile" "$work/relu6.onnx" --load-dialect-plugin="$dialect" \
  --load-pass-plugin="$dialect" --compile-to=scheduled > "$work/relu6.mlir"
grep -q '"npu_ext.relu6"' "$work/relu6.mlir" || fail "the dialect plugin's op is not in the schedule"
"$prefix/bin/npu-compile" "$work/relu6.onnx" --load-dialect-plugin="$dialect" \
  --load-pass-plugin="$dialect" -o "$work/relu6.plugin.npubin"
"$prefix/bin/npu-compile" "$work/relu6.onnx" -o "$work/relu6.builtin.npubin"
/usr/bin/python3 - "$work/x.npy" <<'PY'
import struct, sys
# A 1x8x16x16 FP32 .npy with values from -10 to 10 (no NumPy needed).
n = 8 * 16 * 16
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8, 16, 16), }"
header += " " * (-(10 + len(header) + 1) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % n, *[(i % 41 - 20) * 0.5 for i in range(n)]))
PY
for kind in plugin builtin; do
  "$prefix/bin/npu-run" "$work/relu6.$kind.npubin" --input=x="$work/x.npy" \
    --output-dir="$work/relu6.$kind" > /dev/null
done
cmp "$work/relu6.plugin/y.npy" "$work/relu6.builtin/y.npy" ||
  fail "the dialect plugin's relu6 differs from the built-in clamp"

# The C application: metadata and a run, on the runtime alone.
app=$work/c-app/build/npu-c-app
if ldd "$app" | grep -qi llvm; then fail "npu-c-app links LLVM"; fi
"$app" "$work/tiny-cnn.npubin" > "$work/c-app.out"
for line in "input 0: image [1,3,32,32] F32 12288 bytes" \
            "output 0: probs [1,3] F32 12 bytes" "target npu-v1"; do
  grep -qxF "$line" "$work/c-app.out" || { cat "$work/c-app.out"; fail "npu-c-app: no '$line'"; }
done
grep -q "^ran: [1-9][0-9]* cycles" "$work/c-app.out" || fail "npu-c-app did not run"
# The Debian package (CPack): the same tree under /usr, versioned as the
# installed CMake package is, with its LLVM/MLIR dependencies.
cpack -G DEB -B "$work/deb" --config "$build/CPackConfig.cmake" > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/deb/npu-sdk_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "cpack made no npu-sdk_*_amd64.deb"
version=$(sed -n 's/^set(PACKAGE_VERSION "\([0-9.]*\)")$/\1/p' \
  "$prefix/lib/cmake/NpuCompiler/NpuCompilerConfigVersion.cmake")
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] ||
  fail "the package's version $(dpkg-deb -f "$deb" Version) is not the CMake package's $version"
dpkg-deb -f "$deb" Depends | grep -q "libmlir-22-dev" ||
  fail "the package does not depend on MLIR 22"
dpkg-deb -c "$deb" | awk '{print $6}' > "$work/deb.list"
for f in usr/bin/npu-compile usr/bin/npu-run usr/lib/libnpuruntime.so \
         usr/include/npu/runtime/npu_runtime.h \
         usr/include/npu/Dialect/Npu/IR/NpuOps.h.inc \
         usr/lib/cmake/NpuCompiler/NpuCompilerConfig.cmake \
         usr/share/npu-compiler/examples/pass-plugin/CMakeLists.txt; do
  grep -qxF "./$f" "$work/deb.list" || fail "the package lacks /$f"
done
echo "install-examples: OK"
