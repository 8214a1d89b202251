/*
 * NNG, loaded on first need (dl.h): include this instead of <nng/nng.h> and
 * call wxdl_nng_load() before the first use. The list is every NNG
 * function wasmext calls; a call of one not listed does not link (the
 * library is not on the link line), so the list cannot fall behind.
 * Generated once by hand from the sources' calls; keep it sorted.
 */
#ifndef WX_DL_NNG_H
#define WX_DL_NNG_H

#include "dl.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#define WXDL_NNG_FUNCS(X) \
    X(nng_aio_alloc) \
    X(nng_aio_free) \
    X(nng_aio_get_msg) \
    X(nng_aio_result) \
    X(nng_aio_set_msg) \
    X(nng_aio_set_timeout) \
    X(nng_aio_stop) \
    X(nng_close) \
    X(nng_dial) \
    X(nng_free) \
    X(nng_msg_alloc) \
    X(nng_msg_append) \
    X(nng_msg_body) \
    X(nng_msg_clear) \
    X(nng_msg_free) \
    X(nng_msg_len) \
    X(nng_recv) \
    X(nng_recv_aio) \
    X(nng_req0_open) \
    X(nng_send) \
    X(nng_send_aio) \
    X(nng_sleep_aio) \
    X(nng_socket_set_ms) \
    X(nng_socket_set_size) \
    X(nng_strerror)

enum {
#define WXDL_NNG_SLOT_(f) WXDL_NNG_##f,
    WXDL_NNG_FUNCS(WXDL_NNG_SLOT_)
#undef WXDL_NNG_SLOT_
        WXDL_NNG_COUNT_
};

extern void *wxdl_nng_slots[WXDL_NNG_COUNT_];

/* Opens libnng.so.1 once; WX_EIO naming the package to install. */
wx_status wxdl_nng_load(wx_error *err);

/* A call through the table, with the prototype of the library's header
 * (a macro is not expanded again inside its own expansion, so `f` here is
 * the real declaration). */
#define WXDL_NNG_(f) (*(__typeof__(f) *)wxdl_nng_slots[WXDL_NNG_##f])

#ifndef WXDL_NNG_IMPL

#define nng_aio_alloc WXDL_NNG_(nng_aio_alloc)
#define nng_aio_free WXDL_NNG_(nng_aio_free)
#define nng_aio_get_msg WXDL_NNG_(nng_aio_get_msg)
#define nng_aio_result WXDL_NNG_(nng_aio_result)
#define nng_aio_set_msg WXDL_NNG_(nng_aio_set_msg)
#define nng_aio_set_timeout WXDL_NNG_(nng_aio_set_timeout)
#define nng_aio_stop WXDL_NNG_(nng_aio_stop)
#define nng_close WXDL_NNG_(nng_close)
#define nng_dial WXDL_NNG_(nng_dial)
#define nng_free WXDL_NNG_(nng_free)
#define nng_msg_alloc WXDL_NNG_(nng_msg_alloc)
#define nng_msg_append WXDL_NNG_(nng_msg_append)
#define nng_msg_body WXDL_NNG_(nng_msg_body)
#define nng_msg_clear WXDL_NNG_(nng_msg_clear)
#define nng_msg_free WXDL_NNG_(nng_msg_free)
#define nng_msg_len WXDL_NNG_(nng_msg_len)
#define nng_recv WXDL_NNG_(nng_recv)
#define nng_recv_aio WXDL_NNG_(nng_recv_aio)
#define nng_req0_open WXDL_NNG_(nng_req0_open)
#define nng_send WXDL_NNG_(nng_send)
#define nng_send_aio WXDL_NNG_(nng_send_aio)
#define nng_sleep_aio WXDL_NNG_(nng_sleep_aio)
#define nng_socket_set_ms WXDL_NNG_(nng_socket_set_ms)
#define nng_socket_set_size WXDL_NNG_(nng_socket_set_size)
#define nng_strerror WXDL_NNG_(nng_strerror)
#endif

#endif
