/* NNG loaded on first need: see dl_nng.h. */
#define WXDL_NNG_IMPL
#include "dl_nng.h"

void *wxdl_nng_slots[WXDL_NNG_COUNT_];

static const char *const names[] = {
#define WXDL_NAME_(f) #f,
    WXDL_NNG_FUNCS(WXDL_NAME_)
#undef WXDL_NAME_
};

static wxdl_lib lib = {
    .soname = "libnng.so.1",
    .package = "libnng1",
    .names = names,
    .table = wxdl_nng_slots,
    .count = WXDL_NNG_COUNT_,
    .once = PTHREAD_ONCE_INIT,
};

wx_status wxdl_nng_load(wx_error *err)
{
    return wxdl_load(&lib, err);
}
