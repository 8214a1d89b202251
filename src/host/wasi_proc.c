/*
 * The process-level functions: arguments, environment, clocks, random
 * bytes, yield and exit, and the answers of what is not provided (ENOSYS;
 * ENOTSOCK for the socket calls).
 */
#include "wasi_internal.h"

#include <errno.h>
#include <sched.h>
#include <sys/random.h>
#include <time.h>

/* ------------------------------------------------------ args and environ */

static uint32_t sizes_get(wxw_call *c, const wx_wasm_val *a, uint32_t count,
                          size_t size)
{
    if (!wxw_mem_ok(c, WXW_U32(a[0]), 4) || !wxw_mem_ok(c, WXW_U32(a[1]), 4))
        return WXW_EFAULT;
    wxw_store32(c, WXW_U32(a[0]), count);
    wxw_store32(c, WXW_U32(a[1]), (uint32_t)size);
    return WXW_ESUCCESS;
}

/* Copies the packed strings to buf and a pointer to each into the array
 * at ptrs, as libc's argv/environ expect. Checks both ranges first. */
static uint32_t list_get(wxw_call *c, const wx_wasm_val *a, uint32_t count,
                         const char *strings, size_t size)
{
    uint32_t ptrs = WXW_U32(a[0]), buf = WXW_U32(a[1]);
    uint8_t *pp = wxw_mem(c, ptrs, 4 * (uint64_t)count);
    uint8_t *bp = wxw_mem(c, buf, size);
    if (!pp || !bp)
        return WXW_EFAULT;
    memmove(bp, strings, size);
    size_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        wxw_put32(pp + 4 * (size_t)i, buf + (uint32_t)at);
        at += strlen(strings + at) + 1;
    }
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_args_sizes_get(wxw_call *c, const wx_wasm_val *a)
{
    return sizes_get(c, a, c->ctx->nargs, c->ctx->args_size);
}

uint32_t wxw_fn_args_get(wxw_call *c, const wx_wasm_val *a)
{
    return list_get(c, a, c->ctx->nargs, c->ctx->args, c->ctx->args_size);
}

uint32_t wxw_fn_environ_sizes_get(wxw_call *c, const wx_wasm_val *a)
{
    return sizes_get(c, a, c->ctx->nenv, c->ctx->env_size);
}

uint32_t wxw_fn_environ_get(wxw_call *c, const wx_wasm_val *a)
{
    return list_get(c, a, c->ctx->nenv, c->ctx->env, c->ctx->env_size);
}

/* -------------------------------------------------------------- clocks */

static bool host_clock(int32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

uint32_t wxw_fn_clock_res_get(wxw_call *c, const wx_wasm_val *a)
{
    clockid_t id;
    struct timespec ts;
    if (!host_clock(a[0].of.i32, &id))
        return WXW_EINVAL;
    if (!wxw_mem_ok(c, WXW_U32(a[1]), 8))
        return WXW_EFAULT;
    if (clock_getres(id, &ts) != 0)
        return wxw_errno(errno);
    return wxw_store64(c, WXW_U32(a[1]), ns(&ts));
}

uint32_t wxw_fn_clock_time_get(wxw_call *c, const wx_wasm_val *a)
{
    clockid_t id;
    struct timespec ts;
    /* a[1], the precision wanted, is a hint that we need not take. */
    if (!host_clock(a[0].of.i32, &id))
        return WXW_EINVAL;
    if (!wxw_mem_ok(c, WXW_U32(a[2]), 8))
        return WXW_EFAULT;
    if (clock_gettime(id, &ts) != 0)
        return wxw_errno(errno);
    return wxw_store64(c, WXW_U32(a[2]), ns(&ts));
}

/* -------------------------------------------------------------- others */

uint32_t wxw_fn_random_get(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t len = WXW_U32(a[1]);
    uint8_t *p = wxw_mem(c, WXW_U32(a[0]), len);
    if (!p)
        return WXW_EFAULT;
    size_t done = 0;
    while (done < len) {
        ssize_t k = getrandom(p + done, len - done, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return wxw_errno(errno);
        }
        done += (size_t)k;
    }
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_sched_yield(wxw_call *c, const wx_wasm_val *a)
{
    (void)c, (void)a;
    sched_yield();
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_proc_exit(wxw_call *c, const wx_wasm_val *a)
{
    c->exit_code = a[0].of.i32;
    return WXW_EXIT;
}

uint32_t wxw_fn_enosys(wxw_call *c, const wx_wasm_val *a)
{
    (void)c, (void)a;
    return WXW_ENOSYS;
}

/* sock_accept, sock_recv, sock_send, sock_shutdown: no socket is ever
 * handed to a guest, so every open descriptor is something else
 * (ENOTSOCK), as the host's own calls answer for a file; a number that is
 * not open at all is EBADF, as for every other fd function. The fd comes
 * first in all four. */
uint32_t wxw_fn_notsock(wxw_call *c, const wx_wasm_val *a)
{
    return wxw_fd_get(c->ctx, a[0].of.i32) ? WXW_ENOTSOCK : WXW_EBADF;
}
