//===- ControlFlow.cpp - If, Loop and Scan removed before import ----------===//
//
// See ControlFlow.h. Every rewrite keeps the graph's value names: a node the
// rewrite removes gives its outputs' names to Identity, Where or Concat
// nodes; names local to a subgraph are renamed where they would collide.
//
//===----------------------------------------------------------------------===//

#include "ControlFlow.h"
#include "ConstantFolding.h"
#include "HostTensor.h"
#include "NodeAttributes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <map>
#include <vector>

using namespace llvm;

namespace npu::onnx_import {

/// Every value name the graph defines: inputs, initializers, node outputs
/// (what a name given to an inlined or unrolled value must avoid).
static StringSet<> graphValueNames(const onnx::GraphProto &graph) {
  StringSet<> names;
  for (const auto &in : graph.input())
    names.insert(in.name());
  for (const auto &t : graph.initializer())
    names.insert(t.name());
  for (const auto &n : graph.node())
    for (const auto &out : n.output())
      names.insert(out);
  return names;
}

/// `base`, or `base__K` with the first K that `names` does not hold yet;
/// the name is added to `names`.
static std::string freshName(StringSet<> &names, const std::string &base) {
  std::string name = base;
  for (int k = 0; names.contains(name); ++k)
    name = base + "__" + std::to_string(k);
  names.insert(name);
  return name;
}

static std::vector<std::string>
graphInputsFeeding(const onnx::GraphProto &graph, const std::string &value);

/// The static tensor type of a graph's output `i` as "elem:d0xd1x...", or
/// empty when it is not a fully static tensor.
static std::string staticTypeKey(const onnx::ValueInfoProto &v) {
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
    return "";
  const auto &t = v.type().tensor_type();
  std::string key = std::to_string(t.elem_type()) + ":";
  for (const auto &d : t.shape().dim()) {
    if (!d.has_dim_value())
      return "";
    key += std::to_string(d.dim_value()) + "x";
  }
  return key;
}

/// What the two branches of an If say of one output, `a` and `b` (a type
/// not set says nothing): the element type, and when both give shapes, the
/// dimensions they share (the others unknown). Nullopt when they disagree
/// in element type or rank, or one is not a tensor.
static std::optional<onnx::TypeProto>
mergeBranchTypes(const onnx::TypeProto &a, const onnx::TypeProto &b) {
  auto unset = [](const onnx::TypeProto &t) {
    return t.value_case() == onnx::TypeProto::VALUE_NOT_SET;
  };
  if ((!unset(a) && !a.has_tensor_type()) ||
      (!unset(b) && !b.has_tensor_type()))
    return std::nullopt;
  if (unset(a) || unset(b))
    return unset(a) ? b : a;
  const auto &ta = a.tensor_type(), &tb = b.tensor_type();
  if (ta.elem_type() && tb.elem_type() && ta.elem_type() != tb.elem_type())
    return std::nullopt;
  onnx::TypeProto merged;
  auto *t = merged.mutable_tensor_type();
  t->set_elem_type(ta.elem_type() ? ta.elem_type() : tb.elem_type());
  if (!ta.has_shape() || !tb.has_shape())
    return merged;
  if (ta.shape().dim_size() != tb.shape().dim_size())
    return std::nullopt;
  auto *shape = t->mutable_shape();
  for (int d = 0; d < ta.shape().dim_size(); ++d) {
    const auto &da = ta.shape().dim(d), &db = tb.shape().dim(d);
    auto *dim = shape->add_dim();
    if (da.has_dim_value() && db.has_dim_value() &&
        da.dim_value() == db.dim_value())
      dim->set_dim_value(da.dim_value());
  }
  return merged;
}

/// A type for messages: "elem 1 [2,?]", "elem 7", "unknown".
static std::string typeText(const onnx::TypeProto &type) {
  if (!type.has_tensor_type())
    return type.value_case() == onnx::TypeProto::VALUE_NOT_SET ? "unknown"
                                                               : "not a tensor";
  const auto &t = type.tensor_type();
  std::string text = "elem " + std::to_string(t.elem_type());
  if (!t.has_shape())
    return text;
  text += " [";
  for (int d = 0; d < t.shape().dim_size(); ++d)
    text += (d ? "," : "") + (t.shape().dim(d).has_dim_value()
                                  ? std::to_string(t.shape().dim(d).dim_value())
                                  : std::string("?"));
  return text + "]";
}

/// Sets (or, with nullopt, removes) the graph's value_info entry `name`.
static void setValueType(onnx::GraphProto &graph, const std::string &name,
                         const std::optional<onnx::TypeProto> &type) {
  auto *infos = graph.mutable_value_info();
  for (int i = 0; i < infos->size(); ++i)
    if (infos->Get(i).name() == name) {
      infos->DeleteSubrange(i, 1);
      break;
    }
  if (!type)
    return;
  onnx::ValueInfoProto *info = graph.add_value_info();
  info->set_name(name);
  *info->mutable_type() = *type;
}

static void renameNodeReferences(onnx::NodeProto &n,
                                 const StringMap<std::string> &rename,
                                 const StringSet<> &local);

/// Renames, in `g` and the subgraphs nested in it, each reference to an
/// outer-scope value that `rename` maps, except names `g` (or a graph
/// between it and the reference) defines, which shadow the outer ones
/// (ONNX's scoping). A copied node's subgraphs read the copy's values so.
static void renameOuterReferences(onnx::GraphProto &g,
                                  const StringMap<std::string> &rename,
                                  StringSet<> local) {
  for (const auto &name : graphValueNames(g))
    local.insert(name.getKey());
  for (auto &n : *g.mutable_node())
    renameNodeReferences(n, rename, local);
  for (auto &out : *g.mutable_output())
    if (!local.contains(out.name()))
      if (auto it = rename.find(out.name()); it != rename.end())
        out.set_name(it->second);
}

/// Renames the outer-scope references of node `n` (its inputs, and those of
/// its subgraphs) that `rename` maps and `local` does not shadow.
static void renameNodeReferences(onnx::NodeProto &n,
                                 const StringMap<std::string> &rename,
                                 const StringSet<> &local) {
  for (auto &in : *n.mutable_input())
    if (!in.empty() && !local.contains(in))
      if (auto it = rename.find(in); it != rename.end())
        in = it->second;
  for (auto &a : *n.mutable_attribute()) {
    if (a.type() == onnx::AttributeProto::GRAPH)
      renameOuterReferences(*a.mutable_g(), rename, local);
    for (auto &sub : *a.mutable_graphs())
      renameOuterReferences(sub, rename, local);
  }
}

namespace {

/// The subgraph attribute `name` of `node`, if it has one.
const onnx::GraphProto *subgraph(const onnx::NodeProto &node, StringRef name) {
  for (const auto &a : node.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::GRAPH)
      return &a.g();
  return nullptr;
}

/// Reads initializer `name` when it is a foldable one-element constant.
bool scalarConstant(const StringMap<const onnx::TensorProto *> &initializers,
                    const LoadedModel &loaded, const std::string &name,
                    HostTensor &out) {
  auto it = initializers.find(name);
  return it != initializers.end() &&
         readFoldableConstant(*it->second, loaded.modelDir, out) &&
         out.size() == 1;
}

/// The graph's initializers by name.
StringMap<const onnx::TensorProto *>
initializerMap(const onnx::GraphProto &graph) {
  StringMap<const onnx::TensorProto *> initializers;
  for (const auto &t : graph.initializer())
    initializers[t.name()] = &t;
  return initializers;
}

} // namespace

FailureOr<int> inlineIfs(LoadedModel &loaded, std::string &error) {
  onnx::GraphProto &graph = *loaded.model.mutable_graph();
  StringMap<const onnx::TensorProto *> initializers = initializerMap(graph);
  auto branchOf = [](const onnx::NodeProto &node, bool thenBranch) {
    return subgraph(node, thenBranch ? "then_branch" : "else_branch");
  };
  // 1/0: a constant condition; 2: both branches, selected; -1: kept.
  auto decide = [&](const onnx::NodeProto &node) -> int {
    if (!isDefaultDomain(node) || node.op_type() != "If" ||
        node.input_size() != 1)
      return -1;
    HostTensor cond;
    if (scalarConstant(initializers, loaded, node.input(0), cond))
      return cond.isReal() ? cond.realAt(0) != 0 : cond.intAt(0) != 0;
    const onnx::GraphProto *a = branchOf(node, true),
                           *b = branchOf(node, false);
    if (!a || !b || a->output_size() != b->output_size() ||
        a->output_size() < node.output_size())
      return -1;
    bool sameTypes = true;
    for (int o = 0; o < a->output_size(); ++o) {
      if (!mergeBranchTypes(a->output(o).type(), b->output(o).type()))
        return -1;
      std::string key = staticTypeKey(a->output(o));
      sameTypes &= !key.empty() && key == staticTypeKey(b->output(o));
    }
    // A condition computed from constants alone folds in a later round (an
    // If before it inlined first): only one branch is taken then.
    if (!sameTypes && graphInputsFeeding(graph, node.input(0)).empty())
      return -1;
    return 2;
  };
  // Decided before any node moves (decide reads the graph's producers).
  std::vector<int> decisions;
  for (const onnx::NodeProto &n : graph.node())
    decisions.push_back(decide(n));
  if (llvm::none_of(decisions, [](int how) { return how >= 0; }))
    return 0;
  StringSet<> names = graphValueNames(graph);
  auto fresh = [&](const std::string &base) { return freshName(names, base); };
  StringMap<const onnx::TypeProto *> types = collectValueTypes(graph);
  auto knownScalar = [&](const std::string &name) {
    if (auto it = initializers.find(name); it != initializers.end())
      return it->second->dims_size() == 0;
    auto it = types.find(name);
    return it != types.end() && it->second->has_tensor_type() &&
           it->second->tensor_type().has_shape() &&
           it->second->tensor_type().shape().dim_size() == 0;
  };
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  std::vector<onnx::TensorProto> moved;
  std::vector<std::pair<std::string, onnx::TypeProto>> selectTypes;
  int removed = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    int how = decisions[i];
    if (how < 0) {
      nodes.Add()->Swap(&node);
      continue;
    }
    // Appends a branch's nodes; returns its output names, renamed.
    auto inlineBranch = [&](const onnx::GraphProto &branch, int tag,
                            std::vector<std::string> &outputs) -> bool {
      StringMap<std::string> rename;
      auto local = [&](const std::string &name) {
        if (name.empty() || rename.count(name))
          return;
        std::string fresh = name;
        for (int k = 0; names.contains(fresh); ++k)
          fresh = name + "__if" + std::to_string(i) + "_" +
                  std::to_string(tag) + "_" + std::to_string(k);
        names.insert(fresh);
        rename[name] = fresh;
      };
      auto renamed = [&](const std::string &name) {
        auto it = rename.find(name);
        return it == rename.end() ? name : it->second;
      };
      for (const auto &t : branch.initializer())
        local(t.name());
      for (const auto &n : branch.node())
        for (const auto &out : n.output())
          local(out);
      for (const auto &t : branch.initializer()) {
        moved.push_back(t);
        moved.back().set_name(renamed(t.name()));
      }
      for (const auto &n : branch.node()) {
        onnx::NodeProto *copy = nodes.Add();
        *copy = n;
        renameNodeReferences(*copy, rename, {});
        for (auto &out : *copy->mutable_output())
          out = renamed(out);
      }
      for (const auto &out : branch.output())
        outputs.push_back(renamed(out.name()));
      return true;
    };
    std::vector<std::string> thenOut, elseOut;
    if (how == 2) {
      inlineBranch(*branchOf(node, true), 0, thenOut);
      inlineBranch(*branchOf(node, false), 1, elseOut);
    } else {
      const onnx::GraphProto *branch = branchOf(node, how == 1);
      if (!branch || branch->output_size() < node.output_size()) {
        error = "node '" + node.name() +
                "' (If): the taken branch is "
                "missing or has fewer outputs than the node";
        return failure();
      }
      inlineBranch(*branch, 0, thenOut);
    }
    // The condition as a rank-0 tensor, so that Where keeps each branch's
    // rank (a condition may be [1] or [1,1]).
    std::string cond = node.input(0);
    if (how == 2 && !knownScalar(cond)) {
      onnx::TensorProto shape;
      shape.set_name(fresh(node.name() + "/scalar"));
      shape.set_data_type(onnx::TensorProto::INT64);
      shape.add_dims(0);
      moved.push_back(shape);
      onnx::NodeProto *reshape = nodes.Add();
      reshape->set_op_type("Reshape");
      reshape->set_name(fresh(node.name() + "/cond"));
      reshape->add_input(cond);
      reshape->add_input(shape.name());
      cond = fresh(node.name() + "/cond");
      reshape->add_output(cond);
    }
    for (int o = 0; o < node.output_size(); ++o) {
      if (node.output(o).empty())
        continue;
      onnx::NodeProto *out = nodes.Add();
      out->set_name(node.name() + "/output" + std::to_string(o));
      if (how == 2) {
        // One static type: Where, which the NPU runs. Otherwise (shapes
        // that differ, or that only inference can tell) the host's
        // SelectBranch, until resolveImporterOps sees equal types.
        const onnx::ValueInfoProto &a = branchOf(node, true)->output(o),
                                   &b = branchOf(node, false)->output(o);
        std::string key = staticTypeKey(a);
        bool same = !key.empty() && key == staticTypeKey(b);
        out->set_op_type(same ? "Where" : kSelectBranch);
        out->add_input(cond);
        out->add_input(thenOut[o]);
        out->add_input(elseOut[o]);
        if (!same)
          selectTypes.emplace_back(node.output(o),
                                   *mergeBranchTypes(a.type(), b.type()));
      } else {
        out->set_op_type("Identity");
        out->add_input(thenOut[o]);
      }
      out->add_output(node.output(o));
    }
    ++removed;
  }
  graph.mutable_node()->Swap(&nodes);
  for (auto &t : moved)
    *graph.add_initializer() = std::move(t);
  graph.clear_value_info();
  // ONNX's inference has no function for SelectBranch: its result's type
  // is what the branches agree on, and its readers are inferred from that.
  for (auto &[name, type] : selectTypes)
    setValueType(graph, name, type);
  return removed;
}

