# Unpacks eKuiper's wasm plugin test zips (shared/fixtures/ekuiper/*.zip)
# into DEST/<zip name>/, at test time.
#   cmake -DDEFAULT_SHARED=<repo>/../shared -DDEST=<dir> \
#         -P unzip_fixtures.cmake
# The environment variable WX_SHARED_DIR overrides DEFAULT_SHARED.
if(DEFINED ENV{WX_SHARED_DIR} AND NOT "$ENV{WX_SHARED_DIR}" STREQUAL "")
  set(shared "$ENV{WX_SHARED_DIR}")
else()
  set(shared "${DEFAULT_SHARED}")
endif()
set(src "${shared}/fixtures/ekuiper")
if(NOT EXISTS "${src}")
  message(FATAL_ERROR "eKuiper fixtures not found in ${src} "
                      "(set WX_SHARED_DIR to the shared/ directory)")
endif()
file(GLOB zips "${src}/*.zip")
if(NOT zips)
  message(FATAL_ERROR "no zip in ${src}")
endif()
file(REMOVE_RECURSE "${DEST}")
foreach(zip ${zips})
  get_filename_component(name "${zip}" NAME_WE)
  file(MAKE_DIRECTORY "${DEST}/${name}")
  file(ARCHIVE_EXTRACT INPUT "${zip}" DESTINATION "${DEST}/${name}")
endforeach()
message(STATUS "unpacked ${src} into ${DEST}")
