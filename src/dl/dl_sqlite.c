/* SQLite loaded on first need: see dl_sqlite.h. */
#define WXDL_IMPL_
#include "dl_sqlite.h"

WXDL_DEFINE(sqlite, SQLITE, "libsqlite3.so.0", "libsqlite3-0")