FailureOr<int> resolveImporterOps(LoadedModel &loaded, std::string &error) {
  onnx::GraphProto &graph = *loaded.model.mutable_graph();
  auto isSelect = [](const onnx::NodeProto &n) {
    return isDefaultDomain(n) && n.op_type() == kSelectBranch;
  };
  if (llvm::none_of(graph.node(), [](const onnx::NodeProto &n) {
        return isDefaultDomain(n) && isImporterHostOp(n.op_type());
      }))
    return 0;
  StringMap<const onnx::TypeProto *> types = collectValueTypes(graph);
  StringMap<const onnx::TensorProto *> initializers = initializerMap(graph);
  // A value's type, from shape inference or its initializer.
  auto typeOf = [&](const std::string &name) {
    onnx::TypeProto type;
    if (auto it = initializers.find(name); it != initializers.end()) {
      auto *t = type.mutable_tensor_type();
      t->set_elem_type(it->second->data_type());
      auto *shape = t->mutable_shape();
      for (int64_t d : it->second->dims())
        shape->add_dim()->set_dim_value(d);
    } else if (auto it = types.find(name); it != types.end()) {
      type = *it->second;
    }
    return type;
  };
  std::vector<std::pair<std::string, onnx::TypeProto>> updates;
  std::vector<std::string> nowWhere;
  int changed = 0;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    if (isDefaultDomain(node) && node.op_type() == kCheckLoopBound &&
        node.input_size() == 2 && node.output_size() == 1) {
      // The value passes through: its type is the output's.
      onnx::TypeProto in = typeOf(node.input(1));
      auto info = llvm::find_if(graph.value_info(), [&](const auto &v) {
        return v.name() == node.output(0);
      });
      if (in.has_tensor_type() &&
          (info == graph.value_info().end() ||
           info->type().SerializeAsString() != in.SerializeAsString()))
        updates.emplace_back(node.output(0), in);
      continue;
    }
    if (!isSelect(node) || node.input_size() != 3 || node.output_size() != 1)
      continue;
    const std::string &out = node.output(0);
    onnx::TypeProto a = typeOf(node.input(1)), b = typeOf(node.input(2));
    auto dimsA = knownDims(types, initializers, node.input(1));
    auto dimsB = knownDims(types, initializers, node.input(2));
    std::optional<onnx::TypeProto> merged = mergeBranchTypes(a, b);
    if (!merged) {
      error = "node '" + node.name() + "' (If): output '" + out +
              "' differs between the branches in element type or rank (" +
              typeText(a) + " and " + typeText(b) +
              "); an If with a run-time condition needs branches whose "
              "outputs agree in both";
      return failure();
    }
    if (dimsA && dimsB && *dimsA == *dimsB) {
      node.set_op_type("Where");
      nowWhere.push_back(out);
      ++changed;
      continue;
    }
    // Compared with its value_info entry (a graph output's declared type
    // is one run's).
    auto info = llvm::find_if(graph.value_info(),
                              [&](const auto &v) { return v.name() == out; });
    if (info == graph.value_info().end() ||
        info->type().SerializeAsString() != merged->SerializeAsString())
      updates.emplace_back(out, *merged);
  }
  // Where's type is ONNX's inference's to give.
  for (const std::string &name : nowWhere)
    setValueType(graph, name, std::nullopt);
  for (auto &[name, type] : updates)
    setValueType(graph, name, type);
  return changed + int(updates.size());
}

