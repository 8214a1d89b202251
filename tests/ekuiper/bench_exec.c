/*
 * Exec calls per second on one eKuiper function channel (not run by
 * ctest):
 *
 *   ekuiper_bench_exec [--cpu N] TOOL FIBONACCI.wasm [CALLS] [ARG]
 *
 * Packs fib (eKuiper's fixture, fib(i32) -> i32) with TOOL
 * (wasmext-ekuiper), unpacks it, starts it as eKuiper does, and drives one
 * function channel with the simulator's exchange (sim.c: eKuiper's own
 * send / receive / resend-on-'h' logic over NNG REQ/REP IPC), one call at
 * a time as eKuiper serialises them. Reports calls per second and the
 * latency percentiles of a round trip, for fib(ARG) (default 10).
 *
 * To show where the time goes it also times, with the same message:
 *   - the plugin's handling alone, without IPC (wxk_handle on an
 *     in-process manager);
 *   - the NNG floor: a peer process running the plugin's own channel code
 *     (wxk_req_open, wxk_req_next) that answers every message with a
 *     fixed reply, so the round trip is NNG's and the kernel's only.
 * --cpu N pins the benchmark and its children to CPU N (one CPU for
 * both processes), which on small VMs avoids cross-CPU wake-ups.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include "internal.h"
#include "sim.h"
#include "testlib.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *lat, size_t n, int64_t total)
{
    qsort(lat, n, sizeof *lat, cmp_i64);
    printf("%-28s %9.0f calls/s  p50 %6.1f us  p99 %6.1f us  "
           "p99.9 %6.1f us  max %7.1f us\n",
           what, (double)n * 1e9 / (double)total, lat[n / 2] / 1e3,
           lat[n * 99 / 100] / 1e3, lat[n * 999 / 1000] / 1e3,
           lat[n - 1] / 1e3);
}

static char tmp[256];

static void cleanup(void)
{
    if (tmp[0])
        tl_remove_tree(tmp);
}

/* The handler alone: the same FuncData answered in process. */
static void bench_handler(const char *cfg, const char *name, const char *fn,
                          const char *msg, size_t calls)
{
    char db[300];
    snprintf(db, sizeof db, "%s/bench.db", tmp);
    wx_error err;
    wx_manager *m = wx_manager_open(db, NULL, &err);
    char *text = tl_read(cfg, NULL);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/src", tmp);
    wxk_funcs fs;
    if (!m || !text || wx_manager_add(m, text, dir, &err) != WX_OK ||
        wxk_funcs_load(m, name, &fs, &err) != WX_OK) {
        fprintf(stderr, "handler bench: %s\n", err.message);
        exit(1);
    }
    free(text);
    wxk_func *f = wxk_funcs_find(&fs, fn);
    wxk_buf out;
    wxk_buf_init(&out);
    int64_t *lat = malloc(calls * sizeof *lat);
    int64_t t0 = now_ns();
    for (size_t i = 0; i < calls; i++) {
        int64_t a = now_ns();
        wxk_handle(&fs, f, msg, strlen(msg), &out);
        lat[i] = now_ns() - a;
    }
    int64_t total = now_ns() - t0;
    printf("handler reply: %s\n", out.data);
    report("handler only (no IPC)", lat, calls, total);
    free(lat);
    wxk_buf_free(&out);
    wxk_funcs_free(&fs);
    wx_manager_close(m);
}

/* The NNG floor's peer: `--echo SYMBOL`, dialling func_SYMBOL. */
static int echo_main(const char *symbol)
{
    wxk_buf url, why;
    wxk_buf_init(&url);
    wxk_buf_init(&why);
    wxk_url_func(&url, symbol);
    wxk_sock s;
    if (wxk_req_open(&s, url.data, 5000, 50, &why) != 0) {
        fprintf(stderr, "echo: %s\n", why.data);
        return 1;
    }
    static const char reply[] = "{\"state\":true,\"result\":89}";
    const char *answer = NULL;
    size_t len = 0;
    void *msg;
    size_t n;
    while (wxk_req_next(&s, answer, len, &msg, &n) == WXK_NEXT_MSG) {
        wxk_msg_free(msg, n);
        answer = reply;
        len = sizeof reply - 1;
    }
    return 0;
}

/* Runs `calls` Exec exchanges on `ch`; prints the report. */
static bool drive(sim_chan *ch, const char *msg, size_t calls,
                  const char *what)
{
    char *ans = NULL;
    /* Warm up (first call, page faults), then measure. */
    for (int i = 0; i < 1000; i++) {
        if (sim_exchange(ch, msg, &ans) != 0)
            return false;
        free(ans);
    }
    int64_t *lat = malloc(calls * sizeof *lat);
    int64_t t0 = now_ns();
    for (size_t i = 0; i < calls; i++) {
        int64_t a = now_ns();
        if (sim_exchange(ch, msg, &ans) != 0) {
            fprintf(stderr, "call %zu failed\n", i);
            free(lat);
            return false;
        }
        lat[i] = now_ns() - a;
        if (i == 0 && strcmp(what, "NNG floor (fixed reply)") != 0)
            printf("plugin reply:  %s\n", ans);
        free(ans);
    }
    report(what, lat, calls, now_ns() - t0);
    free(lat);
    return true;
}

