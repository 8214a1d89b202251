/*
 * libmicrohttpd, loaded on first need (dl.h): include this instead of
 * <microhttpd.h> and call wxdl_mhd_load() before the first use. The list is
 * every libmicrohttpd function wasmext calls; a call of one not listed does not
 * link (the library is not on the link line), so the list cannot fall
 * behind. Keep it sorted.
 */
#ifndef WX_DL_MHD_H
#define WX_DL_MHD_H

#include "dl.h"

#include <microhttpd.h>

#define WXDL_MHD_FUNCS(X) \
    X(MHD, MHD_add_response_header) \
    X(MHD, MHD_create_response_from_buffer) \
    X(MHD, MHD_create_response_from_buffer_with_free_callback) \
    X(MHD, MHD_destroy_response) \
    X(MHD, MHD_get_connection_info) \
    X(MHD, MHD_get_connection_values) \
    X(MHD, MHD_is_feature_supported) \
    X(MHD, MHD_lookup_connection_value) \
    X(MHD, MHD_queue_response) \
    X(MHD, MHD_resume_connection) \
    X(MHD, MHD_start_daemon) \
    X(MHD, MHD_stop_daemon) \
    X(MHD, MHD_suspend_connection)

WXDL_DECLARE(mhd, MHD)

#ifndef WXDL_IMPL_
#define MHD_add_response_header WXDL_CALL_(mhd, MHD, MHD_add_response_header)
#define MHD_create_response_from_buffer WXDL_CALL_(mhd, MHD, MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback WXDL_CALL_(mhd, MHD, MHD_create_response_from_buffer_with_free_callback)
#define MHD_destroy_response WXDL_CALL_(mhd, MHD, MHD_destroy_response)
#define MHD_get_connection_info WXDL_CALL_(mhd, MHD, MHD_get_connection_info)
#define MHD_get_connection_values WXDL_CALL_(mhd, MHD, MHD_get_connection_values)
#define MHD_is_feature_supported WXDL_CALL_(mhd, MHD, MHD_is_feature_supported)
#define MHD_lookup_connection_value WXDL_CALL_(mhd, MHD, MHD_lookup_connection_value)
#define MHD_queue_response WXDL_CALL_(mhd, MHD, MHD_queue_response)
#define MHD_resume_connection WXDL_CALL_(mhd, MHD, MHD_resume_connection)
#define MHD_start_daemon WXDL_CALL_(mhd, MHD, MHD_start_daemon)
#define MHD_stop_daemon WXDL_CALL_(mhd, MHD, MHD_stop_daemon)
#define MHD_suspend_connection WXDL_CALL_(mhd, MHD, MHD_suspend_connection)
#endif

#endif
