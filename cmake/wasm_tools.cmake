# wasm-tools, the converter of the WebAssembly 3.0 spec tests and the
# generator of the differential test's modules (`wasm-tools smith`).
#
# Debian's wast2json (wabt 1.0.32) reads the 2.0 suite but not about 70
# files of the 3.0 one (GC, typed references, tags, 64-bit tables).
# `wasm-tools json-from-wast`, from the wasm-tools crate, reads them all
# (but legacy/, see run_spec.sh) and writes the same kind of JSON
# (docs/design.md, "The spec suites", says how they differ). It is built
# from crates.io with `cargo install`: the pinned version with its own
# Cargo.lock (--locked) and only the features we use (WX_WASM_TOOLS_FEATURES:
# json-from-wast for make spec3, smith for make difftest), into the guest
# cache (cmake/guest_cache.cmake):
#
#   WX_GUEST_CACHE/tools/wasm-tools-<version>-<features>/bin/wasm-tools
#   WX_GUEST_CACHE/tools/wasm-tools-<version>-<features>.log   cargo's output
#
# The features are part of the name, so that a cache built with fewer of
# them is never taken for this one (one binary serves both uses).
#
# so that it is built once per cache, not per build tree: `rm -rf build`
# keeps it, and a CI job that keeps .cache/guests between runs builds it
# once. It is built on first need only (the `wasm-tools` target, which
# `make spec3` and `make difftest` build; `make build` and `make test` do
# not), since it takes minutes (2 to 3 on two cores). The target also
# links it as BUILD/tools/wasm-tools, where tests/spec/run_spec.sh and
# tests/fuzz/differential.py look for it.
#
# Building needs cargo and rustc >= 1.88 (rustup's stable); the first build
# needs crates.io, later ones nothing. -DWX_WASM_TOOLS=PATH uses a
# wasm-tools built elsewhere instead.

set(WX_WASM_TOOLS_VERSION 1.263.0)
set(WX_WASM_TOOLS_FEATURES json-from-wast smith)
set(WX_WASM_TOOLS "" CACHE FILEPATH
    "A wasm-tools with the features ${WX_WASM_TOOLS_FEATURES} (the 3.0 spec \
tests, the differential test); empty: build version \
${WX_WASM_TOOLS_VERSION} into the guest cache")

set(WX_WASM_TOOLS_LINK ${CMAKE_BINARY_DIR}/tools/wasm-tools)
if(WX_WASM_TOOLS)
  set(bin ${WX_WASM_TOOLS})
  set(build_depends "")
else()
  list(JOIN WX_WASM_TOOLS_FEATURES "+" features_tag)
  list(JOIN WX_WASM_TOOLS_FEATURES "," features_arg)
  set(root ${WX_GUEST_CACHE}/tools/wasm-tools-${WX_WASM_TOOLS_VERSION})
  string(APPEND root -${features_tag})
  set(bin ${root}/bin/wasm-tools)
  set(script ${CMAKE_SOURCE_DIR}/cmake/wasm_tools_install.cmake)
  # The output is the binary in the cache and nothing else: once it is
  # there, no tree runs the command again (a new version is a new path).
  add_custom_command(
    OUTPUT ${bin}
    COMMAND ${CMAKE_COMMAND} -DVERSION=${WX_WASM_TOOLS_VERSION}
            -DFEATURES=${features_arg} -DROOT=${root}
            -DCARGO=${WX_FETCH_CARGO_FOUND}
            -DDOWNLOADS=${WX_GUEST_CACHE}/rust/fetch-home -P ${script}
    COMMENT "wasm-tools ${WX_WASM_TOOLS_VERSION}: cargo install into \
${root} (once per guest cache; takes minutes)"
    VERBATIM)
  set(build_depends ${bin})
endif()
add_custom_target(wasm-tools
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/tools
  COMMAND ${CMAKE_COMMAND} -E create_symlink ${bin} ${WX_WASM_TOOLS_LINK}
  DEPENDS ${build_depends}
  COMMENT "wasm-tools: ${WX_WASM_TOOLS_LINK} -> ${bin}"
  VERBATIM)
