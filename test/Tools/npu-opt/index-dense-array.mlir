// RUN: split-file %s %t
// RUN: not npu-opt %t/direct.mlir 2>&1 | FileCheck %s --check-prefix=DIRECT
// RUN: not npu-opt %t/alias.mlir --npu-isa-pipeline 2>&1 | FileCheck %s --check-prefix=ALIAS
// RUN: npu-opt %t/fine.mlir | FileCheck %s --check-prefix=FINE
// An alias split across lines and a comment, and one padded with NUL bytes
// (MLIR's lexer skips them; found by npu-opt-fuzzer):
// RUN: not npu-opt %t/multiline.mlir 2>&1 | FileCheck %s --check-prefix=MULTI
// RUN: printf '!idx = \000\000\000 index\nfunc.func @nul() attributes {s = array<!idx: 2, 2>} {\n  return\n}\n' > %t/nul.mlir
// RUN: not npu-opt %t/nul.mlir 2>&1 | FileCheck %s --check-prefix=NUL
// npu-translate shares the check (tools/common/MlirInputCheck.h), with the
// input after its options or after a separate -o value; nothing is written.
// RUN: not npu-translate --npu-isa-to-npubin %t/module.mlir -o %t/out.npubin 2>&1 | FileCheck %s --check-prefix=TRANSLATE
// RUN: not npu-translate -o %t/out.npubin --npu-isa-to-npubin %t/module.mlir 2>&1 | FileCheck %s --check-prefix=TRANSLATE
// RUN: not test -e %t/out.npubin

// Tests that a dense array of `index` elements, which LLVM 22's parser
// crashes on (found by scripts/mutate-mlir.py: `array<i64: 0, 0>` mutated to
// `array<index: 0, 0>`), is one error line with its position, directly or
// through a chain of type aliases, and that i64 arrays and the word `index`
// elsewhere are untouched.

// DIRECT: direct.mlir:2:62: error: a dense array of 'index' elements is not supported (use i64)
// DIRECT-NOT: Stack dump
// ALIAS: alias.mlir:3:42: error: a dense array of 'index' elements is not supported (use i64)
// TRANSLATE: module.mlir:1:24: error: a dense array of 'index' elements is not supported (use i64)
// TRANSLATE-NOT: Stack dump
// FINE: func.func @fine() attributes {a = array<i64: 0, 0>, b = 3 : index}
// MULTI: multiline.mlir:5:42: error: a dense array of 'index' elements is not supported (use i64)
// MULTI-NOT: Stack dump
// NUL: nul.mlir:2:34: error: a dense array of 'index' elements is not supported (use i64)
// NUL-NOT: Stack dump

//--- direct.mlir
// A max pool whose strides were mutated.
func.func @direct() attributes {a = array<i64: 1>, strides = array<index: 0, 0>} {
  return
}
//--- alias.mlir
!idx = index
!alias = !idx
func.func @alias() attributes {strides = array<!alias: 2, 2>} {
  return
}
//--- fine.mlir
func.func @fine() attributes {a = array<i64: 0, 0>, b = 3 : index} {
  return
}
//--- module.mlir
module attributes {a = array<index: 0, 0>} {
}
//--- multiline.mlir
!idx =
  index
!alias = // an alias of an alias
  !idx
func.func @alias() attributes {strides = array<!alias: 2, 2>} {
  return
}
