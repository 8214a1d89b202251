/*
 * End-to-end tests of the eKuiper adapter: packages built by
 * `wasmext ekuiper pack`, unpacked as eKuiper unpacks them, run as
 * eKuiper runs them, and driven by the simulator (sim.c) over real NNG IPC.
 *
 *   ekuiper_e2e WASMEXT GUEST_DIR SHARED_DIR SCENARIO
 *
 * WASMEXT is the wasmext binary, GUEST_DIR holds guest.wasm, cstring.wasm and
 * bindgen.wasm, SHARED_DIR the team's shared/ directory (for eKuiper's
 * fixture zips; WX_SHARED_DIR overrides). Scenarios: pack, fib, tinygo,
 * strings, errors, keepalive, restart, msgsize, extism (extism_upper.wasm).
 *
 * Every plugin and function name carries a suffix unique to the run, so
 * that parallel runs never share a socket file; sockets, processes and
 * the temporary directory are cleaned up at exit, failed or not.
 */
#include "check.h"
#include "sim.h"
#include "testlib.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INIT_TIMEOUT_MS 10000 /* eKuiper: portable.initTimeout, 60 s */
#define CONTROL_RECV_MS 10000 /* eKuiper: 1 h */
#define FUNC_RECV_MS 5000     /* eKuiper: portable.recvTimeout */
#define FUNC_SEND_MS 5000     /* eKuiper: portable.sendTimeout */
#define MAX_FUNCS 8
#define MAX_PLUGS 4

typedef struct plug {
    char name[64];
    char dir[512]; /* where the package is unpacked */
    char exe[640];
    char log[640];
    pid_t pid;
    sim_chan ctrl;
    size_t nfn;
    char fn[MAX_FUNCS][96];
    sim_chan ch[MAX_FUNCS];
} plug;

static struct {
    const char *tool, *guests, *shared;
    char tmp[256];
    char sfx[16];
    plug *plugs[MAX_PLUGS];
    size_t nplugs;
    const char *pack_option; /* one more pack argument, or NULL */
} T;

#define REQUIRE(cond, ...)                                                    \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: required: %s: ", __FILE__, __LINE__,      \
                    #cond);                                                   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            dump_logs();                                                      \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static void dump_logs(void)
{
    for (size_t i = 0; i < T.nplugs; i++) {
        char *log = tl_read(T.plugs[i]->log, NULL);
        fprintf(stderr, "---- log of plugin %s:\n%s----\n", T.plugs[i]->name,
                log ? log : "(none)\n");
        free(log);
    }
}

static void cleanup(void)
{
    for (size_t i = 0; i < T.nplugs; i++) {
        plug *p = T.plugs[i];
        sim_kill(p->pid);
        p->pid = 0;
        sim_chan_close(&p->ctrl);
        for (size_t k = 0; k < p->nfn; k++)
            sim_chan_close(&p->ch[k]);
    }
    if (T.tmp[0])
        tl_remove_tree(T.tmp);
}

/* SIGTERM or SIGINT (ctest's timeout, ^C): clean up on the way out. */
static void on_signal(int sig)
{
    (void)sig;
    exit(3);
}