namespace {

/// The nodes unrolling `g` adds in the end: its own, and for each Loop or
/// Scan nested in it the nodes of its body times the iterations that body
/// will be unrolled to (a Loop's constant trip count, else --max-trip-count
/// or the unrolling limit; a Scan's limit), saturating; an If's branches
/// once each. `outer` holds the initializers a nested trip count may name.
int64_t nestedNodeCount(const onnx::GraphProto &g,
                        const StringMap<const onnx::TensorProto *> &outer,
                        const LoadedModel &loaded) {
  constexpr int64_t kCap = int64_t(1) << 40;
  StringMap<const onnx::TensorProto *> scope = outer;
  for (const auto &t : g.initializer())
    scope[t.name()] = &t;
  int64_t count = g.node_size();
  for (const auto &n : g.node())
    for (const auto &a : n.attribute()) {
      auto add = [&](const onnx::GraphProto &sub) {
        int64_t inner = nestedNodeCount(sub, scope, loaded), times = 1;
        if (n.op_type() == "Loop") {
          HostTensor m;
          times = loaded.maxTripCount > 0 ? loaded.maxTripCount
                                          : kMaxUnrollIterations;
          if (n.input_size() > 0 &&
              scalarConstant(scope, loaded, n.input(0), m))
            times = std::clamp<int64_t>(m.intAt(0), 0, kMaxUnrollIterations);
        } else if (n.op_type() == "Scan") {
          times = kMaxUnrollIterations;
        }
        count =
            std::min(kCap, count + (times == 0             ? 0
                                    : inner > kCap / times ? kCap
                                                           : inner * times));
      };
      if (a.type() == onnx::AttributeProto::GRAPH)
        add(a.g());
      for (const auto &sub : a.graphs())
        add(sub);
    }
  return count;
}

/// An INT64 initializer named `name` holding `values`, of shape [n] or, with
/// `scalar`, of rank 0.
onnx::TensorProto int64Tensor(const std::string &name, ArrayRef<int64_t> values,
                              bool scalar) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  if (!scalar)
    t.add_dims(int64_t(values.size()));
  for (int64_t v : values)
    t.add_int64_data(v);
  return t;
}

/// The state of one unrolling rewrite of a graph: the names in use, the
/// rewritten node list and the initializers added. Nodes may be appended
/// out of order; `finish` restores a topological order.
struct Unroller {
  LoadedModel &loaded;
  onnx::GraphProto &graph;
  StringSet<> names;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  std::vector<onnx::TensorProto> added;

  explicit Unroller(LoadedModel &loaded)
      : loaded(loaded), graph(*loaded.model.mutable_graph()),
        names(graphValueNames(graph)) {}

  /// `base`, or `base__K` with the first K that no value uses yet.
  std::string fresh(const std::string &base) { return freshName(names, base); }

