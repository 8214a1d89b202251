/*
 * SQLite, loaded on first need (dl.h): include this instead of
 * <sqlite3.h> and call wxdl_sqlite_load() before the first use. The list is
 * every SQLite function wasmext calls; a call of one not listed does not
 * link (the library is not on the link line), so the list cannot fall
 * behind. Keep it sorted.
 */
#ifndef WX_DL_SQLITE_H
#define WX_DL_SQLITE_H

#include "dl.h"

#include <sqlite3.h>

#define WXDL_SQLITE_FUNCS(X) \
    X(SQLITE, sqlite3_bind_blob64) \
    X(SQLITE, sqlite3_bind_int64) \
    X(SQLITE, sqlite3_bind_text) \
    X(SQLITE, sqlite3_busy_timeout) \
    X(SQLITE, sqlite3_changes) \
    X(SQLITE, sqlite3_clear_bindings) \
    X(SQLITE, sqlite3_close) \
    X(SQLITE, sqlite3_column_blob) \
    X(SQLITE, sqlite3_column_bytes) \
    X(SQLITE, sqlite3_column_int64) \
    X(SQLITE, sqlite3_column_text) \
    X(SQLITE, sqlite3_db_readonly) \
    X(SQLITE, sqlite3_errcode) \
    X(SQLITE, sqlite3_errmsg) \
    X(SQLITE, sqlite3_exec) \
    X(SQLITE, sqlite3_extended_result_codes) \
    X(SQLITE, sqlite3_finalize) \
    X(SQLITE, sqlite3_get_autocommit) \
    X(SQLITE, sqlite3_open_v2) \
    X(SQLITE, sqlite3_prepare_v2) \
    X(SQLITE, sqlite3_prepare_v3) \
    X(SQLITE, sqlite3_reset) \
    X(SQLITE, sqlite3_step) \
    X(SQLITE, sqlite3_system_errno)

WXDL_DECLARE(sqlite, SQLITE)

#ifndef WXDL_IMPL_
#define sqlite3_bind_blob64 WXDL_CALL_(sqlite, SQLITE, sqlite3_bind_blob64)
#define sqlite3_bind_int64 WXDL_CALL_(sqlite, SQLITE, sqlite3_bind_int64)
#define sqlite3_bind_text WXDL_CALL_(sqlite, SQLITE, sqlite3_bind_text)
#define sqlite3_busy_timeout WXDL_CALL_(sqlite, SQLITE, sqlite3_busy_timeout)
#define sqlite3_changes WXDL_CALL_(sqlite, SQLITE, sqlite3_changes)
#define sqlite3_clear_bindings WXDL_CALL_(sqlite, SQLITE, sqlite3_clear_bindings)
#define sqlite3_close WXDL_CALL_(sqlite, SQLITE, sqlite3_close)
#define sqlite3_column_blob WXDL_CALL_(sqlite, SQLITE, sqlite3_column_blob)
#define sqlite3_column_bytes WXDL_CALL_(sqlite, SQLITE, sqlite3_column_bytes)
#define sqlite3_column_int64 WXDL_CALL_(sqlite, SQLITE, sqlite3_column_int64)
#define sqlite3_column_text WXDL_CALL_(sqlite, SQLITE, sqlite3_column_text)
#define sqlite3_db_readonly WXDL_CALL_(sqlite, SQLITE, sqlite3_db_readonly)
#define sqlite3_errcode WXDL_CALL_(sqlite, SQLITE, sqlite3_errcode)
#define sqlite3_errmsg WXDL_CALL_(sqlite, SQLITE, sqlite3_errmsg)
#define sqlite3_exec WXDL_CALL_(sqlite, SQLITE, sqlite3_exec)
#define sqlite3_extended_result_codes WXDL_CALL_(sqlite, SQLITE, sqlite3_extended_result_codes)
#define sqlite3_finalize WXDL_CALL_(sqlite, SQLITE, sqlite3_finalize)
#define sqlite3_get_autocommit WXDL_CALL_(sqlite, SQLITE, sqlite3_get_autocommit)
#define sqlite3_open_v2 WXDL_CALL_(sqlite, SQLITE, sqlite3_open_v2)
#define sqlite3_prepare_v2 WXDL_CALL_(sqlite, SQLITE, sqlite3_prepare_v2)
#define sqlite3_prepare_v3 WXDL_CALL_(sqlite, SQLITE, sqlite3_prepare_v3)
#define sqlite3_reset WXDL_CALL_(sqlite, SQLITE, sqlite3_reset)
#define sqlite3_step WXDL_CALL_(sqlite, SQLITE, sqlite3_step)
#define sqlite3_system_errno WXDL_CALL_(sqlite, SQLITE, sqlite3_system_errno)
#endif

#endif
