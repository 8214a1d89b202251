/*
 * NNG, loaded on first need (dl.h): include this instead of
 * <nng/nng.h> and call wxdl_nng_load() before the first use. The list is
 * every NNG function wasmext calls; a call of one not listed does not
 * link (the library is not on the link line), so the list cannot fall
 * behind. Keep it sorted.
 */
#ifndef WX_DL_NNG_H
#define WX_DL_NNG_H

#include "dl.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#define WXDL_NNG_FUNCS(X) \
    X(NNG, nng_aio_alloc) \
    X(NNG, nng_aio_free) \
    X(NNG, nng_aio_get_msg) \
    X(NNG, nng_aio_result) \
    X(NNG, nng_aio_set_msg) \
    X(NNG, nng_aio_set_timeout) \
    X(NNG, nng_aio_stop) \
    X(NNG, nng_close) \
    X(NNG, nng_dial) \
    X(NNG, nng_free) \
    X(NNG, nng_msg_alloc) \
    X(NNG, nng_msg_append) \
    X(NNG, nng_msg_body) \
    X(NNG, nng_msg_clear) \
    X(NNG, nng_msg_free) \
    X(NNG, nng_msg_len) \
    X(NNG, nng_recv) \
    X(NNG, nng_recv_aio) \
    X(NNG, nng_req0_open) \
    X(NNG, nng_send) \
    X(NNG, nng_send_aio) \
    X(NNG, nng_sleep_aio) \
    X(NNG, nng_socket_set_ms) \
    X(NNG, nng_socket_set_size) \
    X(NNG, nng_strerror)

WXDL_DECLARE(nng, NNG)

#ifndef WXDL_IMPL_
#define nng_aio_alloc WXDL_CALL_(nng, NNG, nng_aio_alloc)
#define nng_aio_free WXDL_CALL_(nng, NNG, nng_aio_free)
#define nng_aio_get_msg WXDL_CALL_(nng, NNG, nng_aio_get_msg)
#define nng_aio_result WXDL_CALL_(nng, NNG, nng_aio_result)
#define nng_aio_set_msg WXDL_CALL_(nng, NNG, nng_aio_set_msg)
#define nng_aio_set_timeout WXDL_CALL_(nng, NNG, nng_aio_set_timeout)
#define nng_aio_stop WXDL_CALL_(nng, NNG, nng_aio_stop)
#define nng_close WXDL_CALL_(nng, NNG, nng_close)
#define nng_dial WXDL_CALL_(nng, NNG, nng_dial)
#define nng_free WXDL_CALL_(nng, NNG, nng_free)
#define nng_msg_alloc WXDL_CALL_(nng, NNG, nng_msg_alloc)
#define nng_msg_append WXDL_CALL_(nng, NNG, nng_msg_append)
#define nng_msg_body WXDL_CALL_(nng, NNG, nng_msg_body)
#define nng_msg_clear WXDL_CALL_(nng, NNG, nng_msg_clear)
#define nng_msg_free WXDL_CALL_(nng, NNG, nng_msg_free)
#define nng_msg_len WXDL_CALL_(nng, NNG, nng_msg_len)
#define nng_recv WXDL_CALL_(nng, NNG, nng_recv)
#define nng_recv_aio WXDL_CALL_(nng, NNG, nng_recv_aio)
#define nng_req0_open WXDL_CALL_(nng, NNG, nng_req0_open)
#define nng_send WXDL_CALL_(nng, NNG, nng_send)
#define nng_send_aio WXDL_CALL_(nng, NNG, nng_send_aio)
#define nng_sleep_aio WXDL_CALL_(nng, NNG, nng_sleep_aio)
#define nng_socket_set_ms WXDL_CALL_(nng, NNG, nng_socket_set_ms)
#define nng_socket_set_size WXDL_CALL_(nng, NNG, nng_socket_set_size)
#define nng_strerror WXDL_CALL_(nng, NNG, nng_strerror)
#endif

#endif
