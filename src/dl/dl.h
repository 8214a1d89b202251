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
 * a table of their addresses, and a macro per function that turns a call
 * of `sqlite3_step(...)` into a call through the table with the type of
 * the library's own prototype (__typeof__, so a mismatch cannot compile). The code that uses the library stays as written against
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

/* Each library's list is X(KEY, function): these make, from it, the slot
 * numbers, the table, the names and the load function. */
#define WXDL_SLOT_(K, f) WXDL_##K##_##f,
#define WXDL_NAME_(K, f) #f,

/* In dl_<key>.h: the slots, the table and the load function's prototype
 * (wx_status wxdl_<key>_load(wx_error *err): opens the library once). */
#define WXDL_DECLARE(key, K)                                                  \
    enum { WXDL_##K##_FUNCS(WXDL_SLOT_) WXDL_##K##_COUNT_ };                  \
    extern void *wxdl_##key##_slots[WXDL_##K##_COUNT_];                       \
    wx_status wxdl_##key##_load(wx_error *err);

/* A call through the table with the prototype of the library's own
 * header: a macro is not expanded again inside its own expansion, so `f`
 * here is the real declaration. */
#define WXDL_CALL_(key, K, f)                                                 \
    (*(__typeof__(f) *)wxdl_##key##_slots[WXDL_##K##_##f])

/* In dl_<key>.c: the table, the names and the load function. */
#define WXDL_DEFINE(key, K, soname_, package_)                                \
    void *wxdl_##key##_slots[WXDL_##K##_COUNT_];                              \
    static const char *const wxdl_names_[] = {WXDL_##K##_FUNCS(WXDL_NAME_)};  \
    static wxdl_lib wxdl_lib_ = {                                             \
        .soname = soname_,                                                    \
        .package = package_,                                                  \
        .names = wxdl_names_,                                                 \
        .table = wxdl_##key##_slots,                                          \
        .count = WXDL_##K##_COUNT_,                                           \
        .once = PTHREAD_ONCE_INIT,                                            \
    };                                                                        \
    wx_status wxdl_##key##_load(wx_error *err)                                \
    {                                                                         \
        return wxdl_load(&wxdl_lib_, err);                                    \
    }

#endif
