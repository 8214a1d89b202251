/*
 * System libraries loaded when first needed (dlopen), not when the
 * process starts. `wasmext run` of a module needs none of SQLite, libzip,
 * libmicrohttpd (and GnuTLS behind it) or NNG (and mbedTLS): linked in
 * the usual way, the dynamic loader would map and relocate all of them,
 * with the libraries they need in turn, before main, for every command.
 * Here each is opened by its soname on the first call that needs it
 * (opening a registry file, a package, `serve`, `ekuiper`), the way
 * systemd loads its optional libraries. docs/design.md has the figures.
 *
 * Each library has a header dl_<lib>.h: its functions in an X-macro list,
 * a table of pointers of the real prototypes' types (taken from the
 * library's own header with __typeof__, so a mismatch cannot compile),
 * and macros that turn a call of `sqlite3_step(...)` into a call through
 * the table. The code that uses the library stays as written against
 * its documentation; it calls wxdl_<lib>_load() once before the first
 * use, which fails with a message naming the package to install.
 */
#ifndef WX_DL_DL_H
#define WX_DL_DL_H

#include "wasmext/engine.h"

#include <pthread.h>
#include <stddef.h>

typedef struct wxdl_lib {
    const char *soname;       /* "libsqlite3.so.0" */
    const char *package;      /* Debian package: "libsqlite3-0" */
    const char *const *names; /* the functions, in table order */
    void **table;             /* where their addresses go */
    size_t count;
    pthread_once_t once;
    /* Set by the one load: WX_OK, or why not. */
    wx_status status;
    char why[200];
} wxdl_lib;

/* Loads `lib` once per process (later calls return the first outcome).
 * WX_EIO naming the library, the package and dlerror's reason. */
wx_status wxdl_load(wxdl_lib *lib, wx_error *err);

#endif