static void tmp_path(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tmp_path(char *out, size_t size, const char *fmt, ...)
{
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    int n = snprintf(out, size, "%s/%s", T.tmp, rel);
    REQUIRE(n > 0 && (size_t)n < size, "path too long: %s", rel);
}

static bool str_is(const json_t *j, const char *s)
{
    return json_is_string(j) && strcmp(json_string_value(j), s) == 0;
}

/* ------------------------------------------------------------ packages */

/*
 * A plugin from `wasm` whose function exports `exports` are renamed with
 * the run's suffix, and whose config's functions are `funcs_fmt` with
 * every %s replaced by the next symbol (in order). `extra` is more config
 * members (",\"limits\":{...}" or ""). Packs, unpacks and checks the
 * package eKuiper would install.
 */
static plug *make_plugin(const char *base, const char *wasm,
                         const char *const *exports, size_t n,
                         const char *funcs_fmt, const char *extra)
{
    REQUIRE(T.nplugs < MAX_PLUGS && n <= MAX_FUNCS, "too many");
    plug *p = calloc(1, sizeof *p);
    T.plugs[T.nplugs++] = p;
    snprintf(p->name, sizeof p->name, "%s_%s", base, T.sfx);
    p->nfn = n;
    const char *to[MAX_FUNCS];
    for (size_t i = 0; i < n; i++) {
        snprintf(p->fn[i], sizeof p->fn[i], "%s_%s", exports[i], T.sfx);
        to[i] = p->fn[i];
    }
    char wasm_out[512], cfg[512], zip[512], log[512];
    tmp_path(wasm_out, sizeof wasm_out, "src/%s.wasm", p->name);
    tmp_path(cfg, sizeof cfg, "src/%s.json", p->name);
    tmp_path(zip, sizeof zip, "%s.zip", p->name);
    tmp_path(log, sizeof log, "pack_%s.log", p->name);
    REQUIRE(tl_rename_exports(wasm, wasm_out, exports, to, n),
            "cannot rename the exports of %s", wasm);

    /* The functions list: funcs_fmt with the symbols in. */
    char funcs[2048] = "";
    const char *f = funcs_fmt;
    size_t k = 0, at = 0;
    while (*f && at + 100 < sizeof funcs) {
        if (f[0] == '%' && f[1] == 's' && k < n) {
            at += (size_t)snprintf(funcs + at, sizeof funcs - at, "%s",
                                   p->fn[k++]);
            f += 2;
        } else {
            funcs[at++] = *f++;
        }
    }
    funcs[at] = '\0';
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\":\"%s\",\"vm_config\":{\"path\":\"%s.wasm\"},"
             "\"functions\":%s%s}",
             p->name, p->name, funcs, extra);
    REQUIRE(tl_write(cfg, text, strlen(text)), "cannot write %s", cfg);

    char *argv[] = {(char *)T.tool,        "ekuiper", "pack", cfg, "-o", zip,
                    (char *)T.pack_option, NULL};
    int rc = tl_run(argv, log, 60000);
    if (rc != 0) {
        char *out = tl_read(log, NULL);
        fprintf(stderr, "%s", out ? out : "");
        free(out);
    }
    REQUIRE(rc == 0, "pack %s exited with %d", cfg, rc);

    /* eKuiper installs into <plugins>/portable/<name>/. */
    snprintf(p->dir, sizeof p->dir, "%s/plugins/portable/%s", T.tmp, p->name);
    unsigned exe_mode = 0;
    REQUIRE(tl_unzip(zip, p->dir, p->name, &exe_mode), "cannot unzip %s", zip);
    CHECK_MSG((exe_mode & 0111) == 0111, "executable mode %o", exe_mode);

    /* NAME.json: what eKuiper validates (PROTOCOL.md 2.11). */
    char meta_path[700];
    snprintf(meta_path, sizeof meta_path, "%s/%s.json", p->dir, p->name);
    json_t *meta = json_load_file(meta_path, 0, NULL);
    REQUIRE(json_is_object(meta), "no valid %s", meta_path);
    CHECK(str_is(json_object_get(meta, "name"), p->name));
    CHECK(str_is(json_object_get(meta, "language"), "go"));
    const char *exe = json_string_value(json_object_get(meta, "executable"));
    REQUIRE(exe && *exe, "no executable in %s", meta_path);
    json_t *fl = json_object_get(meta, "functions");
    CHECK(json_array_size(fl) == n);
    for (size_t i = 0; i < n && i < json_array_size(fl); i++)
        CHECK_MSG(str_is(json_array_get(fl, i), p->fn[i]), "functions[%zu]",
                  i);
    snprintf(p->exe, sizeof p->exe, "%s/%s", p->dir, exe);
    json_decref(meta);
    struct stat st;
    CHECK(stat(p->exe, &st) == 0 && (st.st_mode & 0100));
    char bin[700];
    snprintf(bin, sizeof bin, "%s/wasmext-plugin/bin/wasmext", p->dir);
    CHECK(stat(bin, &st) == 0 && (st.st_mode & 0100));
    snprintf(p->log, sizeof p->log, "%s/plugin_%s.log", T.tmp, p->name);
    return p;
}

/* ------------------------------------------------------------ running */

static void plug_spawn(plug *p)
{
    p->pid = sim_spawn(p->exe, "{\"sendTimeout\":1000}", p->log);
    REQUIRE(p->pid > 0, "cannot spawn %s", p->exe);
    /* The handshake's own bound is eKuiper's: a wait that runs out is
     * the failure, counted by its outcome. */
    int rv = sim_handshake(&p->ctrl, INIT_TIMEOUT_MS);
    REQUIRE(rv == 0, "no handshake from %s: %s", p->name, nng_strerror(rv));
}

/* Listens on the control channel, then starts the process (as eKuiper
 * does), and waits for the handshake. */
static void plug_start(plug *p)
{
    int rv = sim_listen_control(&p->ctrl, p->name, CONTROL_RECV_MS);
    REQUIRE(rv == 0, "listen %s: %s", p->ctrl.url, nng_strerror(rv));
    plug_spawn(p);
}

/* A control command; the answer (to free). */
static char *command(plug *p, const char *cmd)
{
    char *ans = NULL;
    int rv = sim_exchange(&p->ctrl, cmd, &ans);
    REQUIRE(rv == 0, "command %s: %s", cmd, nng_strerror(rv));
    return ans;
}

/* Listens on function i's channel (once) and sends its start. */
static void func_start(plug *p, size_t i)
{
    if (!p->ch[i].open) {
        int rv =
            sim_listen_func(&p->ch[i], p->fn[i], FUNC_RECV_MS, FUNC_SEND_MS);
        REQUIRE(rv == 0, "listen %s: %s", p->ch[i].url, nng_strerror(rv));
    }
    char cmd[512];
    sim_func_cmd(cmd, sizeof cmd, "start", p->fn[i]);
    char *ans = command(p, cmd);
    CHECK_MSG(strcmp(ans, "ok") == 0, "start %s: %s", p->fn[i], ans);
    free(ans);
}

/* A FuncData on function i's channel: the parsed FuncReply. */
static json_t *call(plug *p, size_t i, const char *func, const char *arg)
{
    char msg[4096];
    snprintf(msg, sizeof msg, "{\"func\":\"%s\",\"arg\":%s}", func, arg);
    char *ans = NULL;
    int rv = sim_exchange(&p->ch[i], msg, &ans);
    REQUIRE(rv == 0, "%s %s(%s): %s", func, p->fn[i], arg, nng_strerror(rv));
    json_error_t je;
    json_t *r = json_loads(ans, 0, &je);
    CHECK_MSG(json_is_object(r) &&
                  json_is_boolean(json_object_get(r, "state")),
              "reply %s", ans);
    free(ans);
    return r;
}

