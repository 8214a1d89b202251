/*
 * Hostile and broken guests: out-of-bounds and wrapping pointers get
 * EFAULT, bad fds EBADF, unprovided functions ENOSYS, and the host goes
 * on (under ASan/UBSan in the sanitizer build, any bad access would fail
 * the test). Also the options the context refuses.
 *
 * Usage: test_hostile GUEST_DIR
 */
#include "wasi_test.h"

typedef struct expect {
    const char *name;
    int32_t errno_;
} expect;

static const expect malicious[] = {
    {"ok_write", 0},
    {"write_iovs_oob", 21},
    {"write_buf_oob", 21},
    {"write_buf_wrap", 21},
    {"write_count_huge", 21},
    {"write_nwritten_oob", 21},
    /* stdout has no seek right: refused before the buffers are read. */
    {"pwrite_file_oob", 76},
    {"read_iovs_oob", 21},
    {"read_buf_oob", 21},
    {"args_get_oob", 21},
    {"args_buf_oob", 21},
    {"args_sizes_oob", 21},
    {"environ_get_oob", 21},
    {"clock_oob", 21},
    {"random_oob", 21},
    {"random_wrap", 21},
    {"path_open_path_oob", 21},
    {"path_open_len_huge", 21},
    {"path_open_out_oob", 21},
    {"prestat_get_oob", 21},
    {"prestat_dir_name_oob", 21},
    {"fdstat_oob", 21},
    {"filestat_oob", 21},
    {"readdir_oob", 21},
    {"readdir_used_oob", 21},
    {"poll_in_oob", 21},
    {"poll_count_huge", 21},
    {"poll_nevents_oob", 21},
    {"path_filestat_oob", 21},
    {"readlink_buf_oob", 21},
    {"symlink_oob", 21},
    {"rename_oob", 21},
    {"mkdir_oob", 21},
    {"bad_fd", 8},
    {"negative_fd", 8},
    {"sock_accept", 57}, /* fd 3, the preopen: open, but no socket */
    {"proc_raise", 52},
    {"unknown", 52},
};

static int32_t call0(wx_instance *inst, const char *name, wx_status *s,
                     wx_error *err)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    CHECK_MSG(f != NULL, "no export %s", name);
    if (!f)
        return -1;
    wx_wasm_val r;
    *s = wx_call(f, NULL, 0, &r, 1, err);
    return *s == WX_OK ? r.of.i32 : -1;
}