  /// Appends one copy of `body`: its inputs read the values `rename` maps
  /// them to, its initializers and node outputs get fresh names under
  /// `tag`. Returns the names of the copy's outputs.
  std::vector<std::string> inlineBody(const onnx::GraphProto &body,
                                      const std::string &tag,
                                      StringMap<std::string> &rename) {
    for (const auto &t : body.initializer()) {
      added.push_back(t);
      added.back().set_name(rename[t.name()] = fresh(tag + "/" + t.name()));
    }
    for (const auto &n : body.node())
      for (const auto &out : n.output())
        if (!out.empty())
          rename[out] = fresh(tag + "/" + out);
    auto renamed = [&](const std::string &name) {
      auto r = rename.find(name);
      return r == rename.end() ? name : r->second;
    };
    for (const auto &n : body.node()) {
      onnx::NodeProto *copy = nodes.Add();
      *copy = n;
      copy->set_name(tag + "/" + n.name());
      // Inputs, and the references of its subgraphs (an If in the body).
      renameNodeReferences(*copy, rename, {});
      for (auto &out : *copy->mutable_output())
        out = renamed(out);
    }
    std::vector<std::string> outputs;
    for (const auto &out : body.output())
      outputs.push_back(renamed(out.name()));
    return outputs;
  }

  /// Appends `out = Concat(Unsqueeze(v, axis) for v in values, axis)`, the
  /// Concat first. `axesInput` names an INT64 [1] initializer holding
  /// `axis`; it is called only for opset 13 on, where Unsqueeze takes its
  /// axes as an input.
  void stack(ArrayRef<std::string> values, int64_t axis, const std::string &out,
             const std::string &name, function_ref<std::string()> axesInput) {
    onnx::NodeProto *concat = nodes.Add();
    concat->set_op_type("Concat");
    concat->set_name(name);
    auto *attr = concat->add_attribute();
    attr->set_name("axis");
    attr->set_type(onnx::AttributeProto::INT);
    attr->set_i(axis);
    concat->add_output(out);
    for (const std::string &v : values) {
      onnx::NodeProto *unsq = nodes.Add();
      unsq->set_op_type("Unsqueeze");
      unsq->set_name(fresh(v + "/stack"));
      unsq->add_input(v);
      if (loaded.opset >= 13) {
        unsq->add_input(axesInput());
      } else {
        auto *axes = unsq->add_attribute();
        axes->set_name("axes");
        axes->set_type(onnx::AttributeProto::INTS);
        axes->add_ints(axis);
      }
      unsq->add_output(fresh(v + "/stacked"));
      concat->add_input(unsq->output(0));
    }
  }

  /// Appends `Gather(x, index, axis)` with a scalar index (the axis is
  /// removed); `index` names a rank-0 INT64 initializer. Returns the
  /// result's name.
  std::string take(const std::string &x, const std::string &index, int64_t axis,
                   const std::string &tag) {
    onnx::NodeProto *g = nodes.Add();
    g->set_op_type("Gather");
    g->set_name(fresh(tag));
    g->add_input(x);
    g->add_input(index);
    auto *attr = g->add_attribute();
    attr->set_name("axis");
    attr->set_type(onnx::AttributeProto::INT);
    attr->set_i(axis);
    g->add_output(fresh(tag));
    return g->output(0);
  }

  /// Appends `out = Identity(in)`.
  void identity(const std::string &in, const std::string &out,
                const std::string &name) {
    onnx::NodeProto *id = nodes.Add();
    id->set_op_type("Identity");
    id->set_name(name);
    id->add_input(in);
    id->add_output(out);
  }

  /// Puts the rewritten nodes into the graph in a topological order (a
  /// stable one: nodes keep their order otherwise) and adds the new
  /// initializers. `what` names the rewrite for the error of a node that
  /// never becomes computable.
  LogicalResult finish(StringRef what, std::string &error) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> ordered;
    StringSet<> produced;
    for (const auto &in : graph.input())
      produced.insert(in.name());
    for (const auto &t : graph.initializer())
      produced.insert(t.name());
    for (const auto &t : added)
      produced.insert(t.name());
    std::vector<bool> done(nodes.size(), false);
    for (bool progress = true; progress;) {
      progress = false;
      for (int k = 0; k < nodes.size(); ++k) {
        if (done[k])
          continue;
        const auto &n = nodes.Get(k);
        if (!llvm::all_of(n.input(), [&](const std::string &in) {
              return in.empty() || produced.contains(in) || !names.contains(in);
            }))
          continue;
        for (const auto &out : n.output())
          produced.insert(out);
        *ordered.Add() = n;
        done[k] = true;
        progress = true;
      }
    }
    if (ordered.size() != nodes.size()) {
      error = ("unrolling a " + what + " left nodes that are never computable")
                  .str();
      return failure();
    }
    graph.mutable_node()->Swap(&ordered);
    for (auto &t : added)
      *graph.add_initializer() = std::move(t);
    graph.clear_value_info();
    return success();
  }
};

/// How a Loop is unrolled: `trips` copies of its body; `predicated` when
/// an iteration may not run (an early exit, or a condition input that is
/// not constant): then every copy runs and its results are selected.
struct LoopPlan {
  int64_t trips = -1;
  /// The trip count is known only at run time (or absent): `trips` is
  /// --max-trip-count, each copy runs only while i < M, and CheckLoopBound
  /// stops a run that would need more.
  bool bounded = false;
  bool predicated = false;
  /// The body computes its condition output (false ends the loop).
  bool earlyExit = false;
};

/// True when `body`'s condition output is its condition input (directly or
/// through an Identity) or a constant true: the loop has no early exit.
bool conditionPassesThrough(const onnx::GraphProto &body,
                            const LoadedModel &loaded) {
  const std::string &condOut = body.output(0).name();
  bool passthrough = condOut == body.input(1).name();
  auto constantTrue = [&](const onnx::TensorProto &t) {
    HostTensor v;
    return readFoldableConstant(t, loaded.modelDir, v) && v.size() == 1 &&
           v.intAt(0);
  };
  for (const auto &n : body.node()) {
    if (n.op_type() == "Identity" && n.input_size() == 1 &&
        n.output_size() == 1 && n.output(0) == condOut &&
        n.input(0) == body.input(1).name())
      passthrough = true;
    if (!passthrough && n.op_type() == "Constant" && n.output_size() == 1 &&
        n.output(0) == condOut)
      for (const auto &a : n.attribute())
        if (a.name() == "value" && a.has_t() &&
            a.t().data_type() == onnx::TensorProto::BOOL)
          passthrough = constantTrue(a.t());
  }
  for (const auto &t : body.initializer())
    if (t.name() == condOut)
      passthrough = constantTrue(t);
  return passthrough;
}

} // namespace

