/*
 * Per-instance contexts through one shared linker (the framework's pool
 * case): each instance sees its own args, output and fd table; unbound
 * instances fail cleanly; reactors are initialised once; `_start` as the
 * init entry; many threads calling at once.
 *
 * Usage: test_binder GUEST_DIR
 */
#include "wasi_test.h"

#include <pthread.h>

#define NINST 4

static int32_t call_i(wx_instance *inst, const char *name, wx_status *s)
{
    wx_wasm_val r;
    wx_error err;
    wx_wasm_func *f = wx_instance_func(inst, name);
    if (!f) {
        *s = WX_ENOEXPORT;
        return -1;
    }
    *s = wx_call(f, NULL, 0, &r, 1, &err);
    return *s == WX_OK ? r.of.i32 : -1;
}

typedef struct worker {
    wx_instance *inst;
    int32_t want;
    int bad;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 2000; i++) {
        wx_status s;
        if (call_i(w->inst, "argc", &s) != w->want)
            w->bad++;
    }
    return NULL;
}

static void test_shared(void)
{
    wx_module *m = load_guest("reactor.wasm");
    if (!m)
        return;
    tree t;
    tree_make(&t);
    char p[512];
    snprintf(p, sizeof p, "%s/file.txt", t.sandbox);
    put_file(p, "file");
    wx_error err;
    wxw_binder *b = wxw_binder_new(&err);
    wx_linker *l = wx_linker_new(&err);
    CHECK(b && l && wxw_define_shared(l, m, b, &err) == WX_OK);
    wx_instance *inst[NINST];
    static const char *const names[] = {"inst0", "inst1", "inst2", "inst3",
                                        "x",     "y",     "z"};
    const wxw_kv pre[] = {{"/data", t.sandbox}};
    for (int i = 0; i < NINST; i++) {
        inst[i] = wx_instantiate(m, l, NULL, &err);
        CHECK_MSG(inst[i] != NULL, "%s", err.message);
        if (!inst[i])
            return;
        /* Instance i gets i + 1 arguments, its name first. */
        const char *args[NINST];
        args[0] = names[i];
        for (int k = 1; k <= i; k++)
            args[k] = names[4 + (k - 1) % 3];
        wxw_opts o;
        memset(&o, 0, sizeof o);
        o.nargs = (size_t)i + 1;
        o.args = args;
        o.npreopens = 1;
        o.preopens = pre;
        wxw_ctx *ctx = wxw_ctx_new(&o, &err);
        CHECK(ctx && wxw_bind(b, inst[i], ctx, &err) == WX_OK);
        CHECK(wxw_binder_ctx(b, inst[i]) == ctx);
        CHECK(wxw_init_instance(inst[i], WXW_INIT_AUTO, &err) == WX_OK);
    }
    for (int i = 0; i < NINST; i++) {
        wx_status s;
        CHECK(call_i(inst[i], "inits", &s) == 1);
        CHECK_MSG(call_i(inst[i], "argc", &s) == i + 1, "argc of %d", i);
        CHECK(call_i(inst[i], "hello", &s) == 0);
        /* Separate fd tables: the same first free number everywhere. */
        CHECK(call_i(inst[i], "open_keep", &s) == 4);
        CHECK(call_i(inst[i], "open_keep", &s) == 5);
    }
    for (int i = 0; i < NINST; i++) {
        capture cap = {0};
        CHECK(wxw_ctx_drain(wxw_binder_ctx(b, inst[i]), capture_drain, &cap) ==
              1);
        char want[64];
        snprintf(want, sizeof want, "hello from inst%d\n", i);
        CHECK_MSG(strcmp(captured(&cap, 1), want) == 0, "instance %d: %s", i,
                  captured(&cap, 1));
        capture_free(&cap);
    }
    /* Threads, one per instance, all looking up the binder at once. */
    pthread_t th[NINST];
    worker w[NINST];
    for (int i = 0; i < NINST; i++) {
        w[i] = (worker){inst[i], i + 1, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < NINST; i++) {
        pthread_join(th[i], NULL);
        CHECK(w[i].bad == 0);
    }
    /* proc_exit in a reactor export. */
    wx_wasm_func *quit = wx_instance_func(inst[0], "quit");
    wx_wasm_val code = wx_wasm_i32(42);
    memset(&err, 0, sizeof err);
    CHECK(wx_call(quit, &code, 1, NULL, 0, &err) == WX_EEXIT &&
          err.exit_code == 42);
    /* Unbound: a clean host error, not a crash; bound again: works. */
    wxw_unbind(b, inst[1]);
    CHECK(wxw_binder_ctx(b, inst[1]) == NULL);
    wx_status s;
    CHECK(call_i(inst[1], "argc", &s) == -1 && s == WX_EHOST);
    wxw_unbind(b, inst[1]); /* twice: nothing */
    CHECK(wxw_bind(b, inst[1], wxw_ctx_new(NULL, &err), &err) == WX_OK);
    CHECK(call_i(inst[1], "argc", &s) == 0 && s == WX_OK);
    /* Binding again replaces (and frees) the old context. */
    CHECK(wxw_bind(b, inst[1], wxw_ctx_new(NULL, &err), &err) == WX_OK);
    CHECK(wxw_bind(b, NULL, NULL, &err) == WX_EARG);
    /* Others unaffected by the unbind's reshuffling. */
    for (int i = 0; i < NINST; i++)
        if (i != 1)
            CHECK(call_i(inst[i], "argc", &s) == i + 1);
    /* Many binds and unbinds: the table grows and shrinks. */
    wx_instance *extra[40];
    for (int i = 0; i < 40; i++) {
        extra[i] = wx_instantiate(m, l, NULL, &err);
        CHECK(extra[i] &&
              wxw_bind(b, extra[i], wxw_ctx_new(NULL, &err), &err) == WX_OK);
    }
    for (int i = 0; i < 40; i += 2) {
        wxw_unbind(b, extra[i]);
        wx_instance_free(extra[i]);
    }
    for (int i = 1; i < 40; i += 2)
        CHECK(call_i(extra[i], "argc", &s) == 0 && s == WX_OK);
    for (int i = 0; i < NINST; i++)
        if (i != 1)
            CHECK(call_i(inst[i], "argc", &s) == i + 1);
    for (int i = 1; i < 40; i += 2)
        wx_instance_free(extra[i]); /* left bound: freed with the binder */
    for (int i = 0; i < NINST; i++)
        wx_instance_free(inst[i]);
    wxw_binder_free(b);
    wx_linker_free(l);
    tree_free(&t);
    wx_module_free(m);
}

/* wxw_init_instance's modes on a reactor and on a command. */
static void test_init_modes(void)
{
    wx_module *r = load_guest("reactor.wasm");
    wx_module *c = load_guest("conform.wasm");
    if (!r || !c)
        return;
    wx_error err;
    static const char *const ok_args[] = {"conform", "exit", "0"};
    static const char *const bad_args[] = {"conform", "exit", "42"};
    static const char *const trap_args[] = {"conform", "nosuchtest"};
    for (int k = 0; k < 3; k++) {
        wxw_opts o;
        memset(&o, 0, sizeof o);
        o.nargs = k == 2 ? 2 : 3;
        o.args = k == 0 ? ok_args : k == 1 ? bad_args : trap_args;
        wxw_ctx *ctx = wxw_ctx_new(&o, &err);
        wx_linker *l = wx_linker_new(&err);
        CHECK(wxw_define(l, c, ctx, &err) == WX_OK);
        wx_instance *inst = wx_instantiate(c, l, NULL, &err);
        CHECK(inst != NULL);
        memset(&err, 0, sizeof err);
        wx_status s = wxw_init_instance(inst, WXW_INIT_START, &err);
        if (k == 0)
            CHECK_MSG(s == WX_OK, "%s", err.message);
        else
            CHECK_MSG(s == WX_EEXIT && err.exit_code == (k == 1 ? 42 : 100) &&
                          strncmp(err.message, "_start: ", 8) == 0,
                      "%s %d %s", wx_status_name(s), err.exit_code,
                      err.message);
        /* A command has no _initialize. */
        CHECK(wxw_init_instance(inst, WXW_INIT_AUTO, &err) == WX_OK);
        CHECK(wxw_init_instance(inst, WXW_INIT_NONE, &err) == WX_OK);
        CHECK(wxw_init_instance(inst, WXW_INIT_INITIALIZE, &err) ==
              WX_ENOEXPORT);
        wx_instance_free(inst);
        wx_linker_free(l);
        wxw_ctx_free(ctx);
    }
    /* A reactor has no _start. */
    wxw_ctx *ctx = wxw_ctx_new(NULL, &err);
    wx_linker *l = wx_linker_new(&err);
    CHECK(wxw_define(l, r, ctx, &err) == WX_OK);
    wx_instance *inst = wx_instantiate(r, l, NULL, &err);
    CHECK(wxw_init_instance(inst, WXW_INIT_START, &err) == WX_ENOEXPORT);
    CHECK(wxw_init_instance(inst, WXW_INIT_INITIALIZE, &err) == WX_OK);
    wx_status s;
    CHECK(call_i(inst, "inits", &s) == 1);
    int code;
    CHECK(wxw_start(inst, &code, &err) == WX_ENOEXPORT);
    CHECK(wxw_init_instance(NULL, WXW_INIT_AUTO, &err) == WX_EARG);
    wx_instance_free(inst);
    wx_linker_free(l);
    wxw_ctx_free(ctx);
    wx_module_free(r);
    wx_module_free(c);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    test_shared();
    test_init_modes();
    return CHECK_DONE();
}
