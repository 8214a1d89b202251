/*
 * The wasi_snapshot_preview1 module: the list of functions with their
 * wasm types, the dispatcher that turns each into an engine host function,
 * contexts, and the definition of it all in a linker.
 *
 * Every host function has the same shape: find the context (carried by
 * the function, or looked up in a binder), take a view of the caller's
 * memory, run the implementation, store the errno it returns. One
 * dispatcher does that for all of them, so the checks cannot differ from
 * one function to the next.
 */
#include "wasi_internal.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * Every function: name, parameter types ('i' i32, 'I' i64), and whether
 * it returns an errno (all but proc_exit). Unprovided ones map to enosys,
 * with their real type so that a module importing them links; the sock_*
 * calls map to notsock, since no descriptor is ever a socket.
 */
#define WXW_FUNCS(X)                                                          \
    X(args_get, args_get, "ii", 1)                                            \
    X(args_sizes_get, args_sizes_get, "ii", 1)                                \
    X(environ_get, environ_get, "ii", 1)                                      \
    X(environ_sizes_get, environ_sizes_get, "ii", 1)                          \
    X(clock_res_get, clock_res_get, "ii", 1)                                  \
    X(clock_time_get, clock_time_get, "iIi", 1)                               \
    X(fd_advise, fd_advise, "iIIi", 1)                                        \
    X(fd_allocate, fd_allocate, "iII", 1)                                     \
    X(fd_close, fd_close, "i", 1)                                             \
    X(fd_datasync, fd_datasync, "i", 1)                                       \
    X(fd_fdstat_get, fd_fdstat_get, "ii", 1)                                  \
    X(fd_fdstat_set_flags, fd_fdstat_set_flags, "ii", 1)                      \
    X(fd_fdstat_set_rights, fd_fdstat_set_rights, "iII", 1)                   \
    X(fd_filestat_get, fd_filestat_get, "ii", 1)                              \
    X(fd_filestat_set_size, fd_filestat_set_size, "iI", 1)                    \
    X(fd_filestat_set_times, fd_filestat_set_times, "iIIi", 1)                \
    X(fd_pread, fd_pread, "iiiIi", 1)                                         \
    X(fd_prestat_get, fd_prestat_get, "ii", 1)                                \
    X(fd_prestat_dir_name, fd_prestat_dir_name, "iii", 1)                     \
    X(fd_pwrite, fd_pwrite, "iiiIi", 1)                                       \
    X(fd_read, fd_read, "iiii", 1)                                            \
    X(fd_readdir, fd_readdir, "iiiIi", 1)                                     \
    X(fd_renumber, fd_renumber, "ii", 1)                                      \
    X(fd_seek, fd_seek, "iIii", 1)                                            \
    X(fd_sync, fd_sync, "i", 1)                                               \
    X(fd_tell, fd_tell, "ii", 1)                                              \
    X(fd_write, fd_write, "iiii", 1)                                          \
    X(path_create_directory, path_create_directory, "iii", 1)                 \
    X(path_filestat_get, path_filestat_get, "iiiii", 1)                       \
    X(path_filestat_set_times, path_filestat_set_times, "iiiiIIi", 1)         \
    X(path_link, path_link, "iiiiiii", 1)                                     \
    X(path_open, path_open, "iiiiiIIii", 1)                                   \
    X(path_readlink, path_readlink, "iiiiii", 1)                              \
    X(path_remove_directory, path_remove_directory, "iii", 1)                 \
    X(path_rename, path_rename, "iiiiii", 1)                                  \
    X(path_symlink, path_symlink, "iiiii", 1)                                 \
    X(path_unlink_file, path_unlink_file, "iii", 1)                           \
    X(poll_oneoff, poll_oneoff, "iiii", 1)                                    \
    X(proc_exit, proc_exit, "i", 0)                                           \
    X(proc_raise, enosys, "i", 1)                                             \
    X(sched_yield, sched_yield, "", 1)                                        \
    X(random_get, random_get, "ii", 1)                                        \
    X(sock_accept, notsock, "iii", 1)                                         \
    X(sock_recv, notsock, "iiiiii", 1)                                        \
    X(sock_send, notsock, "iiiii", 1)                                         \
    X(sock_shutdown, notsock, "ii", 1)

