# -*- Python -*-
# lit configuration for the npu compiler (paths come from lit.site.cfg.py).

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "NPU"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".txtpb", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.npu_obj_root, "test")
# Unit/ holds GoogleTest sources, run by ctest; Inputs/ holds test inputs.
config.excludes = ["Inputs", "Unit", "CMakeLists.txt", "lit.cfg.py", "e2e",
                   "lit.site.cfg.py", "backend"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# %onnx-encode < model.txtpb > model.onnx: ONNX models written as protobuf
# text, encoded with protoc against ONNX's own schema.
config.substitutions.append(
    ("%onnx-encode",
     "%s --encode=onnx.ModelProto -I%s %s"
     % (config.protoc, config.onnx_proto_dir,
        os.path.join(config.onnx_proto_dir, "onnx", "onnx.proto"))))
# %onnx-tensor < t.txtpb > t.pb: one TensorProto (an --input-value).
config.substitutions.append(
    ("%onnx-tensor",
     "%s --encode=onnx.TensorProto -I%s %s"
     % (config.protoc, config.onnx_proto_dir,
        os.path.join(config.onnx_proto_dir, "onnx", "onnx.proto"))))
config.substitutions.append(("%onnx-testdata", config.onnx_testdata_dir))
config.substitutions.append(
    ("%npu_libs", os.path.join(config.npu_obj_root, "lib")))
# PaddleOCR models fetched by scripts/setup.sh (not committed).
config.substitutions.append(
    ("%models", os.path.join(config.npu_src_root, "third_party", "models")))

# ONNX Runtime reference outputs (scripts/setup.sh installs the runtime).
config.substitutions.append(
    ("%ort-reference",
     "node " + os.path.join(config.npu_src_root, "scripts", "ort-reference.cjs")))

tools = ["npu-opt", "npu-compile", "npu-translate", "npu-run", "npu-objdump",
         "npu-compare",
         "npu-build-example",
         "FileCheck", "not", "count", "split-file"]
llvm_config.add_tool_substitutions(
    tools, [config.npu_tools_dir, config.llvm_tools_dir])
