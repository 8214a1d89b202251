/*
 * SQLite, loaded on first need (dl.h): include this instead of <sqlite3.h> and
 * call wxdl_sqlite_load() before the first use. The list is every SQLite
 * function wasmext calls; a call of one not listed does not link (the
 * library is not on the link line), so the list cannot fall behind.
 * Generated once by hand from the sources' calls; keep it sorted.
 */
#ifndef WX_DL_SQLITE_H
#define WX_DL_SQLITE_H

#include "dl.h"

#include <sqlite3.h>

#define WXDL_SQLITE_FUNCS(X) \
    X(sqlite3_bind_blob64) \
    X(sqlite3_bind_int64) \
    X(sqlite3_bind_text) \
    X(sqlite3_busy_timeout) \
    X(sqlite3_changes) \
    X(sqlite3_clear_bindings) \
    X(sqlite3_close) \
    X(sqlite3_column_blob) \
    X(sqlite3_column_bytes) \
    X(sqlite3_column_int64) \
    X(sqlite3_column_text) \
    X(sqlite3_db_readonly) \
    X(sqlite3_errcode) \
    X(sqlite3_errmsg) \
    X(sqlite3_exec) \
    X(sqlite3_extended_result_codes) \
    X(sqlite3_finalize) \
    X(sqlite3_get_autocommit) \
    X(sqlite3_open_v2) \
    X(sqlite3_prepare_v2) \
    X(sqlite3_prepare_v3) \
    X(sqlite3_reset) \
    X(sqlite3_step) \
    X(sqlite3_system_errno)

enum {
#define WXDL_SQLITE_SLOT_(f) WXDL_SQLITE_##f,
    WXDL_SQLITE_FUNCS(WXDL_SQLITE_SLOT_)
#undef WXDL_SQLITE_SLOT_
        WXDL_SQLITE_COUNT_
};

extern void *wxdl_sqlite_slots[WXDL_SQLITE_COUNT_];

/* Opens libsqlite3.so.0 once; WX_EIO naming the package to install. */
wx_status wxdl_sqlite_load(wx_error *err);

/* A call through the table, with the prototype of the library's header
 * (a macro is not expanded again inside its own expansion, so `f` here is
 * the real declaration). */
#define WXDL_SQLITE_(f) (*(__typeof__(f) *)wxdl_sqlite_slots[WXDL_SQLITE_##f])

#ifndef WXDL_SQLITE_IMPL

#define sqlite3_bind_blob64 WXDL_SQLITE_(sqlite3_bind_blob64)
#define sqlite3_bind_int64 WXDL_SQLITE_(sqlite3_bind_int64)
#define sqlite3_bind_text WXDL_SQLITE_(sqlite3_bind_text)
#define sqlite3_busy_timeout WXDL_SQLITE_(sqlite3_busy_timeout)
#define sqlite3_changes WXDL_SQLITE_(sqlite3_changes)
#define sqlite3_clear_bindings WXDL_SQLITE_(sqlite3_clear_bindings)
#define sqlite3_close WXDL_SQLITE_(sqlite3_close)
#define sqlite3_column_blob WXDL_SQLITE_(sqlite3_column_blob)
#define sqlite3_column_bytes WXDL_SQLITE_(sqlite3_column_bytes)
#define sqlite3_column_int64 WXDL_SQLITE_(sqlite3_column_int64)
#define sqlite3_column_text WXDL_SQLITE_(sqlite3_column_text)
#define sqlite3_db_readonly WXDL_SQLITE_(sqlite3_db_readonly)
#define sqlite3_errcode WXDL_SQLITE_(sqlite3_errcode)
#define sqlite3_errmsg WXDL_SQLITE_(sqlite3_errmsg)
#define sqlite3_exec WXDL_SQLITE_(sqlite3_exec)
#define sqlite3_extended_result_codes WXDL_SQLITE_(sqlite3_extended_result_codes)
#define sqlite3_finalize WXDL_SQLITE_(sqlite3_finalize)
#define sqlite3_get_autocommit WXDL_SQLITE_(sqlite3_get_autocommit)
#define sqlite3_open_v2 WXDL_SQLITE_(sqlite3_open_v2)
#define sqlite3_prepare_v2 WXDL_SQLITE_(sqlite3_prepare_v2)
#define sqlite3_prepare_v3 WXDL_SQLITE_(sqlite3_prepare_v3)
#define sqlite3_reset WXDL_SQLITE_(sqlite3_reset)
#define sqlite3_step WXDL_SQLITE_(sqlite3_step)
#define sqlite3_system_errno WXDL_SQLITE_(sqlite3_system_errno)
#endif

#endif