static void test_malicious(void)
{
    wx_module *m = load_guest("malicious.wasm");
    if (!m)
        return;
    tree t;
    tree_make(&t);
    const char *const args[] = {"malicious", "arg"};
    wxw_opts o = tree_opts(&t, 2, args);
    const wxw_kv env[] = {{"K", "V"}};
    o.nenv = 1;
    o.env = env;
    wx_error err;
    wxw_ctx *ctx = wxw_ctx_new(&o, &err);
    CHECK_MSG(ctx != NULL, "%s", err.message);
    wx_linker *l = wx_linker_new(&err);
    CHECK(wxw_define(l, m, ctx, &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    for (size_t i = 0; inst && i < sizeof malicious / sizeof *malicious; i++) {
        wx_status s;
        int32_t got = call0(inst, malicious[i].name, &s, &err);
        CHECK_MSG(s == WX_OK && got == malicious[i].errno_,
                  "%s: status %s, errno %d, want %d", malicious[i].name,
                  wx_status_name(s), got, malicious[i].errno_);
    }
    capture cap = {0};
    wxw_ctx_drain(ctx, capture_drain, &cap);
    CHECK_MSG(strcmp(captured(&cap, 1), "hi\n") == 0, "stdout \"%s\"",
              captured(&cap, 1));
    capture_free(&cap);
    wx_instance_free(inst);
    wx_linker_free(l);
    wxw_ctx_free(ctx);
    tree_check_outside(&t, "malicious");
    tree_free(&t);
    wx_module_free(m);
}

/* A module without memory: every pointer is outside it. */
static void test_nomem(void)
{
    wx_module *m = load_guest("nomem.wasm");
    if (!m)
        return;
    wx_error err;
    wxw_ctx *ctx = wxw_ctx_new(NULL, &err);
    wx_linker *l = wx_linker_new(&err);
    CHECK(ctx && wxw_define(l, m, ctx, &err) == WX_OK);
    wx_instance *inst = wx_instantiate(m, l, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        wx_status s;
        CHECK(call0(inst, "write", &s, &err) == 21);
        CHECK(call0(inst, "empty_write", &s, &err) == 21);
        CHECK(call0(inst, "yield", &s, &err) == 0);
        wx_wasm_func *f = wx_instance_func(inst, "exit42");
        memset(&err, 0, sizeof err);
        s = wx_call(f, NULL, 0, NULL, 0, &err);
        CHECK_MSG(
            s == WX_EEXIT && err.exit_code == 42 && err.trap == WX_TRAP_NONE,
            "exit42: %s %d %s", wx_status_name(s), err.exit_code, err.message);
        /* Exiting is not a trap: the instance can be called again. */
        CHECK(call0(inst, "yield", &s, &err) == 0 && s == WX_OK);
    }
    wx_instance_free(inst);
    wx_linker_free(l);
    wxw_ctx_free(ctx);
    wx_module_free(m);
}

/* Host functions called straight through wx_call have no instance: a
 * shared binding finds no context, a fixed one works on no memory. */
static void test_direct_call(void)
{
    wx_error err;
    wxw_binder *b = wxw_binder_new(&err);
    wxw_ctx *ctx = wxw_ctx_new(NULL, &err);
    wx_linker *shared = wx_linker_new(&err), *fixed = wx_linker_new(&err);
    CHECK(wxw_define_shared(shared, NULL, b, &err) == WX_OK);
    CHECK(wxw_define(fixed, NULL, ctx, &err) == WX_OK);
    wx_extern e;
    wx_wasm_val args[2] = {wx_wasm_i32(0), wx_wasm_i32(0)}, r;
    CHECK(wx_linker_lookup(shared, WXW_MODULE, "args_sizes_get", &e));
    memset(&err, 0, sizeof err);
    CHECK(wx_call(e.of.func, args, 2, &r, 1, &err) == WX_EHOST);
    CHECK(strstr(err.message, "no context") != NULL);
    CHECK(wx_linker_lookup(fixed, WXW_MODULE, "args_sizes_get", &e));
    CHECK(wx_call(e.of.func, args, 2, &r, 1, &err) == WX_OK && r.of.i32 == 21);
    CHECK(wx_linker_lookup(fixed, WXW_MODULE, "sched_yield", &e));
    CHECK(wx_call(e.of.func, NULL, 0, &r, 1, &err) == WX_OK && r.of.i32 == 0);
    /* Every preview1 name is defined, with its type. */
    static const char *const names[] = {
        "args_get",  "fd_advise",    "fd_allocate", "fd_renumber",
        "path_link", "path_symlink", "poll_oneoff", "sock_shutdown"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        CHECK_MSG(wx_linker_lookup(fixed, WXW_MODULE, names[i], NULL),
                  "%s not defined", names[i]);
    wx_linker_free(shared);
    wx_linker_free(fixed);
    wxw_ctx_free(ctx);
    wxw_binder_free(b);
}

/* What no WASI function looks like stays unlinkable. */
static void test_bad_imports(void)
{
    wx_module *m = load_guest("badimport.wasm");
    if (!m)
        return;
    wx_error err;
    wxw_ctx *ctx = wxw_ctx_new(NULL, &err);
    wx_linker *l = wx_linker_new(&err);
    CHECK(wxw_define(l, m, ctx, &err) == WX_OK);
    CHECK(!wx_linker_lookup(l, WXW_MODULE, "weird", NULL));
    CHECK(wx_instantiate(m, l, NULL, &err) == NULL &&
          err.status == WX_EUNLINKABLE);
    wx_linker_free(l);
    wxw_ctx_free(ctx);
    wx_module_free(m);
}

static void test_bad_options(void)
{
    wx_error err;
    wxw_opts o;
    memset(&o, 0, sizeof o);
    const wxw_kv pre[] = {{"/x", "/nonexistent/wxw-dir"}};
    o.npreopens = 1;
    o.preopens = pre;
    CHECK(wxw_ctx_new(&o, &err) == NULL && err.status == WX_EARG &&
          strstr(err.message, "/nonexistent/wxw-dir"));
    memset(&o, 0, sizeof o);
    const wxw_kv env[] = {{"A=B", "c"}};
    o.nenv = 1;
    o.env = env;
    CHECK(wxw_ctx_new(&o, &err) == NULL && err.status == WX_EARG);
    memset(&o, 0, sizeof o);
    o.err = WXW_OUTPUT_CALLBACK;
    CHECK(wxw_ctx_new(&o, &err) == NULL && err.status == WX_EARG);
    memset(&o, 0, sizeof o);
    o.max_fds = 2;
    CHECK(wxw_ctx_new(&o, &err) == NULL && err.status == WX_EARG);
    /* A preopen that is a file, not a directory. */
    memset(&o, 0, sizeof o);
    const wxw_kv file[] = {{"/f", "/etc/passwd"}};
    o.npreopens = 1;
    o.preopens = file;
    CHECK(wxw_ctx_new(&o, &err) == NULL && err.status == WX_EARG);
    wxw_ctx_free(NULL);
    CHECK(wxw_ctx_drain(NULL, NULL, NULL) == 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    test_malicious();
    test_nomem();
    test_direct_call();
    test_bad_imports();
    test_bad_options();
    return CHECK_DONE();
}
