/* libmicrohttpd loaded on first need: see dl_mhd.h. */
#define WXDL_MHD_IMPL
#include "dl_mhd.h"

void *wxdl_mhd_slots[WXDL_MHD_COUNT_];

static const char *const names[] = {
#define WXDL_NAME_(f) #f,
    WXDL_MHD_FUNCS(WXDL_NAME_)
#undef WXDL_NAME_
};

static wxdl_lib lib = {
    .soname = "libmicrohttpd.so.12",
    .package = "libmicrohttpd12",
    .names = names,
    .table = wxdl_mhd_slots,
    .count = WXDL_MHD_COUNT_,
    .once = PTHREAD_ONCE_INIT,
};

wx_status wxdl_mhd_load(wx_error *err)
{
    return wxdl_load(&lib, err);
}
