#===- cmake/Install.cmake - cmake --install, the CMake package, CPack ------===#
#
# What `cmake --install build --prefix P` puts under P (docs/sdk.md):
#   include/npu/...            public headers, with the generated .inc files,
#                              the ISA's .def and the .npubin schema header
#   lib/libNpu*.a              the compiler libraries and the static runtime
#   lib/libnpuruntime.so       the runtime's C API (no LLVM)
#   bin/npu-*                  the tools
#   lib/cmake/NpuCompiler/     find_package(NpuCompiler): imported targets
#                              npu::<library>, npu::Runtime, npu::NpuRuntime,
#                              npu::Compiler and npu::PluginAPI
#   share/npu-compiler/        the .npubin schema and the SDK examples
# `cpack -G DEB` (in the build directory) makes the same tree a Debian package.
#
#===----------------------------------------------------------------------===#

include(CMakePackageConfigHelpers)
set(NPU_INSTALL_CMAKEDIR lib/cmake/NpuCompiler)

# Headers: the sources' and the generated ones (ODS .inc, the runtime's
# FlatBuffers header and Version.h).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/npu DESTINATION include
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/npu DESTINATION include
  FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/npu DESTINATION include
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp" PATTERN "*.def")
install(FILES
  ${PROJECT_BINARY_DIR}/runtime/include/npu/runtime/npubin_generated.h
  ${PROJECT_BINARY_DIR}/runtime/include/npu/runtime/Version.h
  DESTINATION include/npu/runtime)
install(FILES ${PROJECT_SOURCE_DIR}/runtime/schema/npubin.fbs
  DESTINATION share/npu-compiler)

# The runtime: its own export set, so that find_package(NpuCompiler
# COMPONENTS Runtime) needs FlatBuffers only, never LLVM or MLIR.
install(TARGETS NpuRuntime NpuRuntimeShared EXPORT NpuRuntimeTargets
  ARCHIVE DESTINATION lib LIBRARY DESTINATION lib)
install(EXPORT NpuRuntimeTargets NAMESPACE npu::
  DESTINATION ${NPU_INSTALL_CMAKEDIR})

# The compiler libraries: add_mlir_library already installs each one into
# the `MLIRTargets` export set (MLIR_EXPORTS lists them); their MLIR
# dependencies stay plain target names, which find_package(MLIR) imports.
get_property(NPU_COMPILER_LIBS GLOBAL PROPERTY MLIR_EXPORTS)
foreach(lib IN LISTS NPU_COMPILER_LIBS)
  target_include_directories(${lib} INTERFACE $<INSTALL_INTERFACE:include>)
endforeach()
install(EXPORT MLIRTargets NAMESPACE npu:: FILE NpuCompilerTargets.cmake
  DESTINATION ${NPU_INSTALL_CMAKEDIR})

install(TARGETS npu-compile npu-opt npu-translate npu-run npu-objdump
  npu-compare RUNTIME DESTINATION bin)

# The examples a user builds against the installed package
# (test/Install/install-examples.sh builds each in a fresh directory).
install(DIRECTORY
  ${PROJECT_SOURCE_DIR}/python-free-examples/pass-plugin
  ${PROJECT_SOURCE_DIR}/python-free-examples/dialect-plugin
  ${PROJECT_SOURCE_DIR}/python-free-examples/c-app
  DESTINATION share/npu-compiler/examples)

# The package: where MLIR was found is recorded as a hint, not a requirement.
string(REPLACE ";" " " NPU_COMPILER_LIBS_STRING "${NPU_COMPILER_LIBS}")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/NpuCompilerConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/NpuCompilerConfig.cmake
  INSTALL_DESTINATION ${NPU_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/NpuCompilerConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/NpuCompilerConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/NpuCompilerConfigVersion.cmake
  DESTINATION ${NPU_INSTALL_CMAKEDIR})

# cpack -G DEB: installs under /usr; the dependencies are Debian's packages
# of what the package config looks for.
set(CPACK_PACKAGE_NAME npu-sdk)
set(CPACK_PACKAGE_VENDOR "npu-compiler")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "NPU compiler SDK: ONNX to .npubin compiler, emulator runtime, headers, CMake package")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "npu-compiler maintainers <npu@example.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libllvm22, libmlir-22-dev, llvm-22-dev, libonnx-dev, libprotobuf-dev, libflatbuffers-dev")
set(CPACK_GENERATOR DEB)
include(CPack)
