# The guest toolchains' caches, shared by every build tree of a checkout.
#
# The guests (Rust crates with serde, the Go PDK, the AssemblyScript PDK)
# do not depend on the build type or the sanitizers, yet each tree of
# `make test` (build/, build-switch/, build-asan/, ...) used to fetch and
# compile them again. WX_GUEST_CACHE holds what the toolchains fetch and
# compile, so the second and later trees reuse the first one's work:
#
#   rust/fetch-home       the download cache of the cargo that vendors
#   rust/<crate>/         a crate's copy, its vendored crates and cargo's
#                         target directory (cmake/rust.cmake)
#   go/                   GOPATH and GOMODCACHE of the Go guests (the
#                         build cache is Go's own GOCACHE, already shared
#                         by every tree and checkout of the user)
#   npm/cache             npm's download cache
#   npm/<name>/           node_modules of an AssemblyScript guest
#   tools/wasm-tools-<v>-<features>/  wasm-tools, the converter of the
#                         WebAssembly 3.0 spec tests and the differential
#                         test's generator, built on first need
#                         (cmake/wasm_tools.cmake)
#
# Each tree still runs the (then quick) cargo, go and asc commands, and
# keeps its .wasm files: only the toolchains' work is shared.
#
# Two trees may build at once: cargo locks its target directory and its
# download cache, go locks its caches, and the steps that replace a whole
# directory (cargo vendor, npm ci) run under a lock file of their own
# (guest_lock.cmake) and only when the lock file of the crate or package
# changed. One cache serves one checkout: a crate's copy lives there, so
# two checkouts sharing one cache would overwrite each other's copies.
set(WX_GUEST_CACHE "${CMAKE_SOURCE_DIR}/.cache/guests" CACHE PATH
    "Caches of the guest toolchains (cargo, go, npm), shared by the build \
trees of one checkout")
file(MAKE_DIRECTORY ${WX_GUEST_CACHE})

# wx_guest_cache_dir(OUT_VAR KIND NAME SOURCE): WX_GUEST_CACHE/KIND/NAME,
# for the guest in folder SOURCE. Stops configuring when guests of two
# folders would share it.
function(wx_guest_cache_dir out_var kind name source)
  set(dir ${WX_GUEST_CACHE}/${kind}/${name})
  get_property(owner GLOBAL PROPERTY WX_GUEST_CACHE_OWNER_${kind}_${name})
  if(owner AND NOT owner STREQUAL source)
    message(FATAL_ERROR "guest cache ${dir}: both ${owner} and ${source} "
                        "would use it; rename one of the two folders")
  endif()
  set_property(GLOBAL PROPERTY WX_GUEST_CACHE_OWNER_${kind}_${name}
               ${source})
  set(${out_var} ${dir} PARENT_SCOPE)
endfunction()

# wx_npm_ci(NAME name SOURCE dir NPM npm OUT_MODULES var OUT_STAMP var)
# Installs what SOURCE/package-lock.json pins with `npm ci` into
# WX_GUEST_CACHE/npm/NAME/node_modules, once for every tree: the build
# step (its stamp is in this tree, OUT_STAMP) runs npm only when the
# lock file differs from the one of the last install. npm's download
# cache is in WX_GUEST_CACHE too, so only the first install needs the
# registry.
function(wx_npm_ci)
  cmake_parse_arguments(N "" "NAME;SOURCE;NPM;OUT_MODULES;OUT_STAMP" ""
                        ${ARGN})
  wx_guest_cache_dir(dir npm ${N_NAME} ${N_SOURCE})
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${N_NAME}.npm-ci.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DSTEP=npm_ci -DNAME=${N_NAME}
            -DLOCKFILE=${N_SOURCE}/package-lock.json -DDIR=${dir}
            -DSTAMP=${stamp} -DTOOL=${N_NPM}
            -DDOWNLOADS=${WX_GUEST_CACHE}/npm/cache
            -P ${CMAKE_SOURCE_DIR}/cmake/guest_lock.cmake
    DEPENDS ${N_SOURCE}/package.json ${N_SOURCE}/package-lock.json
            ${CMAKE_SOURCE_DIR}/cmake/guest_lock.cmake
    COMMENT "${N_NAME}: npm ci (into ${dir}; fetches from the npm \
registry the first time)"
    VERBATIM)
  set(${N_OUT_MODULES} ${dir}/node_modules PARENT_SCOPE)
  set(${N_OUT_STAMP} ${stamp} PARENT_SCOPE)
endfunction()

# wx_asc_wasm(NAME name SOURCE dir NODE node NPM npm OUTPUT file
#             COMMENT text)
# An AssemblyScript guest: the compiler and libraries its lock file pins,
# installed by wx_npm_ci, then `asc` on SOURCE/assembly/*.ts with the
# options of SOURCE/asconfig.json, under the guest's lock, into OUTPUT.
function(wx_asc_wasm)
  cmake_parse_arguments(A "" "NAME;SOURCE;NODE;NPM;OUTPUT;COMMENT" ""
                        ${ARGN})
  wx_npm_ci(NAME ${A_NAME} SOURCE ${A_SOURCE} NPM ${A_NPM}
            OUT_MODULES modules OUT_STAMP stamp)
  get_filename_component(npm_dir ${modules} DIRECTORY)
  file(GLOB ts_files CONFIGURE_DEPENDS ${A_SOURCE}/assembly/*.ts)
  add_custom_command(
    OUTPUT ${A_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DSTEP=asc -DDIR=${npm_dir}
            -DTOOL=${A_NODE} -DSOURCE=${A_SOURCE} -DOUT=${A_OUTPUT}
            -P ${CMAKE_SOURCE_DIR}/cmake/guest_lock.cmake
    DEPENDS ${stamp} ${ts_files} ${A_SOURCE}/asconfig.json
            ${CMAKE_SOURCE_DIR}/cmake/guest_lock.cmake
    COMMENT "${A_COMMENT}"
    VERBATIM)
endfunction()