/* The FuncMeta eKuiper appends to every Exec: a JSON string. */
#define CTX                                                                   \
    "\"{\\\"ruleId\\\":\\\"rule1\\\",\\\"opId\\\":\\\"op1\\\","               \
    "\\\"instanceId\\\":0,\\\"funcId\\\":0}\""

/* Exec with `args` (JSON values, comma-separated) must give `want`. */
static void expect_exec(plug *p, size_t i, const char *args, const char *want)
{
    char arg[2048];
    snprintf(arg, sizeof arg, "[%s%s" CTX "]", args, *args ? "," : "");
    json_t *r = call(p, i, "Exec", arg);
    json_t *w = json_loads(want, JSON_DECODE_ANY, NULL);
    char *got = json_dumps(r, JSON_COMPACT);
    CHECK_MSG(json_is_true(json_object_get(r, "state")) &&
                  json_equal(json_object_get(r, "result"), w),
              "%s(%s): want %s, got %s", p->fn[i], args, want, got);
    free(got);
    json_decref(w);
    json_decref(r);
}

/* A call with state false whose message contains `part`. */
static void expect_fail(plug *p, size_t i, const char *func, const char *arg,
                        const char *part)
{
    json_t *r = call(p, i, func, arg);
    const char *msg = json_string_value(json_object_get(r, "result"));
    char *got = json_dumps(r, JSON_COMPACT);
    CHECK_MSG(json_is_false(json_object_get(r, "state")) && msg &&
                  strstr(msg, part),
              "%s %s(%s): want an error with \"%s\", got %s", func, p->fn[i],
              arg, part, got);
    free(got);
    json_decref(r);
}

static void expect_exec_fail(plug *p, size_t i, const char *args,
                             const char *part)
{
    char arg[2048];
    snprintf(arg, sizeof arg, "[%s%s" CTX "]", args, *args ? "," : "");
    expect_fail(p, i, "Exec", arg, part);
}

/* A control error: not `ok`, never starting with 'h', containing part. */
static void expect_command_fail(plug *p, const char *cmd, const char *part)
{
    char *ans = command(p, cmd);
    CHECK_MSG(strcmp(ans, "ok") != 0 && ans[0] != 'h' && strstr(ans, part),
              "command %s: want an error with \"%s\", got %s", cmd, part, ans);
    free(ans);
}

/* SIGTERM: the plugin ends cleanly, in bounded time. */
static void plug_stop(plug *p)
{
    kill(p->pid, SIGTERM);
    int status = 0;
    bool done = sim_wait(p->pid, 15000, &status);
    CHECK_MSG(done && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "%s after SIGTERM: done %d status %#x", p->name, done, status);
    if (!done)
        sim_kill(p->pid);
    p->pid = 0;
    /* Its private registry is gone with it. */
    char state[700];
    snprintf(state, sizeof state, "%s/wasmext-plugin/.wasmext-state", p->dir);
    struct stat st;
    CHECK_MSG(stat(state, &st) != 0, "%s left behind", state);
}

/* A socket file nobody listens on, as a killed eKuiper leaves. */
static void stale_socket(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    close(fd);
}

static void fixture(const char *zip_name, const char *entry, char *out,
                    size_t size)
{
    char zip[512], dir[512];
    snprintf(zip, sizeof zip, "%s/fixtures/ekuiper/%s", T.shared, zip_name);
    tmp_path(dir, sizeof dir, "fixtures/%s", zip_name);
    REQUIRE(tl_unzip(zip, dir, NULL, NULL), "cannot unzip %s", zip);
    int n = snprintf(out, size, "%s/%s", dir, entry);
    REQUIRE(n > 0 && (size_t)n < size, "path too long: %s", entry);
}

static void guest(const char *file, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", T.guests, file);
}

/* ----------------------------------------------------------- scenarios */

