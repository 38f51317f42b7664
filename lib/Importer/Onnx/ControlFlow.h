//===- ControlFlow.h - If, Loop and Scan removed before import --*- C++ -*-===//
//
// The NPU runs straight-line programs with every buffer planned at compile
// time, so ONNX's control-flow ops are rewritten into plain nodes of the
// main graph before import, inside the constant-folding fixpoint of
// `loadModel` (a fold can make a condition or a trip count constant, an
// inlined branch can expose another If):
//
// - `If` with a constant condition: the taken branch is inlined; with a
//   run-time condition: both are inlined (if-conversion) and `Where`
//   selects each output whose branches give one static type, the host's
//   `SelectBranch` each output whose shapes differ (its result's shape
//   depends on the data).
// - `Loop` with a constant trip count and no early exit: unrolled; with an
//   early exit or a run-time condition: unrolled predicated; with a trip
//   count known only at run time: unrolled predicated to --max-trip-count,
//   a run that needs more stopped by kCheckLoopBound.
// - `Scan` (opsets 8-16) whose sequence length is static: unrolled, its
//   scan inputs sliced with `Gather` and its scan outputs stacked with
//   `Unsqueeze` + `Concat`.
//
// Whatever stays is refused by the importer with `controlFlowRefusal`'s
// reason (docs/heterogeneous.md, "Control flow").
//
//===----------------------------------------------------------------------===//

#ifndef NPU_LIB_IMPORTER_ONNX_CONTROLFLOW_H
#define NPU_LIB_IMPORTER_ONNX_CONTROLFLOW_H

#include "ModelLoader.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"

#include <onnx/onnx_pb.h>
#include <string>

namespace npu::onnx_import {

/// Limits of unrolling: iterations of one Loop or Scan (batch x sequence
/// for Scan-8), nodes one unrolled Loop or Scan may add (its body's copies
/// and the slicing and stacking nodes), and nodes all of a model's
/// unrolling may add. A Loop or Scan past them stays, and is refused.
constexpr int64_t kMaxUnrollIterations = 4096;
constexpr int64_t kMaxUnrolledNodes = 1 << 16;
constexpr int64_t kMaxUnrolledNodesPerModel = 1 << 18;

/// The op type of the selection a data-dependent If leaves for an output
/// whose branches may give different shapes: not an ONNX op but the host
/// kernel of that name (runtime/lib/HostKernels/ControlFlow.cpp), inputs
/// (cond, then, else), one output typed at the larger extent per axis.
/// ONNX's checker refuses it in a model file, so only the importer makes it.
inline constexpr const char *kSelectBranch = "SelectBranch";

/// The op type of the check a Loop unrolled to --max-trip-count leaves: the
/// host kernel of that name (runtime/lib/HostKernels/ControlFlow.cpp),
/// inputs (over, value), attribute `bound`; it passes `value` through and
/// stops the run when `over` (the loop would run past the bound).
inline constexpr const char *kCheckLoopBound = "CheckLoopBound";

/// True for the op types above: host kernels the importer writes, not ONNX
/// ops (left out of the supported-op lists).
inline bool isImporterHostOp(llvm::StringRef opType) {
  return opType == kSelectBranch || opType == kCheckLoopBound;
}

/// Removes the graph's `If` nodes that can be removed (see the file
/// comment): a constant condition inlines the taken branch; a run-time one
/// inlines both when their outputs agree in element type and rank (as far
/// as the branches declare them) and selects each output with `Where` (one
/// static type declared) or kSelectBranch, whose result gets a value_info
/// with the dimensions both branches share. Returns how many; nested Ifs
/// are reached in the next round. Fails (one line in `error`) only on a
/// malformed If.
llvm::FailureOr<int> inlineIfs(LoadedModel &loaded, std::string &error);

/// After shape inference, for the importer's host ops that ONNX's
/// inference has no function for: turns each kSelectBranch whose two
/// inputs have one static type into `Where` (the NPU can run it) and gives
/// the others' results the type their inputs agree on; gives each
/// kCheckLoopBound's result its value's type. One error line when a
/// selection's inputs differ in element type or rank. Returns how many
/// nodes or types changed.
llvm::FailureOr<int> resolveImporterOps(LoadedModel &loaded,
                                        std::string &error);

/// Unrolls every `Loop` (opsets 1-16) with a constant trip count M (at
/// most kMaxUnrollIterations), or one known only at run time when
/// `LoadedModel::maxTripCount` bounds it. A body's nested If, Loop or Scan
/// is copied with the rest, its subgraphs reading the copy's values, and
/// removed in a later round. Iteration i's copy of the body reads the
/// loop-carried values of iteration i-1 and the constant i; scan outputs are
/// stacked along a new axis 0. When the loop has an early exit (the body
/// computes its condition output) or a condition input that is not constant,
/// the unrolling is predicated: every copy runs, iteration i's loop-carried
/// results are taken only if it ran (`Where(ran_i, new, old)`, where ran_0 is
/// the condition input and ran_i+1 = ran_i and the body's condition output),
/// and each scan output keeps the elements of the iterations that ran
/// (`Compress` along axis 0: its length depends on the data, so it stays
/// on the host, docs/heterogeneous.md). Those Wheres are recorded in
/// `LoadedModel::sameShapeSelects` for checkSameShapeSelects. Returns how
/// many Loops were unrolled.
llvm::FailureOr<int> unrollLoops(LoadedModel &loaded, std::string &error);

/// Checks, after shape inference, that each loop-carried value a
/// predicated unrolling selects keeps its shape across the iteration (one
/// error line naming the Loop and the value otherwise) and forgets those
/// it could check. A shape inference left open stays pending (a later
/// round's folding may give it: a Slice at the iteration number) until
/// `final`, the folding fixpoint, where it is refused (it depends on the
/// data). Selections folding removed are dropped.
llvm::LogicalResult checkSameShapeSelects(LoadedModel &loaded, bool final,
                                          std::string &error);

/// Unrolls every `Scan` whose scan inputs have static shapes that agree on
/// the sequence length T (at most kMaxUnrollIterations); nested control
/// flow as for Loop. Opsets 9-16: `scan_input_axes`,
/// `scan_input_directions`, `scan_output_axes` and `scan_output_directions`
/// as the ONNX operator documentation defines them (negative axes
/// included); step t reads slice t of each forward scan input (T-1-t of a
/// reversed one) and the states of step t-1, and a reversed scan output
/// stacks its steps last to first. Opset 8: the leading batch axis is
/// unrolled too (each batch element scanned on its own, results stacked
/// along axis 0), and `sequence_lens` must be absent or constant and equal
/// to T for every batch element. Returns how many were unrolled.
llvm::FailureOr<int> unrollScans(LoadedModel &loaded, std::string &error);

/// Why `node`, an If, Loop or Scan that the rewrites above left in the
/// graph, cannot be imported: one clause for the importer's
/// "unsupported operator" line, naming a graph input to freeze with
/// `--input-value` when that is what it takes.
std::string controlFlowRefusal(const onnx::NodeProto &node,
                               const LoadedModel &loaded);

} // namespace npu::onnx_import

#endif // NPU_LIB_IMPORTER_ONNX_CONTROLFLOW_H
