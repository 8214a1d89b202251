/*
 * The WASI conformance set: the C guest (wasi-libc) and the Rust guest
 * (std) each run their groups of checks under a context made for them;
 * the host checks what it can see from outside: captured output, exit
 * codes, files left in the sandbox and nothing touched outside it.
 *
 * Usage: test_conform GUEST_DIR
 */
#include "wasi_test.h"

static wx_module *c_guest, *rs_guest;

/* The two guests print the same report for the same arguments. */
static void test_args(wx_module *m, const char *prog)
{
    const char *const args[] = {prog, "args", "hello world",
                                "\xc3\xbcn\xc3\xaf", ""};
    const wxw_kv env[] = {{"WX_A", "1"}, {"WX_B", "x=y"}};
    wxw_opts o;
    memset(&o, 0, sizeof o);
    o.nargs = 5;
    o.args = args;
    o.nenv = 2;
    o.env = env;
    capture cap = {0};
    run_ok(prog, m, &o, &cap);
    char want[512];
    snprintf(want, sizeof want,
             "argc=5\nargv[0]=%s\nargv[1]=args\nargv[2]=hello world\n"
             "argv[3]=\xc3\xbcn\xc3\xaf\nargv[4]=\nWX_A=1\nWX_B=x=y\n"
             "nenv=2\n",
             prog);
    CHECK_MSG(strcmp(captured(&cap, 1), want) == 0, "%s args: got\n%s", prog,
              captured(&cap, 1));
    capture_free(&cap);
}

static void test_simple(wx_module *m, const char *prog, const char *group)
{
    const char *const args[] = {prog, group};
    wxw_opts o;
    memset(&o, 0, sizeof o);
    o.nargs = 2;
    o.args = args;
    capture cap = {0};
    char what[64];
    snprintf(what, sizeof what, "%s %s", prog, group);
    run_ok(what, m, &o, &cap);
    capture_free(&cap);
}

/* 10 MB to stdout in log mode: the buffer keeps its bound, counts the
 * rest, and the guest saw every write complete. */
static void test_flood(void)
{
    const char *const args[] = {"conform", "flood"};
    wxw_opts o;
    memset(&o, 0, sizeof o);
    o.nargs = 2;
    o.args = args;
    o.log_limit = 100000;
    capture cap = {0};
    run_ok("flood", c_guest, &o, &cap);
    CHECK_MSG(cap.len[1] == 100000, "kept %zu", cap.len[1]);
    CHECK_MSG(cap.dropped[1] == 10u * 1024 * 1024 - 100000, "dropped %llu",
              (unsigned long long)cap.dropped[1]);
    CHECK(cap.data[1] && cap.data[1][0] == 'x' && cap.data[1][99999] == 'x');
    CHECK(strcmp(captured(&cap, 2), "wrote 10485760\n") == 0);
    CHECK(cap.dropped[2] == 0);
    capture_free(&cap);

    /* The default bound. */
    o.log_limit = 0;
    run_ok("flood default", c_guest, &o, &cap);
    CHECK(cap.len[1] == WXW_DEFAULT_LOG_LIMIT);
    CHECK(cap.len[1] + cap.dropped[1] == 10u * 1024 * 1024);
    capture_free(&cap);
}

static void test_stdin(void)
{
    const char *const args[] = {"conform", "stdin"};
    static uint8_t input[200000];
    for (size_t i = 0; i < sizeof input; i++)
        input[i] = (uint8_t)('a' + i % 26);
    wxw_opts o;
    memset(&o, 0, sizeof o);
    o.nargs = 2;
    o.args = args;
    o.in = WXW_INPUT_BUFFER;
    o.stdin_data = input;
    o.stdin_len = sizeof input;
    o.log_limit = 1 << 20;
    capture cap = {0};
    run_ok("stdin", c_guest, &o, &cap);
    CHECK(cap.len[1] == sizeof input &&
          memcmp(cap.data[1], input, sizeof input) == 0);
    capture_free(&cap);
    /* Empty stdin: end of file at once. */
    o.in = WXW_INPUT_EMPTY;
    run_ok("stdin empty", c_guest, &o, &cap);
    CHECK(cap.len[1] == 0);
    capture_free(&cap);
}

/* proc_exit codes through wxw_run_command, and its output callback. */
typedef struct collected {
    char text[256];
    size_t len;
} collected;

static void collect_out(void *ud, int fd, const uint8_t *data, size_t len)
{
    collected *c = ud;
    (void)fd;
    size_t k =
        len < sizeof c->text - 1 - c->len ? len : sizeof c->text - 1 - c->len;
    memcpy(c->text + c->len, data, k);
    c->len += k;
    c->text[c->len] = '\0';
}