static void test_pack(void)
{
    char wasm[512];
    fixture("fibonacci.zip", "fibonacci.wasm", wasm, sizeof wasm);
    const char *ex[] = {"fib"};
    plug *p = make_plugin("fibonacci", wasm, ex, 1, "[\"%s\"]", "");

    /* The config in the package points at the bundled module. */
    char path[700];
    snprintf(path, sizeof path, "%s/wasmext-plugin/config.json", p->dir);
    json_t *cfg = json_load_file(path, 0, NULL);
    char want[128];
    snprintf(want, sizeof want, "%s.wasm", p->name);
    CHECK(str_is(json_object_get(json_object_get(cfg, "vm_config"), "path"),
                 want));
    json_decref(cfg);

    /* The script runs the bundled binary: its plugin mode's help. */
    char log[512];
    tmp_path(log, sizeof log, "script.log");
    char *help[] = {p->exe, "--help", NULL};
    CHECK(tl_run(help, log, 30000) == 0);
    char *out = tl_read(log, NULL);
    CHECK(out && strstr(out, "Plugin mode"));
    free(out);

    /* Refusals, each with exit status 2 and a reason. */
    struct {
        const char *config;
        const char *reason;
    } bad[] = {
        {"{\"name\":\"x1\",\"vm_config\":{\"path\":\"%s\"},"
         "\"functions\":[\"nope\"]}",
         "not exported"},
        {"{\"version\":\"v1.0.0\",\"functions\":[\"fib\"],"
         "\"wasmEngine\":\"wasmedge\"}",
         "name"},
        {"{\"name\":\"x2\",\"vm_config\":{\"path\":\"ride.wasm\"},"
         "\"functions\":[\"ride\"]}",
         "ride.wasm"},
        {"{\"name\":\"x3\",\"vm_config\":{\"path\":\"%s\"},"
         "\"functions\":[\"fib\"]",
         "expected near end of file"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024], cfgp[512], zip[512];
        snprintf(text, sizeof text, bad[i].config, wasm);
        tmp_path(cfgp, sizeof cfgp, "src/x%zu.json", i + 1);
        tmp_path(zip, sizeof zip, "x%zu.zip", i + 1);
        tmp_path(log, sizeof log, "bad%zu.log", i + 1);
        REQUIRE(tl_write(cfgp, text, strlen(text)), "write");
        char *argv[] = {(char *)T.tool, "ekuiper", "pack", cfgp,
                        "-o",           zip,       NULL};
        int rc = tl_run(argv, log, 30000);
        out = tl_read(log, NULL);
        CHECK_MSG(rc == 2 && out && strstr(out, bad[i].reason),
                  "bad config %zu: exit %d, %s", i + 1, rc, out);
        free(out);
        struct stat st;
        CHECK(stat(zip, &st) != 0);
    }

    /* A function name eKuiper cannot call. */
    char odd[512], cfgp[512], zip[512];
    tmp_path(odd, sizeof odd, "src/odd.wasm");
    const char *from[] = {"fib"}, *to[] = {"fib-v2"};
    REQUIRE(tl_rename_exports(wasm, odd, from, to, 1), "rename");
    tmp_path(cfgp, sizeof cfgp, "src/odd.json");
    tmp_path(zip, sizeof zip, "odd.zip");
    tmp_path(log, sizeof log, "odd.log");
    const char *text = "{\"name\":\"odd\",\"vm_config\":{\"path\":"
                       "\"odd.wasm\"},\"functions\":[\"fib-v2\"]}";
    REQUIRE(tl_write(cfgp, text, strlen(text)), "write");
    char *argv[] = {(char *)T.tool, "ekuiper", "pack", cfgp, "-o", zip, NULL};
    int rc = tl_run(argv, log, 30000);
    out = tl_read(log, NULL);
    CHECK_MSG(rc == 2 && out && strstr(out, "SQL name"), "odd: %d %s", rc,
              out);
    free(out);

    /* An Extism function without params or results takes and gives bytes,
     * which eKuiper passes as base64 text: packed, with a warning for
     * each; declared, without. */
    char up[512], xup[512];
    guest("extism_upper.wasm", up, sizeof up);
    tmp_path(xup, sizeof xup, "src/xupper.wasm"); /* upper is a built-in */
    const char *ufrom[] = {"upper"}, *uto[] = {"xupper"};
    REQUIRE(tl_rename_exports(up, xup, ufrom, uto, 1), "rename");
    const char *xcfg[] = {
        "{\"name\":\"xb\",\"vm_config\":{\"path\":\"%s\"},\"functions\":"
        "[{\"name\":\"xupper\",\"abi\":\"extism\"}]}",
        "{\"name\":\"xs\",\"vm_config\":{\"path\":\"%s\"},\"functions\":"
        "[{\"name\":\"xupper\",\"abi\":\"extism\",\"params\":[\"string\"],"
        "\"results\":[\"string\"]}]}",
    };
    for (size_t i = 0; i < 2; i++) {
        char text[1024];
        snprintf(text, sizeof text, xcfg[i], xup);
        tmp_path(cfgp, sizeof cfgp, "src/extism%zu.json", i);
        tmp_path(zip, sizeof zip, "extism%zu.zip", i);
        tmp_path(log, sizeof log, "extism%zu.log", i);
        REQUIRE(tl_write(cfgp, text, strlen(text)), "write");
        char *xargv[] = {(char *)T.tool, "ekuiper", "pack", cfgp,
                         "-o",           zip,       NULL};
        rc = tl_run(xargv, log, 30000);
        out = tl_read(log, NULL);
        bool in = out && strstr(out, "warning: Extism function \"xupper\" "
                                     "has no \"params\", so its input is "
                                     "bytes");
        bool res = out && strstr(out, "warning: Extism function \"xupper\" "
                                      "has no \"results\"");
        CHECK_MSG(rc == 0 && in == (i == 0) && res == (i == 0) &&
                      (i == 0 || !strstr(out, "warning")),
                  "extism config %zu: exit %d, %s", i, rc, out);
        free(out);
    }
}

