//===- OnnxImporterTest.cpp - tests of the importer's library API --------===//

#include "npu/Importer/Onnx/OnnxImporter.h"
#include "npu/Dialect/Npu/IR/NpuOps.h"
#include "npu/InitAllDialects.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <fstream>

using namespace mlir;

namespace {

/// A model under construction plus a scratch directory it is written to.
class OnnxImporterTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> dir;
    ASSERT_FALSE(
        llvm::sys::fs::createUniqueDirectory("npu-importer-test", dir));
    tmpDir = std::string(dir);
    model.set_ir_version(8);
    auto *opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    model.mutable_graph()->set_name("test");
    DialectRegistry registry;
    npu::registerAllDialects(registry);
    context = std::make_unique<MLIRContext>(registry);
    handler = std::make_unique<ScopedDiagnosticHandler>(
        context.get(), [this](Diagnostic &d) {
          diagnostics.push_back(d.str());
          return success();
        });
  }
  void TearDown() override { llvm::sys::fs::remove_directories(tmpDir); }

  onnx::GraphProto &graph() { return *model.mutable_graph(); }

  static void setType(onnx::ValueInfoProto *v, const std::string &name,
                      std::vector<int64_t> dims, int32_t elem = 1) {
    v->set_name(name);
    auto *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem);
    auto *shape = t->mutable_shape();
    for (int64_t d : dims) {
      if (d < 0)
        shape->add_dim()->set_dim_param("N");
      else
        shape->add_dim()->set_dim_value(d);
    }
  }
  void addInput(const std::string &name, std::vector<int64_t> dims,
                int32_t elem = 1) {
    setType(graph().add_input(), name, std::move(dims), elem);
  }
  void addOutput(const std::string &name, std::vector<int64_t> dims,
                 int32_t elem = 1) {
    setType(graph().add_output(), name, std::move(dims), elem);
  }
  onnx::NodeProto *addNode(const std::string &op,
                           std::vector<std::string> inputs,
                           std::vector<std::string> outputs,
                           const std::string &name = "") {
    auto *n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? outputs[0] : name);
    for (auto &i : inputs)
      n->add_input(i);
    for (auto &o : outputs)
      n->add_output(o);
    return n;
  }
  static void addInts(onnx::NodeProto *n, const std::string &name,
                      std::vector<int64_t> values) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values)
      a->add_ints(v);
  }
  onnx::TensorProto *addFloatInit(const std::string &name,
                                  std::vector<int64_t> dims, float fill) {
    auto *t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    std::vector<float> data(n, fill);
    t->set_raw_data(std::string(reinterpret_cast<char *>(data.data()),
                                data.size() * sizeof(float)));
    return t;
  }
  void addInt64Init(const std::string &name, std::vector<int64_t> values) {
    auto *t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(values.size());
    for (int64_t v : values)
      t->add_int64_data(v);
  }

  std::string write(const std::string &file = "model.onnx") {
    std::string path = tmpDir + "/" + file;
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
    return path;
  }

  FailureOr<OwningOpRef<ModuleOp>>
  import(const npu::OnnxImportOptions &options = {}) {
    return npu::importOnnxModel(write(), *context, options);
  }

  /// The ops of @main's body, by name, in order.
  static std::vector<std::string> opNames(ModuleOp module) {
    std::vector<std::string> names;
    auto main = module.lookupSymbol<func::FuncOp>("main");
    for (Operation &op : main.getBody().front())
      names.push_back(op.getName().getStringRef().str());
    return names;
  }

  std::string tmpDir;
  onnx::ModelProto model;
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  std::vector<std::string> diagnostics;
};

