/* libcurl loaded on first need: see dl_curl.h. */
#define WXDL_IMPL_
#include "dl_curl.h"

WXDL_DEFINE(curl, CURL, "libcurl.so.4", "libcurl4")
