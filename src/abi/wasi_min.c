/*
 * A minimal wasi_snapshot_preview1: just enough for modules built by
 * standard toolchains to link and run pure functions. Rust's wasm32-wasi
 * std imports fd_write, environ_* and proc_exit even when nothing calls
 * them; TinyGo imports fd_write; wasi-libc adds more. Every function here
 * treats guest pointers as untrusted: a bad one gets errno EFAULT, never
 * a host crash.
 *
 * Temporary: src/host/wasi.c (the full, capability-based WASI) replaces
 * this file.
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WASI_MODULE "wasi_snapshot_preview1"

/* WASI errno values. */
enum {
    WASI_ESUCCESS = 0,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOSYS = 52,
};

/* The calling instance's memory, or NULL. */
static bool host_mem(wx_host_ctx *ctx, wxai_mem *m)
{
    m->mem = wx_host_memory(ctx);
    if (!m->mem)
        return false;
    wxai_mem_refresh(m);
    return true;
}

static wx_status ret_errno(wx_wasm_val *results, int e)
{
    results[0] = wx_wasm_i32(e);
    return WX_OK;
}

/* Stores little-endian u32 values at ptr; false if outside memory. */
static bool store_u32s(wx_host_ctx *ctx, uint32_t ptr, const uint32_t *v,
                       size_t n)
{
    wxai_mem m;
    if (!host_mem(ctx, &m) || !wxai_mem_has(&m, ptr, 4 * (uint64_t)n))
        return false;
    for (size_t i = 0; i < n; i++)
        wxai_put_le32(m.base + ptr + 4 * i, v[i]);
    return true;
}

static wx_status fd_write(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    const wxa_wasi_min_opts *opts = env;
    int32_t fd = args[0].of.i32;
    uint32_t iovs = (uint32_t)args[1].of.i32, n = (uint32_t)args[2].of.i32;
    uint32_t nwritten_ptr = (uint32_t)args[3].of.i32;
    if (fd != 1 && fd != 2)
        return ret_errno(results, WASI_EBADF);
    wxai_mem m;
    if (!host_mem(ctx, &m) || !wxai_mem_has(&m, iovs, 8 * (uint64_t)n))
        return ret_errno(results, WASI_EFAULT);
    /* Check every buffer before passing any on, so that a bad vector is
     * an error with nothing written. */
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *iov = m.base + iovs + 8 * (uint64_t)i;
        uint32_t ptr = wxai_le32(iov), len = wxai_le32(iov + 4);
        if (!wxai_mem_has(&m, ptr, len))
            return ret_errno(results, WASI_EFAULT);
        total += len;
    }
    if (total > UINT32_MAX)
        return ret_errno(results, WASI_EINVAL);
    for (uint32_t i = 0; opts && opts->on_output && i < n; i++) {
        const uint8_t *iov = m.base + iovs + 8 * (uint64_t)i;
        uint32_t ptr = wxai_le32(iov), len = wxai_le32(iov + 4);
        if (len)
            opts->on_output(fd, m.base + ptr, len, opts->ud);
    }
    uint32_t written = (uint32_t)total;
    if (!store_u32s(ctx, nwritten_ptr, &written, 1))
        return ret_errno(results, WASI_EFAULT);
    return ret_errno(results, WASI_ESUCCESS);
}

/* environ_sizes_get / args_sizes_get: no variables, no arguments. */
static wx_status sizes_get(wx_host_ctx *ctx, const wx_wasm_val *args,
                           wx_wasm_val *results, void *env)
{
    (void)env;
    const uint32_t zero = 0;
    if (!store_u32s(ctx, (uint32_t)args[0].of.i32, &zero, 1) ||
        !store_u32s(ctx, (uint32_t)args[1].of.i32, &zero, 1))
        return ret_errno(results, WASI_EFAULT);
    return ret_errno(results, WASI_ESUCCESS);
}

/* environ_get / args_get: nothing to write. */
static wx_status list_get(wx_host_ctx *ctx, const wx_wasm_val *args,
                          wx_wasm_val *results, void *env)
{
    (void)ctx, (void)args, (void)env;
    return ret_errno(results, WASI_ESUCCESS);
}

static wx_status proc_exit(wx_host_ctx *ctx, const wx_wasm_val *args,
                           wx_wasm_val *results, void *env)
{
    (void)results, (void)env;
    wx_error *err = wx_host_error(ctx);
    int code = args[0].of.i32;
    wx_error_set(err, WX_EEXIT, "guest exited with code %d (proc_exit)", code);
    if (err)
        err->exit_code = code;
    return WX_EEXIT;
}

static wx_status random_get(wx_host_ctx *ctx, const wx_wasm_val *args,
                            wx_wasm_val *results, void *env)
{
    (void)env;
    uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
    wxai_mem m;
    if (!host_mem(ctx, &m) || !wxai_mem_has(&m, ptr, len))
        return ret_errno(results, WASI_EFAULT);
    uint32_t done = 0;
    while (done < len) {
        ssize_t k = getrandom(m.base + ptr + done, len - done, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return ret_errno(results, WASI_EIO);
        }
        done += (uint32_t)k;
    }
    return ret_errno(results, WASI_ESUCCESS);
}

