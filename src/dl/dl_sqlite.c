/* SQLite loaded on first need: see dl_sqlite.h. */
#define WXDL_SQLITE_IMPL
#include "dl_sqlite.h"

void *wxdl_sqlite_slots[WXDL_SQLITE_COUNT_];

static const char *const names[] = {
#define WXDL_NAME_(f) #f,
    WXDL_SQLITE_FUNCS(WXDL_NAME_)
#undef WXDL_NAME_
};

static wxdl_lib lib = {
    .soname = "libsqlite3.so.0",
    .package = "libsqlite3-0",
    .names = names,
    .table = wxdl_sqlite_slots,
    .count = WXDL_SQLITE_COUNT_,
    .once = PTHREAD_ONCE_INIT,
};

wx_status wxdl_sqlite_load(wx_error *err)
{
    return wxdl_load(&lib, err);
}
