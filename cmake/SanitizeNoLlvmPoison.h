//===- SanitizeNoLlvmPoison.h - included first in NPU_SANITIZE builds ----===//
//
// Under -fsanitize=address, llvm/Support/Compiler.h turns on ASan annotations
// in header-only LLVM code: BumpPtrAllocator (Allocator.h), ArrayRecycler and
// json::Value poison and unpoison their memory. The llvm-22 libraries we link
// are not instrumented and were compiled without those calls, and the linker
// keeps one copy of each inline function: an instrumented copy from our code
// poisons a slab that an uninstrumented copy inside libMLIR then hands out
// without unpoisoning, and ASan reports use-after-poison inside MLIR's own
// initialization (MLIRContext constructor). Turning the two calls into no-ops
// keeps every copy alike; ASan still checks every other access.
//
// Force-included (-include) by CMakeLists.txt when NPU_SANITIZE is on, so
// the declarations below come first and Compiler.h's later include of
// <sanitizer/asan_interface.h> is a no-op.
//
//===----------------------------------------------------------------------===//
#ifndef NPU_SANITIZE_NO_LLVM_POISON_H
#define NPU_SANITIZE_NO_LLVM_POISON_H
#if defined(__has_include) && __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#endif
#undef __asan_poison_memory_region
#undef __asan_unpoison_memory_region
#define __asan_poison_memory_region(addr, size) ((void)(addr), (void)(size))
#define __asan_unpoison_memory_region(addr, size) ((void)(addr), (void)(size))
#endif
