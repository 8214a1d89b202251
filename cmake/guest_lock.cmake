# One step of a guest's build over the shared guest cache
# (cmake/guest_cache.cmake), under the guest's lock, so that two build
# trees building at once never see a directory that the other one is
# replacing:
#
#   cmake -DSTEP=<step> -DDIR=<the guest's cache directory> ...
#         -P guest_lock.cmake
#
#   npm_ci        -DLOCKFILE=<package-lock.json> -DTOOL=<npm>
#                 -DDOWNLOADS=<npm's cache>: `npm ci` into DIR, unless
#                 DIR holds an install of this very lock file already
#   asc           -DTOOL=<node> -DSOURCE=<folder with asconfig.json>
#                 -DOUT=<.wasm>: asc with DIR/node_modules
#   cargo_vendor  -DLOCKFILE=<Cargo.lock> -DMANIFEST=<Cargo.toml>
#                 -DTOOL=<cargo> -DDOWNLOADS=<CARGO_HOME>: `cargo vendor`
#                 into DIR/vendor, unless it holds this lock file's crates
#   cargo_build   -DMANIFEST= -DTOOL=<cargo> -DRUSTC= -DTARGET=<triple>
#                 -DLIB=<lib name> -DOUT=<.wasm>: `cargo build` offline in
#                 DIR/target, then the .wasm copied to OUT
#
# The fetching steps record the SHA-256 of the lock file they installed
# in DIR.sha256 once they succeed, so a step that failed half-way runs
# again. -DSTAMP=<file> is touched at the end (this tree's record that
# the step is done).
cmake_minimum_required(VERSION 3.18)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (exit ${rc}); its output is above")
  endif()
endfunction()

# True when DIR holds what LOCKFILE pins (a previous run succeeded).
function(installed out_var)
  file(SHA256 ${LOCKFILE} want)
  set(have "")
  if(EXISTS ${DIR}.sha256)
    file(READ ${DIR}.sha256 have)
  endif()
  if(have STREQUAL want)
    set(${out_var} TRUE PARENT_SCOPE)
  else()
    file(REMOVE ${DIR}.sha256)
    set(${out_var} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(mark_installed)
  file(SHA256 ${LOCKFILE} want)
  file(WRITE ${DIR}.sha256 ${want})
endfunction()

file(MAKE_DIRECTORY ${DIR})
file(LOCK ${DIR}.lock GUARD PROCESS TIMEOUT 3600 RESULT_VARIABLE lock_rc)
if(NOT lock_rc EQUAL 0)
  message(FATAL_ERROR "cannot lock ${DIR}.lock: ${lock_rc}")
endif()

if(STEP STREQUAL "npm_ci")
  installed(ok)
  if(NOT ok)
    get_filename_component(src ${LOCKFILE} DIRECTORY)
    file(COPY ${src}/package.json ${LOCKFILE} DESTINATION ${DIR})
    # --prefer-offline: what npm's cache holds is not asked for again.
    execute_process(COMMAND ${TOOL} ci --no-audit --no-fund --ignore-scripts
                            --prefer-offline --loglevel=error
                            --cache ${DOWNLOADS}
                    WORKING_DIRECTORY ${DIR} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "`npm ci` failed in ${DIR} (exit ${rc}): the "
                          "packages of ${LOCKFILE} come from the npm "
                          "registry, which must be reachable the first "
                          "time (or npm's cache ${DOWNLOADS} must hold "
                          "them)")
    endif()
    mark_installed()
  endif()
elseif(STEP STREQUAL "asc")
  # asconfig.json's paths are relative to its folder; --path points the
  # imports of packages at the shared node_modules.
  execute_process(COMMAND ${TOOL} ${DIR}/node_modules/assemblyscript/bin/asc.js
                          --config asconfig.json --path ${DIR}/node_modules
                          -o ${OUT}
                  WORKING_DIRECTORY ${SOURCE} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "asc --config ${SOURCE}/asconfig.json failed (exit "
                        "${rc}); its output is above")
  endif()
elseif(STEP STREQUAL "cargo_vendor")
  installed(ok)
  if(NOT ok)
    file(REMOVE_RECURSE ${DIR}/vendor)
    run("cargo vendor for ${MANIFEST}"
        ${CMAKE_COMMAND} -E env CARGO_HOME=${DOWNLOADS} --unset=RUSTC
        --unset=CARGO_TARGET_DIR
        ${TOOL} vendor --quiet --locked --manifest-path ${MANIFEST}
        ${DIR}/vendor)
    mark_installed()
  endif()
elseif(STEP STREQUAL "cargo_build")
  run("cargo build --target ${TARGET} for ${MANIFEST}"
      ${CMAKE_COMMAND} -E env CARGO_HOME=${DIR}/cargo-home RUSTC=${RUSTC}
      CARGO_TARGET_DIR=${DIR}/target --unset=RUSTFLAGS
      --unset=CARGO_BUILD_TARGET
      ${TOOL} build --quiet --release --frozen --target ${TARGET}
      --manifest-path ${MANIFEST})
  run("copying ${LIB}.wasm" ${CMAKE_COMMAND} -E copy
      ${DIR}/target/${TARGET}/release/${LIB}.wasm ${OUT})
else()
  message(FATAL_ERROR "guest_lock.cmake: unknown STEP \"${STEP}\"")
endif()

if(STAMP)
  get_filename_component(stamp_dir ${STAMP} DIRECTORY)
  file(MAKE_DIRECTORY ${stamp_dir})
  file(TOUCH ${STAMP})
endif()