static void test_exit(wx_module *m, const char *prog)
{
    static const char *const codes[] = {"0", "42", "255"};
    for (int i = 0; i < 3; i++) {
        const char *const args[] = {prog, "exit", codes[i]};
        wxw_opts o;
        memset(&o, 0, sizeof o);
        o.nargs = 3;
        o.args = args;
        wx_error err;
        int code = -1;
        wx_status s = wxw_run_command(m, &o, &code, &err);
        CHECK_MSG(s == WX_OK && code == atoi(codes[i]),
                  "%s exit %s: %s, code %d", prog, codes[i], wx_status_name(s),
                  code);
    }
    /* The callback gets log-mode output at the end of the run. */
    const char *const args[] = {prog, "args"};
    wxw_opts o;
    memset(&o, 0, sizeof o);
    o.nargs = 2;
    o.args = args;
    collected col = {{0}, 0};
    o.on_output = collect_out;
    o.ud = &col;
    int code = -1;
    CHECK(wxw_run_command(m, &o, &code, NULL) == WX_OK && code == 0);
    CHECK(strncmp(col.text, "argc=2\n", 7) == 0);
    /* And at every write in callback mode. */
    col.len = 0;
    o.out = WXW_OUTPUT_CALLBACK;
    CHECK(wxw_run_command(m, &o, &code, NULL) == WX_OK && code == 0);
    CHECK(strncmp(col.text, "argc=2\n", 7) == 0);
    /* Discarded. */
    col.len = 0;
    col.text[0] = '\0';
    o.out = WXW_OUTPUT_DISCARD;
    CHECK(wxw_run_command(m, &o, &code, NULL) == WX_OK && code == 0);
    CHECK(col.len == 0);
}

static void test_files(wx_module *m, const char *prog, const char *kept,
                       const char *kept_text)
{
    tree t;
    tree_make(&t);
    const char *const args[] = {prog, "files"};
    wxw_opts o = tree_opts(&t, 2, args);
    capture cap = {0};
    char what[64];
    snprintf(what, sizeof what, "%s files", prog);
    run_ok(what, m, &o, &cap);
    char p[512];
    snprintf(p, sizeof p, "%s/%s", t.sandbox, kept);
    char *s = slurp(p);
    CHECK_MSG(s && strcmp(s, kept_text) == 0, "%s: %s holds \"%s\"", what,
              kept, s ? s : "(missing)");
    free(s);
    tree_check_outside(&t, what);
    capture_free(&cap);
    tree_free(&t);
}

/* The refusals, with the kernel's openat2 and with the walk alone. */
static void test_escape(wx_module *m, const char *prog)
{
    for (int walk = 0; walk < 2; walk++) {
        tree t;
        tree_make(&t);
        const char *const args[] = {prog, "escape", t.outside};
        wxw_opts o = tree_opts(&t, 3, args);
        o.flags = walk ? WXW_FLAG_NO_OPENAT2 : 0;
        capture cap = {0};
        char what[64];
        snprintf(what, sizeof what, "%s escape (%s)", prog,
                 walk ? "walk" : "openat2");
        run_ok(what, m, &o, &cap);
        tree_check_outside(&t, what);
        capture_free(&cap);
        tree_free(&t);
    }
}

static void test_fds(void)
{
    tree t;
    tree_make(&t);
    const char *const args[] = {"conform", "fds"};
    wxw_opts o = tree_opts(&t, 2, args);
    o.max_fds = 32;
    capture cap = {0};
    run_ok("fds", c_guest, &o, &cap);
    /* 32 minus stdio and the preopen. */
    CHECK_MSG(strcmp(captured(&cap, 1), "opened=28\n") == 0, "got %s",
              captured(&cap, 1));
    capture_free(&cap);
    tree_free(&t);
}

static void test_poll(void)
{
    tree t;
    tree_make(&t);
    const char *const args[] = {"conform", "poll"};
    wxw_opts o = tree_opts(&t, 2, args);
    capture cap = {0};
    run_ok("poll", c_guest, &o, &cap);
    capture_free(&cap);
    tree_free(&t);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    c_guest = load_guest("conform.wasm");
    rs_guest = load_guest("conform_rs.wasm");
    if (!c_guest || !rs_guest)
        return CHECK_DONE();
    test_args(c_guest, "conform");
    test_args(rs_guest, "conform_rs");
    test_simple(c_guest, "conform", "clock");
    test_simple(c_guest, "conform", "random");
    test_simple(rs_guest, "conform_rs", "time");
    test_flood();
    test_stdin();
    test_exit(c_guest, "conform");
    test_exit(rs_guest, "conform_rs");
    test_files(c_guest, "conform", "kept.txt", "kept\n");
    test_files(rs_guest, "conform_rs", "kept_rs.txt", "kept by rust\n");
    test_escape(c_guest, "conform");
    test_escape(rs_guest, "conform_rs");
    test_fds();
    test_poll();
    wx_module_free(c_guest);
    wx_module_free(rs_guest);
    return CHECK_DONE();
}
