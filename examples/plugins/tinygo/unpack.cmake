# Unpacks eKuiper's TinyGo test plugins (add.zip, reduce.zip from
# shared/fixtures/ekuiper) into DEST/add/ and DEST/reduce/, where the
# configs of this folder look for add.wasm and reduce.wasm.
#
#   cmake -DDEFAULT_SHARED=<repo>/../shared -DDEST=<dir> -P unpack.cmake
#
# The environment variable WX_SHARED_DIR, if set, names shared/ instead.
# The modules are other people's builds: they are never copied into the
# repository, only unpacked into the build tree.
if(DEFINED ENV{WX_SHARED_DIR} AND NOT "$ENV{WX_SHARED_DIR}" STREQUAL "")
  set(shared "$ENV{WX_SHARED_DIR}")
else()
  set(shared "${DEFAULT_SHARED}")
endif()
set(src "${shared}/fixtures/ekuiper")
foreach(name add reduce)
  set(zip "${src}/${name}.zip")
  if(NOT EXISTS "${zip}")
    message(FATAL_ERROR "tinygo example: ${zip} not found (set the "
                        "environment variable WX_SHARED_DIR to the shared/ "
                        "directory that holds fixtures/ekuiper)")
  endif()
  file(REMOVE_RECURSE "${DEST}/${name}")
  file(MAKE_DIRECTORY "${DEST}/${name}")
  file(ARCHIVE_EXTRACT INPUT "${zip}" DESTINATION "${DEST}/${name}")
  if(NOT EXISTS "${DEST}/${name}/${name}.wasm")
    message(FATAL_ERROR "tinygo example: ${zip} holds no ${name}.wasm")
  endif()
endforeach()
message(STATUS "tinygo example: unpacked add.zip and reduce.zip from ${src}")
