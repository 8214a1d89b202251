/* libzip loaded on first need: see dl_zip.h. */
#define WXDL_ZIP_IMPL
#include "dl_zip.h"

void *wxdl_zip_slots[WXDL_ZIP_COUNT_];

static const char *const names[] = {
#define WXDL_NAME_(f) #f,
    WXDL_ZIP_FUNCS(WXDL_NAME_)
#undef WXDL_NAME_
};

static wxdl_lib lib = {
    .soname = "libzip.so.4",
    .package = "libzip4",
    .names = names,
    .table = wxdl_zip_slots,
    .count = WXDL_ZIP_COUNT_,
    .once = PTHREAD_ONCE_INIT,
};

wx_status wxdl_zip_load(wx_error *err)
{
    return wxdl_load(&lib, err);
}
