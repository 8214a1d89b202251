# The shared libraries and what `make install` (cmake --install) puts
# under the prefix:
#
#   bin/wasmext
#   lib/libwasmext-engine.so.0.1.0   the engine (include/wasmext/engine.h)
#   lib/libwasmext.so.0.1.0          the engine and the framework
#                                    (include/wasmext.h): WASI, pools,
#                                    ABIs, registry, manager
#   include/wasmext.h, include/wasmext/*.h
#   lib/pkgconfig/wasmext-engine.pc, lib/pkgconfig/wasmext.pc
#
# (lib is GNUInstallDirs' CMAKE_INSTALL_LIBDIR). The REST daemon and the
# eKuiper adapter are commands of wasmext, not libraries.
#
# Both libraries are the object files the static libraries are made of
# (cmake/library.cmake), so each source compiles once per layout. Every
# source is compiled with -fvisibility=hidden: only what the public
# headers mark WX_API is exported (tests/install checks that every
# exported symbol starts with wx_).

# SOVERSION: the ABI's number; it changes with any incompatible change to
# the public headers, and VERSION follows the project's.
set(WX_SOVERSION 0)

# wx_shared_library(TARGET OUTPUT_NAME PART...): lib<OUTPUT_NAME>.so made
# of the objects of the given parts.
function(wx_shared_library target output_name)
  add_library(${target} SHARED)
  foreach(part ${ARGN})
    target_link_libraries(${target} PRIVATE ${part}_objects)
  endforeach()
  target_include_directories(${target} INTERFACE
                             ${CMAKE_SOURCE_DIR}/include)
  set_target_properties(${target} PROPERTIES
                        OUTPUT_NAME ${output_name}
                        VERSION ${PROJECT_VERSION}
                        SOVERSION ${WX_SOVERSION}
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
  # Every symbol must be defined inside or by a library it links: a
  # missing part is a link error here, not at the embedder's. The
  # sanitizer runtimes are linked by the final program instead.
  if(NOT WX_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()

wx_shared_library(libwasmext-engine wasmext-engine wxengine)
wx_shared_library(libwasmext wasmext
                  wxengine wxdl wxwasi wxvm wxabi wxmanager wxframework)

install(TARGETS libwasmext-engine libwasmext
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/wasmext.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/wasmext
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# The pkg-config files are written when installing, not when configuring,
# so that they name the prefix really installed into: `cmake --install
# --prefix DIR` (what `make install PREFIX=DIR` runs) overrides the
# configured CMAKE_INSTALL_PREFIX. Their templates are cmake/*.pc.in.
# DESTDIR (staged installs) is where the files go, not what they name.
foreach(pc wasmext-engine wasmext)
  install(CODE "
    set(WX_PC_VERSION \"${PROJECT_VERSION}\")
    set(WX_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
    set(WX_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
    set(WX_PC_TEMPLATE \"${CMAKE_SOURCE_DIR}/cmake/${pc}.pc.in\")
    set(WX_PC_NAME \"${pc}\")
    set(WX_PC_STAGE \"${CMAKE_BINARY_DIR}/pkgconfig\")
    include(\"${CMAKE_SOURCE_DIR}/cmake/pkgconfig_install.cmake\")
  ")
endforeach()