FailureOr<int> unrollLoops(LoadedModel &loaded, std::string &error) {
  onnx::GraphProto &graph = *loaded.model.mutable_graph();
  StringMap<const onnx::TensorProto *> initializers = initializerMap(graph);
  auto constant = [&](const std::string &name, HostTensor &out) {
    return scalarConstant(initializers, loaded, name, out);
  };
  auto plan = [&](const onnx::NodeProto &node) -> LoopPlan {
    if (!isDefaultDomain(node) || node.op_type() != "Loop" ||
        node.input_size() < 2)
      return {};
    const onnx::GraphProto *body = subgraph(node, "body");
    HostTensor m, c;
    if (!body)
      return {};
    bool bounded = node.input(0).empty() || !constant(node.input(0), m);
    if (bounded && (loaded.maxTripCount <= 0 ||
                    (!node.input(0).empty() &&
                     graphInputsFeeding(graph, node.input(0)).empty())))
      return {}; // not bounded, or computed from constants: folded later
    int carried = node.input_size() - 2;
    if (body->input_size() != carried + 2 ||
        body->output_size() < carried + 1 ||
        node.output_size() > body->output_size() - 1)
      return {};
    LoopPlan p;
    p.trips = bounded ? loaded.maxTripCount : m.intAt(0);
    p.bounded = p.predicated = bounded;
    if (!node.input(1).empty()) {
      if (constant(node.input(1), c)) {
        if (!c.intAt(0))
          p.trips = 0; // a constant false condition: no iteration runs
      } else if (graphInputsFeeding(graph, node.input(1)).empty()) {
        return {}; // computed from constants: folded in a later round
      } else {
        p.predicated = true;
      }
    }
    if (p.trips == 0) // a constant false condition: nothing runs, or checks
      p.bounded = p.predicated = false;
    p.earlyExit = p.trips > 0 && !conditionPassesThrough(*body, loaded);
    p.predicated |= p.earlyExit;
    // No trip count and nothing that ends it: it never ends.
    if (bounded && node.input(0).empty() && !p.earlyExit &&
        (node.input(1).empty() || (constant(node.input(1), c) && c.intAt(0))))
      return {};
    // Where and Compress (predication) exist from opset 9 on.
    if (p.trips < 0 || p.trips > kMaxUnrollIterations ||
        (p.predicated && loaded.opset < 9))
      return {};
    // The body's copies, an Unsqueeze per scan output and iteration, the
    // Identities and Concats; predicated, a Where per loop-carried value
    // and a Reshape, an And and a mask Unsqueeze per iteration, and a
    // Compress per scan output.
    int64_t scans = body->output_size() - 1 - carried;
    // Bounded: a Less and an And per iteration, a Reshape and a Cast of
    // M, the last Less and And, and the CheckLoopBound.
    int64_t perTrip = nestedNodeCount(*body, initializers, loaded) + scans +
                      (p.predicated ? carried + 3 : 0) + (p.bounded ? 2 : 0);
    int64_t added = p.trips * perTrip + carried + 2 * scans + 1 +
                    (p.predicated ? 1 : 0) + (p.bounded ? 5 : 0);
    if (added > kMaxUnrolledNodes ||
        loaded.unrolledNodes + added > kMaxUnrolledNodesPerModel)
      return {};
    return p;
  };
  if (llvm::none_of(graph.node(), [&](const onnx::NodeProto &n) {
        return plan(n).trips >= 0;
      }))
    return 0;
  Unroller u(loaded);
  int unrolled = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    LoopPlan p = plan(node);
    int64_t trips = p.trips;
    if (trips < 0) {
      u.nodes.Add()->Swap(&node);
      continue;
    }
    int before = u.nodes.size();
    const onnx::GraphProto &body = *subgraph(node, "body");
    int carried = node.input_size() - 2;
    int scans = body.output_size() - 1 - carried;
    std::vector<std::string> state(node.input().begin() + 2,
                                   node.input().end());
    std::vector<std::vector<std::string>> scanned(scans);
    std::string label = node.name().empty() ? node.output(0) : node.name();
    // The body's condition input is true whenever its copy's results are
    // used, so every copy reads a constant true (and folds with it).
    auto trueScalar = [&](const std::string &name) {
      onnx::TensorProto t;
      t.set_name(u.fresh(name));
      t.set_data_type(onnx::TensorProto::BOOL);
      t.add_int32_data(1);
      u.added.push_back(t);
      return t.name();
    };
    // Predicated: `active` is the rank-0 condition under which iteration
    // `it` runs (empty while it is certainly true), `ran` each iteration's.
    std::string active;
    std::vector<std::string> ran;
    auto node1 = [&](StringRef op, ArrayRef<std::string> inputs,
                     const std::string &tag) {
      onnx::NodeProto *n = u.nodes.Add();
      n->set_op_type(op.str());
      n->set_name(u.fresh(tag));
      for (const std::string &in : inputs)
        n->add_input(in);
      n->add_output(u.fresh(tag));
      return n->output(0);
    };
    // A condition as a rank-0 tensor: Reshape to [] (a condition may be
    // [1], or have no declared shape at all).
    std::string scalarShape;
    auto scalar = [&](const std::string &cond, const std::string &tag) {
      if (scalarShape.empty()) {
        scalarShape = u.fresh(label + "/scalar");
        u.added.push_back(int64Tensor(scalarShape, {}, /*scalar=*/false));
      }
      return node1("Reshape", {cond, scalarShape}, tag);
    };
    HostTensor condInput;
    if (p.predicated && !node.input(1).empty() &&
        !scalarConstant(initializers, loaded, node.input(1), condInput))
      active = scalar(node.input(1), label + "/active0");
    // Bounded: iteration i runs only while i < M, compared in FP32 on the
    // NPU (exact: i <= 4096, and M rounds to a float >= 2^24 past that).
    std::string tripCount;
    if (p.bounded && !node.input(0).empty()) {
      std::string m = scalar(node.input(0), label + "/trip_count");
      onnx::NodeProto *cast = u.nodes.Add();
      cast->set_op_type("Cast");
      cast->set_name(u.fresh(label + "/trip_count_f32"));
      cast->add_input(m);
      auto *to = cast->add_attribute();
      to->set_name("to");
      to->set_type(onnx::AttributeProto::INT);
      to->set_i(onnx::TensorProto::FLOAT);
      tripCount = u.fresh(label + "/trip_count_f32");
      cast->add_output(tripCount);
    }
    // active && i < M (active unchanged without a trip count).
    auto withinTrips = [&](int64_t i, const std::string &tag) {
      if (tripCount.empty())
        return active;
      onnx::TensorProto index;
      index.set_name(u.fresh(tag + "/i_f32"));
      index.set_data_type(onnx::TensorProto::FLOAT);
      index.add_float_data(float(i));
      u.added.push_back(index);
      std::string lt =
          node1("Less", {index.name(), tripCount}, tag + "/within");
      return active.empty() ? lt : node1("And", {active, lt}, tag + "/runs");
    };
    for (int64_t it = 0; it < trips; ++it) {
      StringMap<std::string> rename;
      std::string tag = label + "/iter" + std::to_string(it);
      if (p.bounded)
        active = withinTrips(it, tag);
      // The iteration number and the (true) condition as initializers.
      onnx::TensorProto iter =
          int64Tensor(u.fresh(tag + "/i"), {it}, /*scalar=*/true);
      rename[body.input(0).name()] = iter.name();
      u.added.push_back(iter);
      rename[body.input(1).name()] = trueScalar(tag + "/cond");
      for (int k = 0; k < carried; ++k)
        rename[body.input(2 + k).name()] = state[k];
      std::vector<std::string> outputs = u.inlineBody(body, tag, rename);
      for (int k = 0; k < carried; ++k) {
        const std::string &next = outputs[1 + k];
        if (active.empty()) {
          state[k] = next;
          continue;
        }
        // Where selects exactly only between operands of one shape; the
        // loader checks that after shape inference.
        loaded.sameShapeSelects.push_back(
            {label, body.input(2 + k).name(), state[k], next});
        state[k] = node1("Where", {active, next, state[k]},
                         tag + "/carry" + std::to_string(k));
      }
      for (int k = 0; k < scans; ++k)
        scanned[k].push_back(outputs[1 + carried + k]);
      if (!p.predicated)
        continue;
      ran.push_back(active.empty() ? trueScalar(tag + "/ran") : active);
      if (!p.earlyExit)
        continue; // only the condition input decides, once
      std::string c = scalar(outputs[0], tag + "/cond_out");
      active = active.empty() ? c : node1("And", {active, c}, tag + "/active");
    }
    // Bounded: `over` is true when iteration `trips` would run, and the
    // first output the loop gives passes through CheckLoopBound, which then
    // stops the run.
    std::string over;
    if (p.bounded) // never empty: plan() refuses a loop nothing ends
      over = withinTrips(trips, label + "/iter" + std::to_string(trips));
    // Writes `out` from `value`: through the guard the first time.
    auto emit = [&](const std::string &value, const std::string &out,
                    const std::string &name) {
      if (over.empty()) {
        u.identity(value, out, name);
        return;
      }
      onnx::NodeProto *guard = u.nodes.Add();
      guard->set_op_type(kCheckLoopBound);
      guard->set_name(u.fresh(label + "/bound"));
      guard->add_input(over);
      guard->add_input(value);
      auto *attr = guard->add_attribute();
      attr->set_name("bound");
      attr->set_type(onnx::AttributeProto::INT);
      attr->set_i(trips);
      guard->add_output(out);
      over.clear();
    };
    // Final loop-carried values, then the stacked scan outputs.
    for (int k = 0; k < carried && k < node.output_size(); ++k)
      if (!node.output(k).empty())
        emit(state[k], node.output(k), label + "/final" + std::to_string(k));
    onnx::TensorProto axis0 =
        int64Tensor(u.fresh(label + "/axis0"), {0}, /*scalar=*/false);
    bool axisUsed = false;
    auto axisInput = [&] {
      axisUsed = true;
      return axis0.name();
    };
    std::string mask;
    for (int k = 0; k < scans && carried + k < node.output_size(); ++k) {
      const std::string &out = node.output(carried + k);
      if (out.empty())
        continue;
      if (trips == 0) {
        error = "node '" + label +
                "' (Loop): a scan output of zero "
                "iterations has no static shape";
        return failure();
      }
      std::string name = label + "/scan" + std::to_string(k);
      if (!p.predicated) {
        u.stack(scanned[k], 0, out, name, axisInput);
        continue;
      }
      // Every iteration's element, then those of the iterations that ran
      // (a prefix: the result's length depends on the data). Without a
      // loop-carried output, the guard takes the first stack (of a static
      // type, unlike the Compress after it).
      std::string all = u.fresh(name + "/all");
      if (over.empty()) {
        u.stack(scanned[k], 0, all, name, axisInput);
      } else {
        std::string stacked = u.fresh(name + "/stacked");
        u.stack(scanned[k], 0, stacked, name, axisInput);
        emit(stacked, all, name + "/bound");
      }
      if (mask.empty()) {
        mask = u.fresh(label + "/ran");
        u.stack(ran, 0, mask, label + "/ran", axisInput);
      }
      onnx::NodeProto *compress = u.nodes.Add();
      compress->set_op_type("Compress");
      compress->set_name(u.fresh(name + "/compress"));
      compress->add_input(all);
      compress->add_input(mask);
      auto *attr = compress->add_attribute();
      attr->set_name("axis");
      attr->set_type(onnx::AttributeProto::INT);
      attr->set_i(0);
      compress->add_output(out);
    }
    if (axisUsed)
      u.added.push_back(axis0);
    loaded.unrolledNodes += u.nodes.size() - before;
    ++unrolled;
  }
  if (failed(u.finish("Loop", error)))
    return failure();
  return unrolled;
}

