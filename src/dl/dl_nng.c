/* NNG loaded on first need: see dl_nng.h. */
#define WXDL_IMPL_
#include "dl_nng.h"

WXDL_DEFINE(nng, NNG, "libnng.so.1", "libnng1")
