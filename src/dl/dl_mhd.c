/* libmicrohttpd loaded on first need: see dl_mhd.h. */
#define WXDL_IMPL_
#include "dl_mhd.h"

WXDL_DEFINE(mhd, MHD, "libmicrohttpd.so.12", "libmicrohttpd12")