static bool floor_bench(const char *self, const char *msg, size_t calls)
{
    char sym[64], log[300];
    snprintf(sym, sizeof sym, "echo_%x", (unsigned)getpid());
    snprintf(log, sizeof log, "%s/echo.log", tmp);
    sim_chan ch;
    if (sim_listen_func(&ch, sym, 5000, 5000) != 0)
        return false;
    char *argv[] = {(char *)self, "--echo", sym, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    bool ok = pid > 0 && drive(&ch, msg, calls, "NNG floor (fixed reply)");
    sim_kill(pid);
    sim_chan_close(&ch);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--echo") == 0)
        return echo_main(argv[2]);
    if (argc > 2 && strcmp(argv[1], "--cpu") == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(atoi(argv[2]), &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            perror("sched_setaffinity");
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s [--cpu N] TOOL FIBONACCI.wasm [CALLS] [ARG]\n",
                argv[0]);
        return 2;
    }
    const char *tool = argv[1], *wasm = argv[2];
    size_t calls = argc > 3 ? strtoul(argv[3], NULL, 10) : 200000;
    int arg = argc > 4 ? atoi(argv[4]) : 10;
    if (calls < 100)
        calls = 100;
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmp, sizeof tmp, "/tmp/wx-ekuiper-bench-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    atexit(cleanup);
    char name[64], fn[64], path[512], cfg[512], zip[512], log[512], dir[512];
    snprintf(name, sizeof name, "bench_%x", (unsigned)getpid());
    snprintf(fn, sizeof fn, "fib_%x", (unsigned)getpid());
    snprintf(path, sizeof path, "%s/src", tmp);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/src/%s.wasm", tmp, name);
    const char *from[] = {"fib"}, *to[] = {fn};
    if (!tl_rename_exports(wasm, path, from, to, 1)) {
        fprintf(stderr, "cannot read %s\n", wasm);
        return 1;
    }
    snprintf(cfg, sizeof cfg, "%s/src/%s.json", tmp, name);
    char text[512];
    snprintf(text, sizeof text,
             "{\"name\":\"%s\",\"vm_config\":{\"path\":\"%s.wasm\"},"
             "\"functions\":[\"%s\"]}",
             name, name, fn);
    tl_write(cfg, text, strlen(text));
    snprintf(zip, sizeof zip, "%s/%s.zip", tmp, name);
    snprintf(log, sizeof log, "%s/log", tmp);
    char *pack[] = {(char *)tool, "ekuiper", "pack", cfg, "-o", zip, NULL};
    snprintf(dir, sizeof dir, "%s/plugins/portable/%s", tmp, name);
    if (tl_run(pack, log, 60000) != 0 || !tl_unzip(zip, dir, NULL, NULL)) {
        fprintf(stderr, "pack failed (see %s)\n", log);
        return 1;
    }

    char msg[256];
    snprintf(msg, sizeof msg,
             "{\"func\":\"Exec\",\"arg\":[%d,\"{\\\"ruleId\\\":\\\"rule1\\\","
             "\\\"opId\\\":\\\"op1\\\",\\\"instanceId\\\":0,"
             "\\\"funcId\\\":0}\"]}",
             arg);
    bench_handler(cfg, name, fn, msg, calls);
    if (!floor_bench(argv[0], msg, calls))
        fprintf(stderr, "NNG floor benchmark failed\n");

    sim_chan ctrl, ch;
    char exe[700], cmd[512];
    snprintf(exe, sizeof exe, "%s/%s", dir, name);
    if (sim_listen_control(&ctrl, name, 10000) != 0)
        return 1;
    pid_t pid = sim_spawn(exe, "{\"sendTimeout\":1000}", log);
    char *ans = NULL;
    int rc = 1;
    sim_func_cmd(cmd, sizeof cmd, "start", fn);
    if (sim_handshake(&ctrl, 10000) != 0 ||
        sim_listen_func(&ch, fn, 5000, 5000) != 0 ||
        sim_exchange(&ctrl, cmd, &ans) != 0 || strcmp(ans, "ok") != 0) {
        fprintf(stderr, "plugin did not start (see %s)\n", log);
        goto done;
    }
    free(ans);
    ans = NULL;
    char what[64];
    snprintf(what, sizeof what, "Exec fib(%d) over IPC", arg);
    if (!drive(&ch, msg, calls, what))
        goto done;
    rc = 0;
done:
    free(ans);
    sim_kill(pid);
    sim_chan_close(&ch);
    sim_chan_close(&ctrl);
    return rc;
}
