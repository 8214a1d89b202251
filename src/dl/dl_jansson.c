/* jansson loaded on first need: see dl_jansson.h. */
#define WXDL_IMPL_
#include "dl_jansson.h"

#include <stdio.h>
#include <stdlib.h>

WXDL_DEFINE(jansson, JANSSON, "libjansson.so.4", "libjansson4")

int wxdl_jansson_ready_;

void wxdl_jansson_need_(void)
{
    wx_error err;
    if (wxdl_jansson_load(&err) != WX_OK) {
        /* What the dynamic loader would have said before main, had the
         * library been linked: nothing can go on without JSON. */
        fprintf(stderr, "wasmext: %s\n", err.message);
        _Exit(127);
    }
    __atomic_store_n(&wxdl_jansson_ready_, 1, __ATOMIC_RELEASE);
}