static bool wasi_clock(int32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return true;
    case 1: *out = CLOCK_MONOTONIC; return true;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

/* Stores a timespec as u64 nanoseconds at ptr. */
static int store_ns(wx_host_ctx *ctx, uint32_t ptr, const struct timespec *ts)
{
    uint64_t ns = (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
    uint32_t parts[2] = {(uint32_t)ns, (uint32_t)(ns >> 32)};
    return store_u32s(ctx, ptr, parts, 2) ? WASI_ESUCCESS : WASI_EFAULT;
}

static wx_status clock_time_get(wx_host_ctx *ctx, const wx_wasm_val *args,
                                wx_wasm_val *results, void *env)
{
    (void)env;
    clockid_t id;
    struct timespec ts;
    if (!wasi_clock(args[0].of.i32, &id))
        return ret_errno(results, WASI_EINVAL);
    if (clock_gettime(id, &ts) != 0)
        return ret_errno(results, WASI_EIO);
    return ret_errno(results, store_ns(ctx, (uint32_t)args[2].of.i32, &ts));
}

static wx_status clock_res_get(wx_host_ctx *ctx, const wx_wasm_val *args,
                               wx_wasm_val *results, void *env)
{
    (void)env;
    clockid_t id;
    struct timespec ts;
    if (!wasi_clock(args[0].of.i32, &id))
        return ret_errno(results, WASI_EINVAL);
    if (clock_getres(id, &ts) != 0)
        return ret_errno(results, WASI_EIO);
    return ret_errno(results, store_ns(ctx, (uint32_t)args[1].of.i32, &ts));
}

static wx_status sched_yield_fn(wx_host_ctx *ctx, const wx_wasm_val *args,
                                wx_wasm_val *results, void *env)
{
    (void)ctx, (void)args, (void)env;
    return ret_errno(results, WASI_ESUCCESS);
}

/* Every other preview1 function: "not implemented". They all return an
 * errno, but a module may import one with another type; the env says
 * whether the first result is an i32 errno (non-NULL) or not. */
static const char returns_errno = 1;

static wx_status enosys(wx_host_ctx *ctx, const wx_wasm_val *args, wx_wasm_val *results,
                        void *env)
{
    (void)ctx, (void)args;
    if (env)
        results[0] = wx_wasm_i32(WASI_ENOSYS);
    return WX_OK;
}

typedef struct wasi_fn {
    const char *name;
    wx_host_fn fn;
    uint32_t nparams;
    wx_valtype params[4];
    uint32_t nresults;
} wasi_fn;

#define I32_ WX_I32
static const wasi_fn wasi_fns[] = {
    {"fd_write", fd_write, 4, {I32_, I32_, I32_, I32_}, 1},
    {"environ_get", list_get, 2, {I32_, I32_}, 1},
    {"environ_sizes_get", sizes_get, 2, {I32_, I32_}, 1},
    {"args_get", list_get, 2, {I32_, I32_}, 1},
    {"args_sizes_get", sizes_get, 2, {I32_, I32_}, 1},
    {"proc_exit", proc_exit, 1, {I32_}, 0},
    {"random_get", random_get, 2, {I32_, I32_}, 1},
    {"clock_time_get", clock_time_get, 3, {I32_, WX_I64, I32_}, 1},
    {"clock_res_get", clock_res_get, 2, {I32_, I32_}, 1},
    {"sched_yield", sched_yield_fn, 0, {I32_}, 1},
};
#undef I32_

static bool is_core(const char *name)
{
    for (size_t i = 0; i < sizeof wasi_fns / sizeof wasi_fns[0]; i++)
        if (strcmp(wasi_fns[i].name, name) == 0)
            return true;
    return false;
}

wx_status wxa_linker_add_wasi_min(wx_linker *l, const wx_module *m,
                                  const wxa_wasi_min_opts *opts, wx_error *err)
{
    static const wx_valtype i32_result[] = {WX_I32};
    if (!l)
        return wx_error_set(err, WX_EARG, "missing linker");
    for (size_t i = 0; i < sizeof wasi_fns / sizeof wasi_fns[0]; i++) {
        const wasi_fn *w = &wasi_fns[i];
        if (wx_linker_lookup(l, WASI_MODULE, w->name, NULL))
            continue;
        wx_functype t = {w->nparams, w->nresults, w->params,
                         w->nresults ? i32_result : NULL};
        wx_status s = wx_linker_define_func(l, WASI_MODULE, w->name, &t, w->fn,
                                            (void *)opts, err);
        if (s != WX_OK)
            return s;
    }
    uint32_t n = m ? wx_module_import_count(m) : 0;
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_import(m, i, &d) || d.kind != WX_EXTERN_FUNC ||
            strcmp(d.module, WASI_MODULE) != 0 || is_core(d.name) ||
            wx_linker_lookup(l, WASI_MODULE, d.name, NULL))
            continue;
        bool errno_result =
            d.func.nresults >= 1 && d.func.results[0] == WX_I32;
        wx_status s = wx_linker_define_func(
            l, WASI_MODULE, d.name, &d.func, enosys,
            errno_result ? (void *)&returns_errno : NULL, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}
