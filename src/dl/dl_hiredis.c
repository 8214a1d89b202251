/* hiredis loaded on first need: see dl_hiredis.h. */
#define WXDL_IMPL_
#include "dl_hiredis.h"

WXDL_DEFINE(hiredis, HIREDIS, "libhiredis.so.0.14", "libhiredis0.14")
