/*
 * The minimal WASI: fd_write to the output callback, empty environment
 * and arguments, random_get, clock_time_get, proc_exit, ENOSYS stubs for
 * whatever else a module imports, bad guest pointers answered with
 * EFAULT, and names already in the linker left alone.
 */
#include "abi_test.h"

static const char *dir;

static char out[256];
static size_t out_len;
static int out_fd;

static void capture(int fd, const uint8_t *data, size_t len, void *ud)
{
    (void)ud;
    out_fd = fd;
    if (len > sizeof out - 1 - out_len)
        len = sizeof out - 1 - out_len;
    memcpy(out + out_len, data, len);
    out_len += len;
    out[out_len] = '\0';
}

static const wxa_wasi_min_opts opts = {capture, NULL};

static int64_t call1(guest *g, const char *name, int32_t arg, bool has_arg)
{
    wx_wasm_func *f = wx_instance_func(g->inst, name);
    wx_wasm_val a = wx_wasm_i32(arg), r;
    r.of.i64 = -1;
    if (!f)
        return -1000;
    size_t nres = wx_wasm_func_type(f)->nresults;
    if (wx_call(f, &a, has_arg ? 1 : 0, &r, nres, NULL) != WX_OK)
        return -2000;
    return wx_wasm_func_type(f)->results[0] == WX_I64 ? r.of.i64 : r.of.i32;
}

static void test_calls(void)
{
    guest g;
    if (!guest_open_opts(&g, dir, "wasi.wasm", &opts)) {
        CHECK(!"wasi.wasm");
        return;
    }
    CHECK(call1(&g, "write", 1, true) == 0);
    CHECK(call1(&g, "nwritten", 0, false) == 12);
    CHECK_STR(out, "hello, wasi\n");
    CHECK(out_fd == 1);
    out_len = 0;
    CHECK(call1(&g, "write", 2, true) == 0 && out_fd == 2);
    CHECK(call1(&g, "write", 5, true) == 8);       /* EBADF */
    CHECK(call1(&g, "write_bad", 0, false) == 21); /* EFAULT */
    CHECK(call1(&g, "write_bad_iovs", 0, false) == 21);
    CHECK(out_len == 12);

    CHECK(call1(&g, "env_sizes", 0, false) == 0);
    CHECK(call1(&g, "load", 400, true) == 0 &&
          call1(&g, "load", 404, true) == 0);
    CHECK(call1(&g, "args_sizes", 0, false) == 21); /* size_ptr at the end */

    CHECK(call1(&g, "random", 64, true) == 0);
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero += call1(&g, "load", 1000 + 4 * i, true) != 0;
    CHECK(nonzero > 0);
    CHECK(call1(&g, "random_bad", 0, false) == 21);

    CHECK(call1(&g, "clock", 1, true) == 0);
    CHECK(call1(&g, "clock_value", 0, false) > 0);
    CHECK(call1(&g, "clock", 0, true) == 0);
    CHECK(call1(&g, "clock_value", 0, false) >
          INT64_C(1600000000) * 1000000000);
    CHECK(call1(&g, "clock", 9, true) == 28); /* EINVAL */

    CHECK(call1(&g, "open", 0, false) == 52); /* ENOSYS stubs */
    CHECK(call1(&g, "close", 0, false) == 52);

    /* proc_exit ends the call with the code. */
    wx_wasm_func *f = wx_instance_func(g.inst, "exit");
    wx_wasm_val code = wx_wasm_i32(3);
    wx_error err;
    CHECK(wx_call(f, &code, 1, NULL, 0, &err) == WX_EEXIT);
    CHECK(err.exit_code == 3);
    CHECK_STR(err.message, "guest exited with code 3 (proc_exit)");
    guest_close(&g);
}

static wx_status my_fd_close(wx_host_ctx *ctx, const wx_wasm_val *args,
                             wx_wasm_val *results, void *env)
{
    (void)ctx, (void)args, (void)env;
    results[0] = wx_wasm_i32(0);
    return WX_OK;
}

static void test_linking(void)
{
    /* A name the linker already has stays as it is; calling again adds
     * nothing twice; no module means the core set only. */
    wx_error err;
    wx_module *m = guest_load(dir, "wasi.wasm");
    wx_linker *l = wx_linker_new(&err);
    static const wx_valtype one_i32[] = {WX_I32};
    wx_functype t = {1, 1, one_i32, one_i32};
    CHECK(wx_linker_define_func(l, "wasi_snapshot_preview1", "fd_close", &t,
                                my_fd_close, NULL, &err) == WX_OK);
    CHECK(wxa_linker_add_wasi_min(l, NULL, NULL, &err) == WX_OK);
    CHECK(!wx_linker_lookup(l, "wasi_snapshot_preview1", "path_open", NULL));
    CHECK(wxa_linker_add_wasi_min(l, m, NULL, &err) == WX_OK);
    CHECK(wxa_linker_add_wasi_min(l, m, NULL, &err) == WX_OK);
    CHECK(wx_linker_lookup(l, "wasi_snapshot_preview1", "path_open", NULL));
    guest g = {.m = m, .l = l};
    g.inst = wx_instantiate(m, l, NULL, &err);
    CHECK(g.inst != NULL);
    if (g.inst) {
        CHECK(call1(&g, "close", 0, false) == 0);
        CHECK(call1(&g, "write", 1, true) == 0); /* no callback: dropped */
        wx_instance_free(g.inst);
    }
    wx_linker_free(l);
    wx_module_free(m);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    test_calls();
    test_linking();
    return CHECK_DONE();
}