LogicalResult checkSameShapeSelects(LoadedModel &loaded, bool final,
                                    std::string &error) {
  if (loaded.sameShapeSelects.empty())
    return success();
  const onnx::GraphProto &graph = loaded.model.graph();
  StringMap<const onnx::TypeProto *> types = collectValueTypes(graph);
  StringMap<const onnx::TensorProto *> initializers = initializerMap(graph);
  StringSet<> live = graphValueNames(graph);
  auto shapeText = [](ArrayRef<int64_t> dims) {
    std::string text = "[";
    for (auto [i, d] : llvm::enumerate(dims))
      text += (i ? "," : "") + std::to_string(d);
    return text + "]";
  };
  std::vector<LoadedModel::SameShapeSelect> pending;
  for (const auto &s : loaded.sameShapeSelects) {
    // Gone: folding removed the selection (a condition that became
    // constant) or everything that read it.
    if (!live.contains(s.previous) || !live.contains(s.next))
      continue;
    auto before = knownDims(types, initializers, s.previous);
    auto after = knownDims(types, initializers, s.next);
    if (before && after && *before != *after) {
      error = "node '" + s.loop + "' (Loop): loop-carried value '" + s.carried +
              "' changes shape across iterations (" + shapeText(*before) +
              " to " + shapeText(*after) +
              "); a Loop with an early exit or a run-time condition is "
              "unrolled only when its loop-carried values keep one shape";
      return failure();
    }
    if (before && after)
      continue;
    // Unknown: folding may still tell (a Slice of the iteration number);
    // at the fixpoint it depends on the data (a value made by NonZero, on
    // the host), which Where could broadcast.
    if (final) {
      error = "node '" + s.loop + "' (Loop): loop-carried value '" + s.carried +
              "' has a shape not known at compile time; a Loop with an "
              "early exit or a run-time condition is unrolled only when its "
              "loop-carried values keep one static shape";
      return failure();
    }
    pending.push_back(s);
  }
  loaded.sameShapeSelects = std::move(pending);
  return success();
}