static void test_fib(void)
{
    char wasm[512];
    fixture("fibonacci.zip", "fibonacci.wasm", wasm, sizeof wasm);
    const char *ex[] = {"fib"};
    T.pack_option = "--bundle-libs";
    plug *p = make_plugin("fibonacci", wasm, ex, 1, "[\"%s\"]", "");
    T.pack_option = NULL;
    plug_start(p);
    func_start(p, 0);
    func_start(p, 0); /* a repeated start is harmless */

    /* The process runs on the libraries of its package. */
    char maps_path[64], lib[700];
    snprintf(maps_path, sizeof maps_path, "/proc/%d/maps", (int)p->pid);
    snprintf(lib, sizeof lib, "%s/wasmext-plugin/lib/libnng.so", p->dir);
    char *maps = tl_read(maps_path, NULL);
    CHECK_MSG(maps && strstr(maps, lib), "%s not mapped", lib);
    free(maps);

    /* Validate: the count, with what was expected. */
    json_t *r = call(p, 0, "Validate", "[{\"Val\":25}]");
    CHECK(json_is_true(json_object_get(r, "state")));
    CHECK(str_is(json_object_get(r, "result"), ""));
    json_decref(r);
    expect_fail(p, 0, "Validate", "[{\"Val\":1},{\"Val\":2}]",
                "expected 1 argument (i32), got 2");
    expect_fail(p, 0, "Validate", "[]", "expected 1 argument");
    r = call(p, 0, "IsAggregate", "null");
    CHECK(json_is_true(json_object_get(r, "state")) &&
          json_is_false(json_object_get(r, "result")));
    json_decref(r);

    /* Exec: the single value, not eKuiper 1.x's one-element array. */
    expect_exec(p, 0, "25", "121393");
    expect_exec(p, 0, "25.0", "121393"); /* a float column that fits */
    expect_exec(p, 0, "10", "89");
    expect_exec(p, 0, "0", "1");
    expect_exec_fail(p, 0, "2.5", "does not fit i32");
    expect_exec_fail(p, 0, "4294967296", "does not fit i32");
    expect_exec_fail(p, 0, "\"ten\"", "argument 1");
    expect_exec_fail(p, 0, "null", "argument 1: expected i32, got null");
    expect_exec_fail(p, 0, "1,2", "expected 1 argument");
    expect_fail(p, 0, "Exec", "[25]", "function context");
    expect_fail(p, 0, "Exec", "[25,\"not json\"]", "function context");
    expect_fail(p, 0, "Exec", "{}", "expected an array");
    expect_fail(p, 0, "Frobnicate", "[]", "invalid func Frobnicate");
    expect_exec(p, 0, "20", "10946"); /* still serving */

    /* Control errors: clear, and never mistaken for a handshake. */
    expect_command_fail(p,
                        "{\"cmd\":\"start\",\"arg\":\"{\\\"symbolName\\\":"
                        "\\\"nosuch\\\",\\\"meta\\\":{\\\"ruleId\\\":\\\"\\\","
                        "\\\"opId\\\":\\\"\\\",\\\"instanceId\\\":0},"
                        "\\\"pluginType\\\":\\\"func\\\"}\"}",
                        "symbol nosuch not found");
    expect_command_fail(p,
                        "{\"cmd\":\"start\",\"arg\":\"{\\\"symbolName\\\":"
                        "\\\"random\\\",\\\"meta\\\":{\\\"ruleId\\\":"
                        "\\\"rule1\\\",\\\"opId\\\":\\\"op1\\\","
                        "\\\"instanceId\\\":0},\\\"pluginType\\\":"
                        "\\\"source\\\",\\\"config\\\":{\\\"interval\\\":"
                        "1000}}\"}",
                        "functions only");
    expect_command_fail(p, "{\"cmd\":\"restart\",\"arg\":\"{}\"}",
                        "invalid command received: restart");
    expect_command_fail(p, "{\"cmd\":", "invalid command");
    expect_command_fail(p,
                        "{\"cmd\":\"start\",\"arg\":\"{\\\"symbolName\\\":"
                        "\\\"x\\\",\\\"pluginType\\\":\\\"h\\\"}\"}",
                        "invalid plugin type h");
    char stop[512];
    sim_func_cmd(stop, sizeof stop, "stop", p->fn[0]);
    char *ans = command(p, stop);
    CHECK_MSG(strcmp(ans, "ok") == 0, "stop: %s", ans);
    free(ans);
    expect_exec(p, 0, "25", "121393"); /* functions stay up */
    plug_stop(p);
}

static void test_tinygo(void)
{
    /* TinyGo modules (wasi imports, asyncify, malloc) built by someone
     * else's toolchain: eKuiper's own fixtures. Two plugins at once. */
    char reduce[512], add[512];
    fixture("reduce.zip", "reduce.wasm", reduce, sizeof reduce);
    fixture("add.zip", "add.wasm", add, sizeof add);
    const char *ex1[] = {"reduce"}, *ex2[] = {"add"};
    plug *p = make_plugin("reduce", reduce, ex1, 1, "[\"%s\"]", "");
    plug *q = make_plugin("add", add, ex2, 1, "[\"%s\"]", "");
    plug_start(p);
    plug_start(q);
    func_start(p, 0);
    func_start(q, 0);
    expect_exec(p, 0, "10,3", "7");
    expect_exec(q, 0, "2,3", "5");
    expect_exec(p, 0, "3,10", "-7");
    expect_exec(q, 0, "2147483647,1", "-2147483648"); /* i32 wraps */
    expect_exec_fail(q, 0, "2147483648,1", "does not fit i32");
    expect_exec(q, 0, "-5.0,5", "0");
    for (int i = 0; i < 200; i++) {
        char args[64], want[32];
        snprintf(args, sizeof args, "%d,%d", i, 3 * i);
        snprintf(want, sizeof want, "%d", 4 * i);
        expect_exec(q, 0, args, want);
    }
    plug_stop(p);
    plug_stop(q);
}

