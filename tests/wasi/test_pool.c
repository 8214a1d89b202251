/*
 * WASI under the framework's instance pool (src/vm), wired as
 * docs/wasi.md tells the framework to: one linker with the shared
 * definitions, a context bound to each fresh instance by the pool's
 * on_instance hook (which also runs `_initialize`), output drained after
 * each call through the lease. An instance that exits is replaced, and
 * its replacement gets a fresh context.
 *
 * Usage: test_pool GUEST_DIR
 */
#include "wasi_test.h"

#include "pool.h"

typedef struct plugin {
    wxw_binder *wasi;
    wxw_opts opts;
    int created;
} plugin;

static wx_status on_instance(wx_instance *inst, void *ud, wx_error *err)
{
    plugin *p = ud;
    wxw_ctx *ctx = wxw_ctx_new(&p->opts, err);
    if (!ctx || wxw_bind(p->wasi, inst, ctx, err) != WX_OK)
        return err->status;
    wx_status s = wxw_init_instance(inst, WXW_INIT_AUTO, err);
    if (s != WX_OK)
        wxw_unbind(p->wasi, inst); /* the pool frees the instance */
    p->created++;
    return s;
}

/* One call on a lease, then its output drained. */
static int32_t call_drain(wxv_pool *pool, plugin *p, const char *name,
                          const wx_wasm_val *args, size_t nargs, capture *cap,
                          wx_status *st)
{
    wx_error err;
    wxv_lease lease;
    uint32_t index;
    int32_t out = -1;
    *st = wxv_pool_func_index(pool, name, &index, &err);
    if (*st != WX_OK || (*st = wxv_pool_checkout(pool, &lease, &err)))
        return -1;
    wx_wasm_func *f = wxv_lease_func(&lease, pool, index);
    wx_wasm_val r;
    size_t nr = wx_wasm_func_type(f)->nresults;
    *st = wx_call(f, args, nargs, &r, nr, &err);
    if (*st == WX_OK && nr)
        out = r.of.i32;
    wxw_ctx_drain(wxw_binder_ctx(p->wasi, lease.instance), capture_drain, cap);
    *st = wxv_pool_return(pool, &lease, *st, &err);
    return out;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    wx_module *m = load_guest("reactor.wasm");
    if (!m)
        return CHECK_DONE();
    wx_error err;
    plugin p;
    memset(&p, 0, sizeof p);
    p.wasi = wxw_binder_new(&err);
    static const char *const args[] = {"plugin", "x"};
    p.opts.nargs = 2;
    p.opts.args = args;
    wx_linker *l = wx_linker_new(&err);
    CHECK(wxw_define_shared(l, m, p.wasi, &err) == WX_OK);
    wxv_pool_opts po;
    memset(&po, 0, sizeof po);
    po.instance_num = 3;
    po.on_instance = on_instance;
    po.ud = &p;
    wxv_pool *pool = wxv_pool_new(m, l, &po, &err);
    CHECK_MSG(pool != NULL, "%s", err.message);
    if (!pool)
        return CHECK_DONE();
    CHECK(p.created == 3);
    wx_status s;
    capture cap = {0};
    for (int i = 0; i < 6; i++) {
        CHECK(call_drain(pool, &p, "argc", NULL, 0, &cap, &s) == 2 &&
              s == WX_OK);
        CHECK(call_drain(pool, &p, "inits", NULL, 0, &cap, &s) == 1);
        CHECK(call_drain(pool, &p, "hello", NULL, 0, &cap, &s) == 0);
    }
    CHECK_MSG(cap.len[1] == 6 * strlen("hello from plugin\n"), "%s",
              captured(&cap, 1));
    capture_free(&cap);
    /* proc_exit: the call fails with the exit, the instance is replaced
     * and the replacement has a context of its own. */
    wx_wasm_val code = wx_wasm_i32(3);
    call_drain(pool, &p, "quit", &code, 1, &cap, &s);
    CHECK_MSG(s == WX_EEXIT, "quit: %s", wx_status_name(s));
    for (int i = 0; i < 6; i++)
        CHECK(call_drain(pool, &p, "argc", NULL, 0, &cap, &s) == 2 &&
              s == WX_OK);
    CHECK(p.created == 4);
    capture_free(&cap);
    wxv_pool_release(pool);
    /* Contexts of instances the pool freed without telling us go with
     * the binder. */
    wxw_binder_free(p.wasi);
    wx_linker_free(l);
    wx_module_free(m);
    return CHECK_DONE();
}