/* ------------------------------------------------------------ bindings */

/* A context with its binding: the env of wxw_define()'s functions. */
typedef struct wxw_ctx_block {
    wxw_ctx ctx;
    wxw_binding binding;
} wxw_ctx_block;

/* ---------------------------------------------------------- dispatcher */

static wx_status no_context(wx_host_ctx *h)
{
    return wx_error_set(wx_host_error(h), WX_EHOST,
                        "WASI: no context bound to this instance");
}

typedef uint32_t (*wxw_impl)(wxw_call *c, const wx_wasm_val *a);

static inline wx_status dispatch(wx_host_ctx *h, const wx_wasm_val *args,
                                 wx_wasm_val *results, void *env, wxw_impl impl)
{
    const wxw_binding *b = env;
    wxw_call c;
    c.ctx = b->ctx;
    c.host = h;
    if (!c.ctx) {
        wx_instance *inst = wx_host_instance(h);
        c.ctx = inst ? wxw_binder_find_(b->binder, inst) : NULL;
        if (!c.ctx)
            return no_context(h);
    }
    wx_memory *mem = wx_host_memory(h);
    c.mem = mem ? wx_memory_data(mem) : NULL;
    c.size = mem ? wx_memory_size(mem) : 0;
    c.exit_code = 0;
    uint32_t e = impl(&c, args);
    if (e == WXW_EXIT) {
        wx_error *err = wx_host_error(h);
        wx_error_set(err, WX_EEXIT, "guest exited with code %d (proc_exit)",
                     c.exit_code);
        if (err)
            err->exit_code = c.exit_code;
        return WX_EEXIT;
    }
    if (e == WXW_INTERRUPTED)
        return wx_error_set(wx_host_error(h), WX_EINTERRUPTED,
                            "call interrupted while waiting in the host");
    if (results)
        results[0] = wx_wasm_i32((int32_t)e);
    return WX_OK;
}