static void test_extism(void)
{
    /* An Extism plugin (abi extism) packed and called like any other: its
     * input and output are the SQL function's string argument and result,
     * and its error_set message is the rule's error. */
    char up[512];
    guest("extism_upper.wasm", up, sizeof up);
    const char *ex[] = {"upper"};
    plug *p = make_plugin("xup", up, ex, 1,
                          "[{\"name\":\"%s\",\"abi\":\"extism\","
                          "\"params\":[\"string\"],\"results\":[\"string\"]}]",
                          "");
    plug_start(p);
    func_start(p, 0);
    expect_exec(p, 0, "\"hello, rule\"", "\"HELLO, RULE\"");
    expect_exec(p, 0, "\"caf\\u00e9\"", "\"CAF\\u00e9\"");
    expect_exec_fail(p, 0, "\"\"", "guest error: empty input");
    /* The instance that answered with an error keeps serving. */
    expect_exec(p, 0, "\"again\"", "\"AGAIN\"");
    plug_stop(p);
}

static void test_strings(void)
{
    /* Strings and bytes through the function's declared ABI: cstring
     * (eKuiper 1.x's convention) and bindgen. Bytes arrive base64. */
    char cs[512], bg[512];
    guest("cstring.wasm", cs, sizeof cs);
    guest("bindgen.wasm", bg, sizeof bg);
    const char *ex1[] = {"greet", "sum_bytes", "mixed", "len"};
    plug *p = make_plugin(
        "cstr", cs, ex1, 4,
        "[{\"name\":\"%s\",\"abi\":\"cstring\",\"params\":[\"string\"],"
        "\"results\":[\"string\"]},"
        "{\"name\":\"%s\",\"abi\":\"cstring\",\"params\":[\"bytes\"],"
        "\"results\":[\"i64\"]},"
        "{\"name\":\"%s\",\"abi\":\"cstring\",\"params\":[\"string\","
        "\"i64\",\"f64\"],\"results\":[\"f64\"]},"
        "{\"name\":\"%s\",\"abi\":\"cstring\",\"params\":[\"string\"],"
        "\"results\":[\"u32\"]}]",
        "");
    const char *ex2[] = {"echo"};
    plug *q = make_plugin("bgen", bg, ex2, 1,
                          "[{\"name\":\"%s\",\"abi\":\"bindgen\","
                          "\"params\":[\"string\"],\"results\":[\"string\"]}]",
                          "");
    plug_start(p);
    plug_start(q);
    for (size_t i = 0; i < 4; i++)
        func_start(p, i);
    func_start(q, 0);
    expect_exec(p, 0, "\"world\"", "\"Hello, world!\"");
    expect_exec(p, 0, "\"h\\u00e9 \\u2713\"", "\"Hello, h\\u00e9 \\u2713!\"");
    expect_exec(p, 1, "\"AQID\"", "6"); /* base64 of 01 02 03 */
    expect_exec(p, 1, "\"\"", "0");
    expect_exec_fail(p, 1, "\"@@@\"", "argument 1");
    expect_exec(p, 2, "\"abc\",2,0.5", "6.5");
    expect_exec(p, 3, "\"four\"", "4");
    expect_exec_fail(p, 0, "42", "argument 1");
    expect_fail(p, 2, "Validate", "[1]",
                "expected 3 arguments "
                "(string, i64, f64), got 1");
    expect_exec(q, 0, "\"round trip \\u00fc\"", "\"round trip \\u00fc\"");

    /* 2 MiB of text each way: more than NNG's default 1 MiB receive
     * limit, which both sides lift (RECVMAXSZ 0). */
    size_t big = 2u << 20;
    char *msg = malloc(big + 256);
    REQUIRE(msg, "out of memory");
    int n = sprintf(msg, "{\"func\":\"Exec\",\"arg\":[\"");
    memset(msg + n, 'x', big);
    strcpy(msg + n + big, "\"," CTX "]}");
    char *ans = NULL;
    CHECK(sim_exchange(&p->ch[0], msg, &ans) == 0);
    json_t *r = ans ? json_loads(ans, 0, NULL) : NULL;
    const char *text = json_string_value(json_object_get(r, "result"));
    CHECK_MSG(text && strlen(text) == big + 8 &&
                  strncmp(text, "Hello, xxx", 10) == 0,
              "2 MiB greet: %.80s", ans ? ans : "(none)");
    json_decref(r);
    free(ans);
    free(msg);
    expect_exec(q, 0, "\"\"", "\"\"");
    plug_stop(p);
    plug_stop(q);
}

/* An Exec of a row of `big` bytes of text to greet (function 0 of p):
 * the answer (to free), or NULL. */
static char *big_exec(plug *p, size_t big)
{
    char *msg = malloc(big + 256);
    REQUIRE(msg, "out of memory");
    int n = sprintf(msg, "{\"func\":\"Exec\",\"arg\":[\"");
    memset(msg + n, 'x', big);
    strcpy(msg + n + big, "\"," CTX "]}");
    char *ans = NULL;
    if (sim_exchange(&p->ch[0], msg, &ans) != 0)
        ans = NULL;
    free(msg);
    return ans;
}

/* Messages over $WASMEXT_EKUIPER_MAX_MSG (1M here) are answered with an
 * error naming the limit, on function channels and the control channel,
 * and the plugin goes on serving; a message under it is served. */
