# Every dependency of the build, found once, here. Each one is required:
# when one is missing, configuring stops with an error that names it and
# the Debian package that provides it (scripts/deps.sh, `make deps`,
# installs them all). Nothing below falls back to building less.
#
# The libraries become imported targets that the rest of the tree links
# by these names only:
#
#   wx::jansson   wx::sqlite3   wx::nettle   wx::libzip
#   wx::microhttpd   wx::nng   wx::hiredis   wx::curl (the daemon tests'
#   client; src/dl opens it for Extism plugins' HTTP requests)
#   Threads::Threads, and the C library's m by its plain name
#
# and the tools the tests use are the programs WX_WAT2WASM (wabt),
# WX_PYTHON3 and WX_BASH. Optional test tooling (clang for wasm32, Rust,
# node, Go, wast2json, the real eKuiper) is not here: the tests that need
# it fail, naming what is missing, and the rest still build.

# wx_dep_missing(WHAT PACKAGE): stops configuring, naming what is missing
# and the Debian package that has it.
function(wx_dep_missing what package)
  message(FATAL_ERROR "wasmext needs ${what}, which was not found. "
                      "Install it with `apt-get install ${package}`, or "
                      "every package wasmext needs with `make deps` "
                      "(scripts/deps.sh).")
endfunction()

find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
  wx_dep_missing("pkg-config" pkg-config)
endif()

# wx_dep_pkgconfig(NAME MODULE PACKAGE): the pkg-config MODULE as the
# imported target wx::NAME, or a stop naming the Debian PACKAGE.
function(wx_dep_pkgconfig name module package)
  pkg_check_modules(WXDEP_${name} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT WXDEP_${name}_FOUND)
    wx_dep_missing("${module} (pkg-config module ${module})" ${package})
  endif()
  add_library(wx::${name} ALIAS PkgConfig::WXDEP_${name})
  message(STATUS "${module} ${WXDEP_${name}_VERSION}")
endfunction()

wx_dep_pkgconfig(jansson jansson libjansson-dev)
wx_dep_pkgconfig(sqlite3 sqlite3 libsqlite3-dev)
# SHA-256 for the registry and the bearer tokens, memeql_sec (src/dl).
wx_dep_pkgconfig(nettle nettle nettle-dev)
wx_dep_pkgconfig(libzip libzip libzip-dev)
wx_dep_pkgconfig(microhttpd libmicrohttpd libmicrohttpd-dev)
wx_dep_pkgconfig(curl libcurl libcurl4-openssl-dev)
# The registry on Redis (src/manager/registry_redis.c).
wx_dep_pkgconfig(hiredis hiredis libhiredis-dev)

# NNG: Debian's libnng-dev ships a CMake package (nng::nng) and no
# pkg-config file; other installs may have only the latter.
find_package(nng CONFIG QUIET)
if(TARGET nng::nng)
  set_target_properties(nng::nng PROPERTIES IMPORTED_GLOBAL TRUE)
  add_library(wx::nng ALIAS nng::nng)
  message(STATUS "nng ${nng_VERSION} (CMake package)")
else()
  pkg_check_modules(WXDEP_nng QUIET IMPORTED_TARGET GLOBAL nng)
  if(NOT WXDEP_nng_FOUND)
    wx_dep_missing("NNG (CMake package nng or pkg-config module nng)"
                   libnng-dev)
  endif()
  add_library(wx::nng ALIAS PkgConfig::WXDEP_nng)
  message(STATUS "nng ${WXDEP_nng_VERSION} (pkg-config)")
endif()

# The libraries src/dl opens on first need: their headers only, so that
# nothing links them (a call of a function src/dl does not list then fails
# to link instead of loading the library at start-up).
function(wx_dep_headers name from)
  add_library(wx_${name}_headers INTERFACE)
  target_include_directories(wx_${name}_headers INTERFACE
    $<TARGET_PROPERTY:${from},INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_options(wx_${name}_headers INTERFACE
    $<TARGET_PROPERTY:${from},INTERFACE_COMPILE_OPTIONS>)
  add_library(wx::${name}_headers ALIAS wx_${name}_headers)
endfunction()
wx_dep_headers(jansson PkgConfig::WXDEP_jansson)
wx_dep_headers(sqlite3 PkgConfig::WXDEP_sqlite3)
wx_dep_headers(libzip PkgConfig::WXDEP_libzip)
wx_dep_headers(microhttpd PkgConfig::WXDEP_microhttpd)
wx_dep_headers(hiredis PkgConfig::WXDEP_hiredis)
wx_dep_headers(nettle PkgConfig::WXDEP_nettle)
wx_dep_headers(curl PkgConfig::WXDEP_curl)
if(TARGET nng::nng)
  wx_dep_headers(nng nng::nng)
else()
  wx_dep_headers(nng PkgConfig::WXDEP_nng)
endif()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads QUIET)
if(NOT Threads_FOUND)
  wx_dep_missing("POSIX threads" libc6-dev)
endif()

# wat2wasm assembles the test guests and the example modules at build
# time; python3 and bash run the scripted tests.
find_program(WX_WAT2WASM wat2wasm)
if(NOT WX_WAT2WASM)
  wx_dep_missing("wat2wasm" wabt)
endif()
find_program(WX_PYTHON3 python3)
if(NOT WX_PYTHON3)
  wx_dep_missing("python3" python3)
endif()
find_program(WX_BASH bash)
if(NOT WX_BASH)
  wx_dep_missing("bash" bash)
endif()
# The registry tests on Redis start their own redis-server.
find_program(WX_REDIS_SERVER redis-server)
if(NOT WX_REDIS_SERVER)
  wx_dep_missing("redis-server" redis-server)
endif()
