# Rust guests for wasm32, from crates on crates.io, in two steps:
#
#   1. fetch: a cargo that speaks crates.io's sparse index (>= 1.68;
#      rustup's, or a recent distribution cargo) runs `cargo vendor
#      --locked`, which copies the crates the committed Cargo.lock pins into
#      the guest cache (its CARGO_HOME, the download cache, is there too).
#      The lock file's hash keeps it from running again, in this tree or
#      another: later builds never touch the network, unless Cargo.lock
#      changes.
#   2. build: Debian's rustc (1.63) and cargo compile for wasm32, offline
#      and frozen, with a CARGO_HOME whose config replaces crates.io by the
#      vendored copy. rustup's toolchains here have no wasm32 target, and
#      rustup cannot download one; Debian's cargo cannot read the sparse
#      index, hence the two cargos.
#
# rustc and cargo are named by path: another one may come first on PATH.
# Cargo works on a copy of the crate in the guest cache
# (cmake/guest_cache.cmake), so that nothing is written into the
# source folders, and every build tree of the checkout shares the vendored crates
# and cargo's output.

set(WX_RUSTC /usr/bin/rustc)
set(WX_CARGO /usr/bin/cargo)
set(WX_RUST_SYSROOT /usr/lib/rustlib)
set(WX_FETCH_CARGO "" CACHE FILEPATH
    "cargo >= 1.68 (sparse crates.io index) that fetches the crates of the \
Rust guests; empty: rustup's, else /usr/bin/cargo if recent enough")

# The fetching cargo, found once per configure.
if(NOT DEFINED WX_FETCH_CARGO_FOUND)
  set(candidates ${WX_FETCH_CARGO})
  if(NOT WX_FETCH_CARGO)
    set(candidates $ENV{CARGO_HOME}/bin/cargo $ENV{HOME}/.cargo/bin/cargo
                   ${WX_CARGO})
  endif()
  set(found "")
  foreach(c ${candidates})
    if(NOT found AND EXISTS ${c})
      execute_process(COMMAND ${c} --version OUTPUT_VARIABLE v
                      RESULT_VARIABLE rc ERROR_QUIET)
      if(rc EQUAL 0 AND v MATCHES "^cargo 1\\.([0-9]+)"
         AND CMAKE_MATCH_1 GREATER_EQUAL 68)
        set(found ${c})
      endif()
    endif()
  endforeach()
  set(WX_FETCH_CARGO_FOUND "${found}")
endif()

# wx_rust_missing(OUT_VAR TARGET...): what is missing to build for the
# wasm32 TARGETs, as sentences for an error message; empty when nothing is.
function(wx_rust_missing out_var)
  set(missing "")
  set(std_ok TRUE)
  foreach(t ${ARGN})
    if(NOT EXISTS ${WX_RUST_SYSROOT}/${t})
      set(std_ok FALSE)
    endif()
  endforeach()
  if(NOT EXISTS ${WX_RUSTC} OR NOT EXISTS ${WX_CARGO} OR NOT std_ok)
    list(APPEND missing "Debian's Rust for wasm32 (Debian packages rustc \
cargo libstd-rust-dev-wasm32)")
  endif()
  if(NOT WX_FETCH_CARGO_FOUND)
    list(APPEND missing "a cargo >= 1.68 to fetch the crates from crates.io \
(rustup's ~/.cargo/bin/cargo, or -DWX_FETCH_CARGO=PATH)")
  endif()
  set(${out_var} "${missing}" PARENT_SCOPE)
endfunction()

# wx_rust_wasm(NAME name SOURCE dir BINARY dir LIB libname
#              TARGETS target... OUTPUTS path...)
# Builds the crate in SOURCE (Cargo.toml, Cargo.lock, src/*.rs) for each
# wasm32 TARGET and copies target i's LIB.wasm to OUTPUTS i. The crate's
# copy, its vendored crates and cargo's output are in the guest cache
# (cmake/guest_cache.cmake: WX_GUEST_CACHE/rust/<SOURCE's folder name>),
# shared by the build trees, so that a second tree finds them compiled;
# BINARY holds this tree's stamp of the vendoring.
function(wx_rust_wasm)
  cmake_parse_arguments(R "" "NAME;SOURCE;BINARY;LIB" "TARGETS;OUTPUTS"
                        ${ARGN})
  get_filename_component(folder ${R_SOURCE} NAME)
  wx_guest_cache_dir(dir rust ${folder} ${R_SOURCE})
  set(crate ${dir}/crate)
  file(GLOB rs_files RELATIVE ${R_SOURCE} CONFIGURE_DEPENDS
       ${R_SOURCE}/src/*.rs)
  set(crate_files "")
  # configure_file writes a copy only when its text changed, so the trees
  # of one checkout leave the copy (and cargo's fingerprints) alone.
  foreach(f Cargo.toml Cargo.lock ${rs_files})
    configure_file(${R_SOURCE}/${f} ${crate}/${f} COPYONLY)
    list(APPEND crate_files ${crate}/${f})
  endforeach()
  file(CONFIGURE OUTPUT ${dir}/cargo-home/config.toml CONTENT
       "[source.crates-io]\nreplace-with = \"vendored\"\n\n\
[source.vendored]\ndirectory = \"${dir}/vendor\"\n\n[net]\noffline = true\n")
  set(step ${CMAKE_COMMAND} -DDIR=${dir} -DMANIFEST=${crate}/Cargo.toml)
  set(lock_script ${CMAKE_SOURCE_DIR}/cmake/guest_lock.cmake)
  set(stamp ${R_BINARY}/vendor.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${step} -DSTEP=cargo_vendor -DLOCKFILE=${crate}/Cargo.lock
            -DTOOL=${WX_FETCH_CARGO_FOUND}
            -DDOWNLOADS=${WX_GUEST_CACHE}/rust/fetch-home -DSTAMP=${stamp}
            -P ${lock_script}
    DEPENDS ${crate}/Cargo.toml ${crate}/Cargo.lock ${lock_script}
    COMMENT "${R_NAME}: cargo vendor (fetches from crates.io the first time)"
    VERBATIM)
  set(commands "")
  foreach(t out IN ZIP_LISTS R_TARGETS R_OUTPUTS)
    list(APPEND commands
         COMMAND ${step} -DSTEP=cargo_build -DTOOL=${WX_CARGO}
                 -DRUSTC=${WX_RUSTC} -DTARGET=${t} -DLIB=${R_LIB}
                 -DOUT=${out} -P ${lock_script})
  endforeach()
  string(REPLACE ";" ", " target_names "${R_TARGETS}")
  add_custom_command(
    OUTPUT ${R_OUTPUTS}
    ${commands}
    DEPENDS ${stamp} ${crate_files} ${lock_script}
    COMMENT "${R_NAME}: cargo build --target ${target_names} (offline)"
    VERBATIM)
endfunction()
