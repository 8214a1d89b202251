/*
 * libmicrohttpd, loaded on first need (dl.h): include this instead of <microhttpd.h> and
 * call wxdl_mhd_load() before the first use. The list is every libmicrohttpd
 * function wasmext calls; a call of one not listed does not link (the
 * library is not on the link line), so the list cannot fall behind.
 * Generated once by hand from the sources' calls; keep it sorted.
 */
#ifndef WX_DL_MHD_H
#define WX_DL_MHD_H

#include "dl.h"

#include <microhttpd.h>

#define WXDL_MHD_FUNCS(X) \
    X(MHD_add_response_header) \
    X(MHD_create_response_from_buffer) \
    X(MHD_create_response_from_buffer_with_free_callback) \
    X(MHD_destroy_response) \
    X(MHD_get_connection_info) \
    X(MHD_get_connection_values) \
    X(MHD_is_feature_supported) \
    X(MHD_lookup_connection_value) \
    X(MHD_queue_response) \
    X(MHD_resume_connection) \
    X(MHD_start_daemon) \
    X(MHD_stop_daemon) \
    X(MHD_suspend_connection)

enum {
#define WXDL_MHD_SLOT_(f) WXDL_MHD_##f,
    WXDL_MHD_FUNCS(WXDL_MHD_SLOT_)
#undef WXDL_MHD_SLOT_
        WXDL_MHD_COUNT_
};

extern void *wxdl_mhd_slots[WXDL_MHD_COUNT_];

/* Opens libmicrohttpd.so.12 once; WX_EIO naming the package to install. */
wx_status wxdl_mhd_load(wx_error *err);

/* A call through the table, with the prototype of the library's header
 * (a macro is not expanded again inside its own expansion, so `f` here is
 * the real declaration). */
#define WXDL_MHD_(f) (*(__typeof__(f) *)wxdl_mhd_slots[WXDL_MHD_##f])

#ifndef WXDL_MHD_IMPL

#define MHD_add_response_header WXDL_MHD_(MHD_add_response_header)
#define MHD_create_response_from_buffer WXDL_MHD_(MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback WXDL_MHD_(MHD_create_response_from_buffer_with_free_callback)
#define MHD_destroy_response WXDL_MHD_(MHD_destroy_response)
#define MHD_get_connection_info WXDL_MHD_(MHD_get_connection_info)
#define MHD_get_connection_values WXDL_MHD_(MHD_get_connection_values)
#define MHD_is_feature_supported WXDL_MHD_(MHD_is_feature_supported)
#define MHD_lookup_connection_value WXDL_MHD_(MHD_lookup_connection_value)
#define MHD_queue_response WXDL_MHD_(MHD_queue_response)
#define MHD_resume_connection WXDL_MHD_(MHD_resume_connection)
#define MHD_start_daemon WXDL_MHD_(MHD_start_daemon)
#define MHD_stop_daemon WXDL_MHD_(MHD_stop_daemon)
#define MHD_suspend_connection WXDL_MHD_(MHD_suspend_connection)
#endif

#endif