TEST_F(OnnxImporterTest, ConvReluKeepsNamesAndShapes) {
  addInput("image", {1, 3, 8, 8});
  addFloatInit("w", {4, 3, 3, 3}, 0.5f);
  auto *conv = addNode("Conv", {"image", "w"}, {"c"}, "conv0");
  addInts(conv, "pads", {1, 1, 1, 1});
  addInts(conv, "strides", {2, 2});
  addNode("Relu", {"c"}, {"probs"});
  addOutput("probs", {1, 4, 4, 4});

  auto module = import();
  ASSERT_TRUE(succeeded(module)) << (diagnostics.empty() ? "" : diagnostics[0]);
  EXPECT_EQ(opNames(**module),
            (std::vector<std::string>{"npu.constant", "npu.conv", "npu.clamp",
                                      "func.return"}));
  auto main = (**module).lookupSymbol<func::FuncOp>("main");
  EXPECT_EQ(main.getArgAttrOfType<StringAttr>(0, "npu.name").getValue(),
            "image");
  EXPECT_EQ(main.getResultAttrOfType<StringAttr>(0, "npu.name").getValue(),
            "probs");
  npu::ConvOp convOp;
  main.walk([&](npu::ConvOp op) { convOp = op; });
  ASSERT_TRUE(convOp);
  EXPECT_EQ(convOp.getType().getShape(), (ArrayRef<int64_t>{1, 4, 4, 4}));
  EXPECT_EQ(convOp.getPads(), (ArrayRef<int64_t>{1, 1, 1, 1}));
  // The location carries the ONNX node name and op type.
  auto loc = dyn_cast<FusedLoc>(convOp.getLoc());
  ASSERT_TRUE(loc);
  EXPECT_EQ(cast<StringAttr>(loc.getMetadata()).getValue(), "Conv");
  EXPECT_EQ(cast<NameLoc>(loc.getLocations()[0]).getName().getValue(), "conv0");
}

TEST_F(OnnxImporterTest, LargeWeightsBecomeResourcesSmallOnesStayInline) {
  addInput("x", {1, 256});
  addFloatInit("big", {256, 256}, 1.0f); // 256 KiB
  addFloatInit("small", {256}, 2.0f);    // 1 KiB
  addNode("MatMul", {"x", "big"}, {"m"});
  addNode("Add", {"m", "small"}, {"y"});
  addOutput("y", {1, 256});
  auto module = import();
  ASSERT_TRUE(succeeded(module));
  std::vector<Attribute> values;
  (**module).walk([&](npu::ConstantOp c) { values.push_back(c.getValue()); });
  ASSERT_EQ(values.size(), 2u);
  EXPECT_TRUE(isa<DenseResourceElementsAttr>(values[0]));
  auto small = dyn_cast<DenseElementsAttr>(values[1]);
  ASSERT_TRUE(small);
  EXPECT_TRUE(small.isSplat());
  EXPECT_EQ(small.getSplatValue<float>(), 2.0f);
}

TEST_F(OnnxImporterTest, ShapeArithmeticFoldsToAStaticReshape) {
  // y = Reshape(x, Concat(Gather(Shape(x), 0), [-1])): the exporter idiom
  // for flattening with a dynamic batch.
  addInput("x", {-1, 2, 3});
  addNode("Shape", {"x"}, {"s"});
  addInt64Init("zero", {0});
  addNode("Gather", {"s", "zero"}, {"n"});
  addInt64Init("minus_one", {-1});
  auto *concat = addNode("Concat", {"n", "minus_one"}, {"target"});
  auto *axis = concat->add_attribute();
  axis->set_name("axis");
  axis->set_type(onnx::AttributeProto::INT);
  axis->set_i(0);
  addNode("Reshape", {"x", "target"}, {"y"});
  addOutput("y", {-1, -1});
  npu::OnnxImportOptions options;
  std::string error;
  ASSERT_TRUE(npu::parseInputShapeBinding("x:5x2x3", options, error));
  auto module = import(options);
  ASSERT_TRUE(succeeded(module)) << (diagnostics.empty() ? "" : diagnostics[0]);
  EXPECT_EQ(opNames(**module),
            (std::vector<std::string>{"npu.reshape", "func.return"}));
  auto main = (**module).lookupSymbol<func::FuncOp>("main");
  EXPECT_EQ(cast<RankedTensorType>(main.getResultTypes()[0]).getShape(),
            (ArrayRef<int64_t>{5, 6}));
}

TEST_F(OnnxImporterTest, UnboundDynamicDimensionNamesTheInput) {
  addInput("pixels", {-1, 3});
  addNode("Relu", {"pixels"}, {"y"});
  addOutput("y", {-1, 3});
  EXPECT_TRUE(failed(import()));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("graph input 'pixels' has dynamic dimension 0"),
            std::string::npos)
      << diagnostics[0];
}

