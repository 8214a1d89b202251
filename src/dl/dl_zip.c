/* libzip loaded on first need: see dl_zip.h. */
#define WXDL_IMPL_
#include "dl_zip.h"

WXDL_DEFINE(zip, ZIP, "libzip.so.4", "libzip4")