static void test_msgsize(void)
{
    char cs[512];
    guest("cstring.wasm", cs, sizeof cs);
    const char *ex[] = {"greet"};
    plug *p = make_plugin("msz", cs, ex, 1,
                          "[{\"name\":\"%s\",\"abi\":\"cstring\","
                          "\"params\":[\"string\"],\"results\":[\"string\"]}]",
                          "");
    setenv("WASMEXT_EKUIPER_MAX_MSG", "1M", 1);
    plug_start(p);
    unsetenv("WASMEXT_EKUIPER_MAX_MSG");
    func_start(p, 0);

    char *ans = big_exec(p, 3u << 19); /* 1.5 MiB */
    size_t len = (3u << 19) + strlen("{\"func\":\"Exec\",\"arg\":[\"\",") +
                 strlen(CTX "]}");
    char want[256];
    snprintf(want, sizeof want,
             "{\"state\":false,\"result\":\"message of %zu bytes is over "
             "this plugin's limit of 1048576 bytes (WASMEXT_EKUIPER_MAX_MSG)"
             "\"}",
             len);
    CHECK_MSG(ans && strcmp(ans, want) == 0, "%.200s", ans ? ans : "(none)");
    free(ans);
    /* Still serving, and a row under the limit is fine. */
    expect_exec(p, 0, "\"world\"", "\"Hello, world!\"");
    ans = big_exec(p, 1u << 19);
    CHECK_MSG(ans && strstr(ans, "\"state\":true"), "%.200s",
              ans ? ans : "(none)");
    free(ans);

    /* A control command over the limit. */
    size_t big = 3u << 19;
    char *cmd = malloc(big + 64);
    REQUIRE(cmd, "out of memory");
    int n = sprintf(cmd, "{\"cmd\":\"start\",\"arg\":\"");
    memset(cmd + n, 'c', big);
    strcpy(cmd + n + big, "\"}");
    ans = command(p, cmd);
    CHECK_MSG(strncmp(ans, "error: message of ", 18) == 0 &&
                  strstr(ans, "over this plugin's limit of 1048576 bytes"),
              "%.200s", ans);
    free(ans);
    free(cmd);
    expect_exec(p, 0, "\"again\"", "\"Hello, again!\"");
    plug_stop(p);
}

/* Exec of the guest's spin (function 4), which runs into its timeout;
 * the outcome is checked by the thread that joins. */
/* Set when spin_call's answer came (its call was stopped). */
static atomic_bool spin_done;

static void *spin_call(void *arg)
{
    plug *p = arg;
    char *ans = NULL;
    int rv = sim_exchange(&p->ch[4], "{\"func\":\"Exec\",\"arg\":[0," CTX "]}",
                          &ans);
    atomic_store(&spin_done, true);
    bool ok = rv == 0 && ans && strstr(ans, "\"state\":false") &&
              strstr(ans, "time");
    free(ans);
    return ok ? arg : NULL;
}

static void test_errors(void)
{
    char g[512];
    guest("guest.wasm", g, sizeof g);
    const char *ex[] = {"div",  "add64",   "hyp",   "half",
                        "spin", "nothing", "divmod"};
    plug *p = make_plugin("guest", g, ex, 7,
                          "[\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",\"%s\"]",
                          ",\"limits\":{\"timeout_ms\":500}");
    /* One call at a time on NNG's threads: the slow call below takes that
     * place, and the other channel's calls are answered by their
     * server's own thread (chan.c), a path that needs testing too. */
    setenv("WASMEXT_EKUIPER_INLINE_CALLS", "1", 1);
    plug_start(p);
    unsetenv("WASMEXT_EKUIPER_INLINE_CALLS");
    for (size_t i = 0; i < 7; i++)
        func_start(p, i);

    /* A trap is an Exec error; the plugin keeps serving. */
    expect_exec(p, 0, "7,2", "3");
    expect_exec_fail(p, 0, "1,0", "divide by zero");
    expect_exec(p, 0, "6,3", "2");
    expect_exec_fail(p, 0, "-2147483648,-1", "overflow");
    expect_exec(p, 0, "-9,3", "-3");

    /* A call that never ends is stopped by the config's timeout. */
    expect_exec_fail(p, 4, "0", "time");
    expect_exec(p, 0, "8,2", "4");

    /* Channels run in parallel, each on an instance of its own: a call
     * is not held up by a slow call of another function. */
    pthread_t slow;
    REQUIRE(pthread_create(&slow, NULL, spin_call, p) == 0, "thread");
    usleep(50000);
    expect_exec(p, 0, "9,3", "3");
    /* Not held up: div answered while spin (stopped only by its 500 ms
     * timeout) still ran. An order of events, not a duration. */
    bool spin_running = !atomic_load(&spin_done);
    void *spun = NULL;
    pthread_join(slow, &spun);
    CHECK(spun == p);
    CHECK(spin_running);

    /* Every wasm type, results of none and of two. */
    json_t *r = call(p, 1, "Exec", "[9007199254740993,1," CTX "]");
    CHECK(json_integer_value(json_object_get(r, "result")) ==
          9007199254740994LL);
    json_decref(r);
    expect_exec(p, 1, "-1,-2", "-3");
    expect_exec(p, 2, "3,4", "5");
    expect_exec(p, 2, "0.3,0.4", "0.5");
    expect_exec(p, 3, "3", "1.5");
    expect_exec(p, 3, "0.1", "0.05");
    expect_exec(p, 5, "", "null");
    expect_exec(p, 6, "7,2", "[3,1]");
    expect_exec_fail(p, 1, "true,1", "bool");
    expect_exec_fail(p, 1, "{\"a\":1},1", "an object");
    expect_fail(p, 0, "Validate", "[1]", "expected 2 arguments (i32, i32)");
    expect_fail(p, 5, "Validate", "[1]", "expected 0 arguments");
    r = call(p, 5, "Validate", "[]");
    CHECK(json_is_true(json_object_get(r, "state")));
    json_decref(r);

    /* Not JSON at all. */
    char *ans = NULL;
    CHECK(sim_exchange(&p->ch[0], "}{", &ans) == 0);
    CHECK(ans && strstr(ans, "\"state\":false") &&
          strstr(ans, "invalid request"));
    free(ans);
    expect_exec(p, 0, "10,5", "2");
    plug_stop(p);
}

