# wx_add_library(NAME SOURCES src... [PUBLIC dep...] [PRIVATE dep...])
#
# One part of wasmext (engine, host, vm, abi, manager, framework, daemon,
# eKuiper adapter) whose sources compile once per build layout, as
# position-independent code, and serve two kinds of library:
#
#   NAME_objects   the object library: the compiled sources, and the
#                  part's include directories and definitions (set them
#                  on this target, with target_include_directories and
#                  friends);
#   NAME           a static library of those objects, which the command
#                  and the tests link (the tests use internal symbols
#                  that the shared libraries hide).
#
# The shared libraries (libwasmext-engine.so, libwasmext.so; the top-level
# CMakeLists.txt) link the NAME_objects of the parts they contain.
#
# A dependency that is another part (it has a NAME_objects) is linked
# twice: its object library for the usage requirements of the sources,
# its static library for the code. Any other dependency (an imported
# target such as wx::jansson) is linked to the objects, whence it reaches
# the static library and its users.
function(wx_add_library name)
  cmake_parse_arguments(L "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(${name}_objects OBJECT ${L_SOURCES})
  set_target_properties(${name}_objects PROPERTIES
                        POSITION_INDEPENDENT_CODE ON)
  # With -fPIC, gcc assumes that an exported (WX_API) function may be
  # replaced by another definition at load time, so it neither inlines
  # nor specialises calls to it inside the library: 5 % slower engine
  # loops (bench/workloads intmix, fib) than the -fPIE objects of a
  # static-only build. wasmext never relies on interposing its own
  # functions, so let the compiler treat them as the ones it sees.
  target_compile_options(${name}_objects PRIVATE
                         -fno-semantic-interposition)
  add_library(${name} STATIC)
  target_link_libraries(${name} PUBLIC ${name}_objects)
  foreach(scope PUBLIC PRIVATE)
    foreach(dep ${L_${scope}})
      if(TARGET ${dep}_objects)
        target_link_libraries(${name}_objects ${scope} ${dep}_objects)
        target_link_libraries(${name} PUBLIC ${dep})
      else()
        target_link_libraries(${name}_objects ${scope} ${dep})
      endif()
    endforeach()
  endforeach()
endfunction()
