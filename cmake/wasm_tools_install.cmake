# Builds wasm-tools into the guest cache (cmake/wasm_tools.cmake says why):
#
#   cmake -DVERSION=<x.y.z> -DFEATURES=<a,b> -DROOT=<install root>
#         -DCARGO=<cargo or empty>
#         -DDOWNLOADS=<CARGO_HOME for crates.io's downloads>
#         -P wasm_tools_install.cmake
#
# cargo installs into ROOT.partial, which becomes ROOT only once the binary
# runs and reports VERSION, so an interrupted build leaves no ROOT behind
# and the next one starts over. A lock file serializes two build trees that
# need it at once; the second one finds it built.
cmake_minimum_required(VERSION 3.18)

set(bin ${ROOT}/bin/wasm-tools)
set(log ${ROOT}.log)
get_filename_component(parent ${ROOT} DIRECTORY)
file(MAKE_DIRECTORY ${parent})
file(LOCK ${ROOT}.lock GUARD PROCESS TIMEOUT 3600 RESULT_VARIABLE lock_rc)
if(NOT lock_rc EQUAL 0)
  message(FATAL_ERROR "cannot lock ${ROOT}.lock: ${lock_rc}")
endif()
if(EXISTS ${bin})
  return()
endif()

# The crate states rust-version 1.88; rustup's cargo reports the version
# of the rustc it runs.
set(need_rust 1.88)
set(how "install Rust ${need_rust} or later with rustup (https://rustup.rs, \
then `rustup default stable`), or configure with -DWX_FETCH_CARGO=PATH \
naming such a cargo, or with -DWX_WASM_TOOLS=PATH naming a wasm-tools \
built elsewhere")
if(NOT CARGO)
  find_program(path_cargo cargo)
  if(path_cargo)
    set(CARGO ${path_cargo})
  endif()
endif()
if(NOT CARGO)
  message(FATAL_ERROR "wasm-tools ${VERSION}: no cargo found to build it: "
                      "${how}")
endif()
execute_process(COMMAND ${CARGO} --version OUTPUT_VARIABLE cargo_version
                RESULT_VARIABLE rc ERROR_QUIET)
set(have_rust 0)
if(rc EQUAL 0 AND cargo_version MATCHES "^cargo ([0-9]+\\.[0-9]+)")
  set(have_rust ${CMAKE_MATCH_1})
endif()
if(have_rust VERSION_LESS need_rust)
  string(STRIP "${cargo_version}" cargo_version)
  message(FATAL_ERROR "wasm-tools ${VERSION}: ${CARGO} (${cargo_version}) "
                      "is too old to build it: ${how}")
endif()

string(TIMESTAMP start "%s")
message(STATUS "wasm-tools ${VERSION} (${FEATURES}): building with ${CARGO} "
               "(2 to 3 minutes on two cores, once per guest cache); cargo's "
               "output goes to ${log}")
file(REMOVE_RECURSE ${ROOT}.partial)
set(ENV{CARGO_HOME} ${DOWNLOADS})
execute_process(
  COMMAND ${CARGO} install wasm-tools --version ${VERSION} --locked
          --no-default-features --features ${FEATURES}
          --root ${ROOT}.partial
  OUTPUT_FILE ${log} ERROR_FILE ${log} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(STRINGS ${log} lines)
  list(LENGTH lines n)
  if(n GREATER 20)
    math(EXPR first "${n} - 20")
    list(SUBLIST lines ${first} 20 lines)
  endif()
  list(JOIN lines "\n" tail)
  message(FATAL_ERROR "wasm-tools ${VERSION}: `cargo install` failed (exit "
                      "${rc}); the end of ${log}:\n${tail}\n(the first "
                      "build fetches from crates.io, which must be "
                      "reachable)")
endif()

execute_process(COMMAND ${ROOT}.partial/bin/wasm-tools --version
                OUTPUT_VARIABLE got RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR NOT got MATCHES "^wasm-tools ${VERSION}")
  string(STRIP "${got}" got)
  message(FATAL_ERROR "wasm-tools ${VERSION}: the built "
                      "${ROOT}.partial/bin/wasm-tools reports \"${got}\" "
                      "(exit ${rc})")
endif()
file(REMOVE_RECURSE ${ROOT})
file(RENAME ${ROOT}.partial ${ROOT})
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message(STATUS "wasm-tools ${VERSION}: built in ${seconds} s: ${bin}")