static void test_keepalive(void)
{
    /* After 5 s idle the plugin re-sends `handshake` on its channels; the
     * next command or call finds that stale handshake first and goes
     * through eKuiper's resend path. */
    char wasm[512];
    fixture("fibonacci.zip", "fibonacci.wasm", wasm, sizeof wasm);
    const char *ex[] = {"fib"};
    plug *p = make_plugin("fibka", wasm, ex, 1, "[\"%s\"]", "");
    plug_start(p);
    func_start(p, 0);
    expect_exec(p, 0, "10", "89");
    unsigned stale_ctrl = p->ctrl.stale, stale_fn = p->ch[0].stale;
    sleep(7);
    expect_exec(p, 0, "25", "121393");
    CHECK_MSG(p->ch[0].stale > stale_fn, "function channel stale %u",
              p->ch[0].stale);
    func_start(p, 0);
    CHECK_MSG(p->ctrl.stale > stale_ctrl, "control channel stale %u",
              p->ctrl.stale);
    expect_exec(p, 0, "20", "10946");
    plug_stop(p);
}

static void test_restart(void)
{
    /* eKuiper SIGKILLs a plugin (update, shutdown) and keeps its
     * listeners; the new process handshakes on the same control channel,
     * eKuiper replays the start commands it recorded (keyed by rule
     * metadata, empty for every function: only the last one), and the
     * function channels must all work again. Socket files of dead
     * listeners are around too. */
    char g[512];
    guest("guest.wasm", g, sizeof g);
    const char *ex[] = {"div", "add64", "hyp"};
    plug *p = make_plugin("restart", g, ex, 3, "[\"%s\",\"%s\",\"%s\"]", "");
    char stale[256];
    snprintf(stale, sizeof stale, "/tmp/plugin_%s.ipc", p->name);
    stale_socket(stale);
    snprintf(stale, sizeof stale, "/tmp/func_%s.ipc", p->fn[2]);
    stale_socket(stale);
    plug_start(p);
    func_start(p, 0);
    func_start(p, 1);
    expect_exec(p, 0, "9,3", "3");
    expect_exec(p, 1, "40,2", "42");

    for (int round = 0; round < 2; round++) {
        sim_kill(p->pid);
        plug_spawn(p);
        /* The replay: the last start only. */
        char cmd[512];
        sim_func_cmd(cmd, sizeof cmd, "start", p->fn[1]);
        char *ans = command(p, cmd);
        CHECK_MSG(strcmp(ans, "ok") == 0, "replayed start: %s", ans);
        free(ans);
        expect_exec(p, 1, "1,2", "3");
        expect_exec(p, 0, "100,7", "14");
        expect_exec_fail(p, 0, "1,0", "divide by zero");
        expect_exec(p, 0, "100,10", "10");
    }
    func_start(p, 2); /* first use, over the stale socket file */
    expect_exec(p, 2, "6,8", "10");
    plug_stop(p);
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s WASMEXT GUEST_DIR SHARED_DIR SCENARIO\n",
                argv[0]);
        return 2;
    }
    T.tool = argv[1];
    T.guests = argv[2];
    const char *env = getenv("WX_SHARED_DIR");
    T.shared = env && *env ? env : argv[3];
    const char *scenario = argv[4];
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)time(NULL) ^ (unsigned)getpid() << 8);
    snprintf(T.sfx, sizeof T.sfx, "%x%04x", (unsigned)getpid() & 0xfffff,
             (unsigned)rand() & 0xffff);
    snprintf(T.tmp, sizeof T.tmp, "/tmp/wx-ekuiper-test-XXXXXX");
    REQUIRE(mkdtemp(T.tmp), "mkdtemp: %s", strerror(errno));
    char src[512];
    tmp_path(src, sizeof src, "src");
    mkdir(src, 0755);
    atexit(cleanup);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    static const struct {
        const char *name;
        void (*run)(void);
    } scenarios[] = {
        {"pack", test_pack},       {"fib", test_fib},
        {"tinygo", test_tinygo},   {"strings", test_strings},
        {"errors", test_errors},   {"keepalive", test_keepalive},
        {"restart", test_restart}, {"msgsize", test_msgsize},
        {"extism", test_extism},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
        if (strcmp(scenarios[i].name, scenario) == 0) {
            scenarios[i].run();
            if (check_failed_)
                dump_logs();
            return CHECK_DONE();
        }
    fprintf(stderr, "unknown scenario %s\n", scenario);
    return 2;
}
