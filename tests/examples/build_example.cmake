# Builds one example plugin at test time: runs its target in the build
# tree, so that a failing build (a missing tool, no npm registry) is a
# failing test that shows why.
#
#   cmake -DBUILD_DIR=<build tree> -DEXAMPLES=<build tree>/examples/plugins
#         -DTARGET=wx_example_<name> -P build_example.cmake
if(NOT EXISTS "${EXAMPLES}/configs.tsv")
  message(FATAL_ERROR "examples/plugins is not part of this build "
                      "(${EXAMPLES}/configs.tsv is missing): "
                      "examples/CMakeLists.txt needs "
                      "add_subdirectory(plugins)")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}"
                        --target "${TARGET}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building ${TARGET} failed (exit ${rc}); its output "
                      "is above")
endif()