#define WXW_HOST_(name, impl, sig, ret)                                       \
    static wx_status host_##name(wx_host_ctx *h, const wx_wasm_val *args,          \
                                 wx_wasm_val *results, void *env)                  \
    {                                                                         \
        return dispatch(h, args, ret ? results : NULL, env, wxw_fn_##impl);   \
    }
WXW_FUNCS(WXW_HOST_)
#undef WXW_HOST_

typedef struct wxw_fn_desc {
    const char *name;
    const char *sig;
    bool ret;
    wx_host_fn fn;
} wxw_fn_desc;

static const wxw_fn_desc wxw_fn_table[] = {
#define WXW_DESC_(name, impl, sig, ret) {#name, sig, ret, host_##name},
    WXW_FUNCS(WXW_DESC_)
#undef WXW_DESC_
};
#define WXW_NFUNCS (sizeof wxw_fn_table / sizeof wxw_fn_table[0])

/* For preview1 names this host does not know at all, typed as imported:
 * the env says whether the first result is an i32 errno. */
static const wxw_binding enosys_errno, enosys_void;

static wx_status host_unknown(wx_host_ctx *h, const wx_wasm_val *args,
                              wx_wasm_val *results, void *env)
{
    (void)h, (void)args;
    if (env == &enosys_errno)
        results[0] = wx_wasm_i32(WXW_ENOSYS);
    return WX_OK;
}

static bool known(const char *name)
{
    for (size_t i = 0; i < WXW_NFUNCS; i++)
        if (strcmp(wxw_fn_table[i].name, name) == 0)
            return true;
    return false;
}

static wx_status define_all(wx_linker *l, const wx_module *m,
                            wxw_binding *binding, wx_error *err)
{
    static const wx_valtype i32_result[] = {WX_I32};
    if (!l)
        return wx_error_set(err, WX_EARG, "WASI: missing linker");
    for (size_t i = 0; i < WXW_NFUNCS; i++) {
        const wxw_fn_desc *d = &wxw_fn_table[i];
        wx_valtype params[16];
        uint32_t n = 0;
        for (const char *s = d->sig; *s; s++)
            params[n++] = *s == 'I' ? WX_I64 : WX_I32;
        wx_functype t = {n, d->ret ? 1 : 0, params,
                         d->ret ? i32_result : NULL};
        wx_status s = wx_linker_define_func(l, WXW_MODULE, d->name, &t, d->fn,
                                            binding, err);
        if (s != WX_OK)
            return s;
    }
    uint32_t n = m ? wx_module_import_count(m) : 0;
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_import(m, i, &d) || d.kind != WX_EXTERN_FUNC ||
            strcmp(d.module, WXW_MODULE) != 0 || known(d.name))
            continue;
        /* Every preview1 function returns an errno or nothing; another
         * result type is no WASI function at all, and is left missing
         * (unlinkable) rather than given an invented value. */
        bool errno_result =
            d.func.nresults == 1 && d.func.results[0] == WX_I32;
        if (!errno_result && d.func.nresults != 0)
            continue;
        void *env = (void *)(errno_result ? &enosys_errno : &enosys_void);
        wx_status s = wx_linker_define_func(l, WXW_MODULE, d.name, &d.func,
                                            host_unknown, env, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

wx_status wxw_define(wx_linker *l, const wx_module *m, wxw_ctx *ctx,
                     wx_error *err)
{
    if (!ctx)
        return wx_error_set(err, WX_EARG, "WASI: missing context");
    wxw_ctx_block *blk = (wxw_ctx_block *)ctx;
    return define_all(l, m, &blk->binding, err);
}

wx_status wxw_define_shared(wx_linker *l, const wx_module *m, wxw_binder *b,
                            wx_error *err)
{
    if (!b)
        return wx_error_set(err, WX_EARG, "WASI: missing binder");
    return define_all(l, m, wxw_binder_binding_(b), err);
}

/* ------------------------------------------------------------ contexts */

/*
 * Packs strings back to back, each NUL-terminated, as args_get and
 * environ_get copy them out: `key` alone, or "key=value" when vals is not
 * NULL.
 */
static char *pack(size_t n, const char *(*key)(const wxw_opts *, size_t),
                  const char *(*val)(const wxw_opts *, size_t),
                  const wxw_opts *o, size_t *size)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(key(o, i)) + 1 + (val ? strlen(val(o, i)) + 1 : 0);
    char *buf = malloc(total ? total : 1);
    if (!buf)
        return NULL;
    char *p = buf;
    for (size_t i = 0; i < n; i++) {
        p = stpcpy(p, key(o, i));
        if (val) {
            *p++ = '=';
            p = stpcpy(p, val(o, i));
        }
        p++;
    }
    *size = total;
    return buf;
}

static const char *arg_at(const wxw_opts *o, size_t i)
{
    return o->args[i];
}

static const char *env_key(const wxw_opts *o, size_t i)
{
    return o->env[i].key;
}

static const char *env_value(const wxw_opts *o, size_t i)
{
    return o->env[i].value;
}

static wx_status check_opts(const wxw_opts *o, wx_error *err)
{
    if ((o->nargs && !o->args) || (o->nenv && !o->env) ||
        (o->npreopens && !o->preopens))
        return wx_error_set(err, WX_EARG, "WASI: a list has no items");
    /* WASI sizes are u32: keep the counts far below that. */
    if (o->nargs > 65536 || o->nenv > 65536)
        return wx_error_set(err, WX_EARG, "WASI: too many args or env");
    for (size_t i = 0; i < o->nargs; i++)
        if (!o->args[i])
            return wx_error_set(err, WX_EARG, "wasi.args[%zu] is NULL", i);
    for (size_t i = 0; i < o->nenv; i++) {
        if (!o->env[i].key || !o->env[i].value)
            return wx_error_set(err, WX_EARG, "wasi.env[%zu] is NULL", i);
        if (!o->env[i].key[0] || strchr(o->env[i].key, '='))
            return wx_error_set(err, WX_EARG,
                                "wasi.env: key \"%s\" is empty or has '='",
                                o->env[i].key);
    }
    for (int s = 0; s < 2; s++) {
        wxw_output m = s ? o->err : o->out;
        if ((unsigned)m > WXW_OUTPUT_LINES)
            return wx_error_set(err, WX_EARG, "WASI: bad output mode %d",
                                (int)m);
        if (m == WXW_OUTPUT_CALLBACK && !o->on_output)
            return wx_error_set(err, WX_EARG,
                                "WASI: output mode callback without "
                                "on_output");
        if (m == WXW_OUTPUT_LINES && !o->on_line)
            return wx_error_set(err, WX_EARG,
                                "WASI: output mode lines without on_line");
    }
    if ((unsigned)o->in > WXW_INPUT_BUFFER ||
        (o->in == WXW_INPUT_BUFFER && o->stdin_len && !o->stdin_data))
        return wx_error_set(err, WX_EARG, "WASI: bad stdin option");
    return WX_OK;
}

static wx_status ctx_fill(wxw_ctx *ctx, const wxw_opts *o, wx_error *err)
{
    ctx->nargs = (uint32_t)o->nargs;
    ctx->args = pack(o->nargs, arg_at, NULL, o, &ctx->args_size);
    ctx->nenv = (uint32_t)o->nenv;
    ctx->env = pack(o->nenv, env_key, env_value, o, &ctx->env_size);
    if (!ctx->args || !ctx->env)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    if (ctx->args_size > UINT32_MAX / 2 || ctx->env_size > UINT32_MAX / 2)
        return wx_error_set(err, WX_EARG, "WASI: args or env too large");
    ctx->in = o->in;
    if (o->in == WXW_INPUT_BUFFER && o->stdin_len) {
        ctx->stdin_data = malloc(o->stdin_len);
        if (!ctx->stdin_data)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        memcpy(ctx->stdin_data, o->stdin_data, o->stdin_len);
        ctx->stdin_len = o->stdin_len;
    }
    ctx->out[1] = o->out;
    ctx->out[2] = o->err;
    for (int s = 1; s <= 2; s++)
        ctx->log[s].limit =
            ctx->out[s] == WXW_OUTPUT_LINES
                ? (o->line_max ? o->line_max : WXW_DEFAULT_LINE_MAX)
                : (o->log_limit ? o->log_limit : WXW_DEFAULT_LOG_LIMIT);
    ctx->on_output = o->on_output;
    ctx->on_line = o->on_line;
    ctx->ud = o->ud;
    ctx->flags = o->flags;
    ctx->max_fds = o->max_fds ? o->max_fds : WX_DEFAULT_MAX_FDS;
    return wxw_fd_table_init(ctx, o, err);
}

wxw_ctx *wxw_ctx_new(const wxw_opts *opts, wx_error *err)
{
    static const wxw_opts none;
    const wxw_opts *o = opts ? opts : &none;
    if (check_opts(o, err) != WX_OK)
        return NULL;
    wxw_ctx_block *blk = calloc(1, sizeof *blk);
    if (!blk) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    blk->binding.ctx = &blk->ctx;
    if (ctx_fill(&blk->ctx, o, err) != WX_OK) {
        wxw_ctx_free(&blk->ctx);
        return NULL;
    }
    return &blk->ctx;
}

void wxw_ctx_free(wxw_ctx *ctx)
{
    if (!ctx)
        return;
    wxw_fd_table_free(ctx);
    wxw_output_free(ctx);
    free(ctx->walk);
    free(ctx->args);
    free(ctx->env);
    free(ctx->stdin_data);
    free((wxw_ctx_block *)ctx);
}