FailureOr<int> unrollScans(LoadedModel &loaded, std::string &error) {
  onnx::GraphProto &graph = *loaded.model.mutable_graph();
  StringMap<const onnx::TensorProto *> initializers = initializerMap(graph);
  StringMap<const onnx::TypeProto *> types = collectValueTypes(graph);

  /// What one unrollable Scan does, read from its inputs and attributes.
  struct ScanPlan {
    const onnx::GraphProto *body = nullptr;
    bool batched = false; // opset 8: a leading batch axis on every input
    int64_t batch = 1, length = 0;
    std::vector<std::string> states, scanInputs;
    SmallVector<int64_t> inAxes, inReversed, outAxes, outReversed;
  };
  auto plan = [&](const onnx::NodeProto &node) -> std::optional<ScanPlan> {
    if (!isDefaultDomain(node) || node.op_type() != "Scan")
      return std::nullopt;
    ScanPlan p;
    p.body = subgraph(node, "body");
    NodeAttributes attrs(node);
    int64_t n = attrs.getInt("num_scan_inputs", -1);
    p.batched = loaded.opset < 9;
    int first = p.batched ? 1 : 0;
    int64_t m = node.input_size() - first - n;
    if (!p.body || n < 1 || m < 0 || p.body->input_size() != m + n ||
        p.body->output_size() < m || node.output_size() > p.body->output_size())
      return std::nullopt;
    int64_t k = p.body->output_size() - m;
    for (int64_t j = 0; j < m; ++j)
      p.states.push_back(node.input(first + j));
    for (int64_t j = 0; j < n; ++j)
      p.scanInputs.push_back(node.input(first + m + j));
    if (llvm::any_of(p.states, [](const std::string &s) { return s.empty(); }))
      return std::nullopt;
    p.inReversed =
        attrs.getInts(p.batched ? "directions" : "scan_input_directions",
                      SmallVector<int64_t>(n, 0));
    p.inAxes = attrs.getInts("scan_input_axes", SmallVector<int64_t>(n, 0));
    p.outAxes = attrs.getInts("scan_output_axes", SmallVector<int64_t>(k, 0));
    p.outReversed =
        attrs.getInts("scan_output_directions", SmallVector<int64_t>(k, 0));
    if (int64_t(p.inReversed.size()) != n || int64_t(p.inAxes.size()) != n ||
        int64_t(p.outAxes.size()) != k || int64_t(p.outReversed.size()) != k)
      return std::nullopt;
    auto isDirection = [](int64_t d) { return d == 0 || d == 1; };
    if (!llvm::all_of(p.inReversed, isDirection) ||
        !llvm::all_of(p.outReversed, isDirection))
      return std::nullopt;
    // The sequence length: every scan input's extent along its axis (axis
    // 1 under opset 8's batch axis).
    p.length = -1;
    for (int64_t j = 0; j < n; ++j) {
      auto dims = knownDims(types, initializers, p.scanInputs[j]);
      if (!dims)
        return std::nullopt;
      int64_t rank = int64_t(dims->size());
      int64_t axis = p.batched ? 1 : p.inAxes[j];
      if (axis < -rank || axis >= rank || (p.batched && rank < 2))
        return std::nullopt;
      p.inAxes[j] = axis = axis < 0 ? axis + rank : axis;
      int64_t len = (*dims)[axis];
      if (len < 1 || (p.length >= 0 && len != p.length))
        return std::nullopt;
      p.length = len;
      if (p.batched) {
        if (j > 0 && (*dims)[0] != p.batch)
          return std::nullopt;
        p.batch = (*dims)[0];
      }
    }
    // The body's copies with a Gather per scan input and an Unsqueeze per
    // scan output at every step, plus the per-batch slicing and stacking.
    // (Each factor is bounded first, so no product below overflows.)
    if (p.batch < 1 || p.batch > kMaxUnrollIterations ||
        p.length > kMaxUnrollIterations ||
        p.length * p.batch > kMaxUnrollIterations)
      return std::nullopt;
    int64_t steps = p.length * p.batch;
    int64_t added =
        steps * (nestedNodeCount(*p.body, initializers, loaded) + n + k) +
        p.batch * (m + n + 2 * k) + m + 2 * k;
    if (added > kMaxUnrolledNodes ||
        loaded.unrolledNodes + added > kMaxUnrolledNodesPerModel)
      return std::nullopt;
    // A scan output's axis counts in the stacked output's rank: the body
    // output's rank plus one.
    for (int64_t j = 0; j < k; ++j) {
      int64_t axis = p.outAxes[j];
      if (axis >= 0)
        continue;
      int64_t at = m + j;
      if (at >= node.output_size())
        continue; // not an output of the node: nothing stacks it
      auto dims = knownDims(types, initializers, node.output(at));
      if (!dims || axis < -int64_t(dims->size()))
        return std::nullopt;
      p.outAxes[j] = axis + int64_t(dims->size());
    }
    if (p.batched) {
      // sequence_lens: absent, or T for every batch element.
      if (!node.input(0).empty()) {
        auto it = initializers.find(node.input(0));
        HostTensor lens;
        if (it == initializers.end() ||
            !readFoldableConstant(*it->second, loaded.modelDir, lens) ||
            lens.size() != p.batch)
          return std::nullopt;
        for (int64_t b = 0; b < p.batch; ++b)
          if (lens.intAt(b) != p.length)
            return std::nullopt;
      }
      if (llvm::any_of(p.outAxes, [](int64_t a) { return a != 0; }))
        return std::nullopt;
    }
    return p;
  };
  if (llvm::none_of(graph.node(), [&](const onnx::NodeProto &n) {
        return plan(n).has_value();
      }))
    return 0;
  Unroller u(loaded);
  int unrolled = 0;
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto &node = *graph.mutable_node(i);
    std::optional<ScanPlan> p = plan(node);
    if (!p) {
      u.nodes.Add()->Swap(&node);
      continue;
    }
    int before = u.nodes.size();
    const onnx::GraphProto &body = *p->body;
    int64_t m = int64_t(p->states.size()), n = int64_t(p->scanInputs.size());
    int64_t k = body.output_size() - m;
    std::string label = node.name().empty() ? node.output(0) : node.name();
    // Scalar index and [1] axes initializers, one per value, made on first
    // use.
    std::map<int64_t, std::string> indices, axes;
    auto constantInput = [&](std::map<int64_t, std::string> &made,
                             const char *what, bool scalar, int64_t v) {
      auto [it, inserted] = made.try_emplace(v);
      if (inserted) {
        it->second = u.fresh(label + what + std::to_string(v));
        u.added.push_back(int64Tensor(it->second, {v}, scalar));
      }
      return it->second;
    };
    auto index = [&](int64_t v) {
      return constantInput(indices, "/index", /*scalar=*/true, v);
    };
    auto axesInput = [&](int64_t v) {
      return constantInput(axes, "/axis", /*scalar=*/false, v);
    };
    // One scan over `states` and `inputs` (no batch axis); returns the
    // final states, then each scan output's steps in stacking order.
    auto scanOnce = [&](std::vector<std::string> states,
                        const std::vector<std::string> &inputs,
                        const std::string &tag,
                        std::vector<std::vector<std::string>> &steps) {
      steps.assign(k, {});
      for (int64_t t = 0; t < p->length; ++t) {
        std::string stepTag = tag + "/step" + std::to_string(t);
        StringMap<std::string> rename;
        for (int64_t j = 0; j < m; ++j)
          rename[body.input(j).name()] = states[j];
        for (int64_t j = 0; j < n; ++j) {
          int64_t at = p->inReversed[j] ? p->length - 1 - t : t;
          rename[body.input(m + j).name()] =
              u.take(inputs[j], index(at), p->inAxes[j] - (p->batched ? 1 : 0),
                     stepTag + "/" + body.input(m + j).name());
        }
        std::vector<std::string> outputs = u.inlineBody(body, stepTag, rename);
        for (int64_t j = 0; j < m; ++j)
          states[j] = outputs[j];
        for (int64_t j = 0; j < k; ++j)
          steps[j].push_back(outputs[m + j]);
      }
      for (int64_t j = 0; j < k; ++j)
        if (p->outReversed[j])
          std::reverse(steps[j].begin(), steps[j].end());
      return states;
    };
    auto outputName = [&](int64_t at) -> std::string {
      return at < node.output_size() ? node.output(at) : "";
    };
    if (!p->batched) {
      std::vector<std::vector<std::string>> steps;
      std::vector<std::string> finals =
          scanOnce(p->states, p->scanInputs, label, steps);
      for (int64_t j = 0; j < m; ++j)
        if (!outputName(j).empty())
          u.identity(finals[j], outputName(j),
                     label + "/final" + std::to_string(j));
      for (int64_t j = 0; j < k; ++j)
        if (!outputName(m + j).empty())
          u.stack(steps[j], p->outAxes[j], outputName(m + j),
                  label + "/scan" + std::to_string(j),
                  [&] { return axesInput(p->outAxes[j]); });
    } else {
      // Opset 8: each batch element on its own, stacked along axis 0.
      std::vector<std::vector<std::string>> finals(m), stacked(k);
      for (int64_t b = 0; b < p->batch; ++b) {
        std::string tag = label + "/batch" + std::to_string(b);
        std::vector<std::string> states, inputs;
        for (int64_t j = 0; j < m; ++j)
          states.push_back(u.take(p->states[j], index(b), 0,
                                  tag + "/" + body.input(j).name()));
        for (int64_t j = 0; j < n; ++j)
          inputs.push_back(u.take(p->scanInputs[j], index(b), 0,
                                  tag + "/" + body.input(m + j).name()));
        std::vector<std::vector<std::string>> steps;
        std::vector<std::string> f = scanOnce(states, inputs, tag, steps);
        for (int64_t j = 0; j < m; ++j)
          finals[j].push_back(f[j]);
        for (int64_t j = 0; j < k; ++j) {
          if (outputName(m + j).empty())
            continue;
          std::string seq = u.fresh(tag + "/scan" + std::to_string(j));
          u.stack(steps[j], 0, seq, seq, [&] { return axesInput(0); });
          stacked[j].push_back(seq);
        }
      }
      for (int64_t j = 0; j < m; ++j)
        if (!outputName(j).empty())
          u.stack(finals[j], 0, outputName(j),
                  label + "/final" + std::to_string(j),
                  [&] { return axesInput(0); });
      for (int64_t j = 0; j < k; ++j)
        if (!outputName(m + j).empty())
          u.stack(stacked[j], 0, outputName(m + j),
                  label + "/scan" + std::to_string(j),
                  [&] { return axesInput(0); });
    }
    loaded.unrolledNodes += u.nodes.size() - before;
    ++unrolled;
  }
  if (failed(u.finish("Scan", error)))
    return failure();
  return unrolled;
}