TEST_F(OnnxImporterTest, EveryUnsupportedOperatorIsListedAtOnce) {
  addInput("x", {4});
  addNode("Relu", {"x"}, {"a"});
  // Neither the NPU nor the host CPU has these (random generators).
  addNode("RandomNormalLike", {"a"}, {"b"}, "first");
  addNode("RandomUniformLike", {"b"}, {"y"}, "second");
  addOutput("y", {4});
  EXPECT_TRUE(failed(import()));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0],
            "unsupported operators: RandomNormalLike (node 'first', opset 13), "
            "RandomUniformLike (node 'second', opset 13)");
}

TEST_F(OnnxImporterTest, TruncatedFileIsRefused) {
  addInput("x", {4});
  addNode("Relu", {"x"}, {"y"});
  addOutput("y", {4});
  std::string path = write();
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      << bytes.substr(0, bytes.size() / 2);
  EXPECT_TRUE(failed(npu::importOnnxModel(path, *context)));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("not a valid ONNX model"), std::string::npos);
}

TEST_F(OnnxImporterTest, MissingFileIsRefused) {
  EXPECT_TRUE(failed(npu::importOnnxModel(tmpDir + "/absent.onnx", *context)));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("cannot read file"), std::string::npos);
}

TEST_F(OnnxImporterTest, ExternalDataIsReadRelativeToTheModel) {
  addInput("x", {4});
  auto *w = graph().add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto *loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("weights.bin");
  auto *off = w->add_external_data();
  off->set_key("offset");
  off->set_value("4");
  float data[5] = {99.0f, 1.0f, 2.0f, 3.0f, 4.0f};
  std::ofstream(tmpDir + "/weights.bin", std::ios::binary)
      .write(reinterpret_cast<char *>(data), sizeof(data));
  addNode("Add", {"x", "w"}, {"y"});
  addOutput("y", {4});
  auto module = import();
  ASSERT_TRUE(succeeded(module)) << (diagnostics.empty() ? "" : diagnostics[0]);
  DenseElementsAttr value;
  (**module).walk([&](npu::ConstantOp c) {
    value = dyn_cast<DenseElementsAttr>(c.getValue());
  });
  ASSERT_TRUE(value);
  std::vector<float> got(value.getValues<float>().begin(),
                         value.getValues<float>().end());
  EXPECT_EQ(got, (std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}));
}

TEST_F(OnnxImporterTest, ExternalDataOutsideTheFileIsRefused) {
  addInput("x", {4});
  auto *w = graph().add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto *loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("short.bin");
  std::ofstream(tmpDir + "/short.bin", std::ios::binary) << "abc";
  addNode("Add", {"x", "w"}, {"y"});
  addOutput("y", {4});
  EXPECT_TRUE(failed(import()));
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_NE(diagnostics[0].find("external data 'short.bin' holds 3 bytes"),
            std::string::npos)
      << diagnostics[0];
}

TEST(InputShapeBinding, ParsesAndRejects) {
  npu::OnnxImportOptions options;
  std::string error;
  EXPECT_TRUE(npu::parseInputShapeBinding("x:1x3x48x192", options, error));
  EXPECT_EQ(options.inputShapes["x"],
            (llvm::SmallVector<int64_t>{1, 3, 48, 192}));
  // The name is everything before the last ':'.
  EXPECT_TRUE(npu::parseInputShapeBinding("a:b:7", options, error));
  EXPECT_EQ(options.inputShapes["a:b"], (llvm::SmallVector<int64_t>{7}));
  EXPECT_TRUE(npu::parseInputShapeBinding("scalar:", options, error));
  EXPECT_TRUE(options.inputShapes["scalar"].empty());

  EXPECT_FALSE(npu::parseInputShapeBinding("x:2", options, error));
  EXPECT_NE(error.find("twice"), std::string::npos);
  EXPECT_FALSE(npu::parseInputShapeBinding("y:1x0", options, error));
  EXPECT_NE(error.find("bad dimension '0'"), std::string::npos);
  EXPECT_FALSE(npu::parseInputShapeBinding("y:1xN", options, error));
  EXPECT_FALSE(npu::parseInputShapeBinding("noshape", options, error));
}

} // namespace