/// The graph inputs (not frozen into initializers) that `value` is
/// computed from, in the order a depth-first walk up its producers meets
/// them.
static std::vector<std::string>
graphInputsFeeding(const onnx::GraphProto &graph, const std::string &value) {
  StringSet<> initializers, inputs, seen;
  for (const auto &t : graph.initializer())
    initializers.insert(t.name());
  for (const auto &v : graph.input())
    if (!initializers.contains(v.name()))
      inputs.insert(v.name());
  StringMap<const onnx::NodeProto *> producer;
  for (const auto &n : graph.node())
    for (const auto &out : n.output())
      producer[out] = &n;
  std::vector<std::string> found, stack{value};
  while (!stack.empty()) {
    std::string name = stack.back();
    stack.pop_back();
    if (name.empty() || !seen.insert(name).second)
      continue;
    if (inputs.contains(name))
      found.push_back(name);
    if (auto it = producer.find(name); it != producer.end())
      for (const auto &in : llvm::reverse(it->second->input()))
        stack.push_back(in);
  }
  return found;
}

/// "(freeze it with --input-value=a=FILE)" or "(freeze them with
/// --input-value=a=FILE, --input-value=b=FILE)".
static std::string freezeHint(ArrayRef<std::string> inputs) {
  std::string hint =
      inputs.size() == 1 ? "(freeze it with " : "(freeze them with ";
  for (auto [i, name] : llvm::enumerate(inputs))
    hint += (i ? ", " : "") + ("--input-value=" + name + "=FILE");
  return hint + ")";
}

std::string controlFlowRefusal(const onnx::NodeProto &node,
                               const LoadedModel &loaded) {
  const onnx::GraphProto &graph = loaded.model.graph();
  auto fedBy = [&](const std::string &what, const std::string &value) {
    std::vector<std::string> inputs = graphInputsFeeding(graph, value);
    if (inputs.empty())
      return std::string();
    std::string list;
    for (auto [i, name] : llvm::enumerate(inputs))
      list += (i ? ", '" : "'") + name + "'";
    return what + " depends on graph input" + (inputs.size() > 1 ? "s " : " ") +
           list + " " + freezeHint(inputs);
  };
  const std::string &op = node.op_type();
  if (op == "If") {
    std::string why =
        node.input_size() ? fedBy("its condition", node.input(0)) : "";
    if (why.empty())
      return "its condition is computed at compile time but does not fold "
             "to a constant";
    return "its branches' outputs differ in element type or rank, or are "
           "not tensors, and " +
           why;
  }
  if (op == "Loop") {
    // A body that unrolls to more nodes than the limits allow.
    const onnx::GraphProto *body = subgraph(node, "body");
    StringMap<const onnx::TensorProto *> initializers = initializerMap(graph);
    HostTensor m;
    int64_t times = kMaxUnrollIterations;
    if (node.input_size() > 0 &&
        scalarConstant(initializers, loaded, node.input(0), m))
      times = m.intAt(0);
    else if (loaded.maxTripCount > 0)
      times = loaded.maxTripCount;
    if (body && times > 0 && times <= kMaxUnrollIterations) {
      int64_t nodes = nestedNodeCount(*body, initializers, loaded);
      if (nodes > kMaxUnrolledNodes / times)
        return "unrolling its " + std::to_string(times) +
               " iterations of a body of " + std::to_string(nodes) +
               " nodes (nested control flow unrolled too) passes the limit "
               "of " +
               std::to_string(kMaxUnrolledNodes) + " nodes";
    }
  }
  if (op == "Loop") {
    if (node.input_size() == 0 || node.input(0).empty())
      return "it has no trip count, so nothing bounds its iterations at "
             "compile time (bound them with --max-trip-count=N when its "
             "condition ends it)";
    if (std::string why = fedBy("its trip count", node.input(0)); !why.empty())
      return why.substr(0, why.size() - 1) +
             ", or bound it with --max-trip-count=N)";
    return "unrolled at compile time only with a constant trip count (at "
           "most " +
           std::to_string(kMaxUnrollIterations) + ")";
  }
  if (op == "Scan")
    return "unrolled at compile time only with a static sequence length "
           "(at most " +
           std::to_string(kMaxUnrollIterations) +
           " steps) and full sequence_lens";
  return "supported only with constant inputs";
}

} // namespace npu::onnx_import
