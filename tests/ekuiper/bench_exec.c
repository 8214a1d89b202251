/*
 * Exec calls per second on one eKuiper function channel (bench/ runs it;
 * ctest only as a smoke test, with a few hundred calls):
 *
 *   ekuiper_bench_exec [--cpu N] [--peer-cpu N] [--time SECONDS]
 *                      [--threads] WASMEXT FIBONACCI.wasm [CALLS] [ARG]
 *
 * Packs fib (eKuiper's fixture, fib(i32) -> i32) with `WASMEXT ekuiper
 * pack` (WASMEXT: the wasmext binary), unpacks it, starts it as eKuiper
 * does, and drives its function channel one call at a time, as eKuiper
 * serialises them, with fib(ARG) (default 10). Each measurement runs
 * SECONDS (default 0.4) after a short warm-up, or CALLS calls when
 * given; the whole run takes a few seconds. The results are one line each,
 * `NAME key=value ...`:
 *
 *   ekuiper_exec_fib10 client=none  the plugin's handling of the Exec
 *                                   message alone, in process (wxk_handle),
 *                                   no IPC
 *   ekuiper_exec_fib10 client=raw   the plugin process driven by a
 *                                   minimal SP client (rawsp.c: blocking
 *                                   reads and writes on the Unix socket,
 *                                   eKuiper's exchange): the plugin's side
 *                                   of the cost, as near as it gets
 *   ekuiper_exec_fib10 client=nng   the same driven by the NNG simulator
 *                                   (sim.c), libnng on both ends
 *   ekuiper_rtt_floor plugin=P client=C
 *                                   a peer answering every message with a
 *                                   fixed reply, no work: P=raw a rawsp
 *                                   REQ, P=nng the plugin's own NNG channel
 *                                   code (chan.c), P=nng-stream NNG's
 *                                   byte streams with the SP framing done
 *                                   by the peer (NNG without its protocol
 *                                   layer); C as above (nng only for
 *                                   P=nng)
 *
 * with keys calls/s, p50_us, p99_us, p999_us (round-trip latency), and
 * for the IPC lines plugin_cs and client_cs, the context switches per call
 * of the peer process (all its threads, from /proc) and of this process
 * (getrusage). Lines starting with '#' are comments. Exit status 0 when
 * every measurement ran, 1 otherwise.
 *
 * --cpu N pins this process and its children to CPU N; --peer-cpu N pins
 * only the peer processes (the plugin, the floors' peers), all their
 * threads, before each measurement. --threads adds a
 * comment line per IPC measurement: the peer's context switches per call
 * by thread name (NNG names its threads).
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include "internal.h"
#include "rawsp.h"
#include "sim.h"
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WARMUP_NS 100000000LL /* 0.1 s, at most 2,000 calls */
#define WARMUP_CALLS 2000
#define MAX_SAMPLES (1u << 21)
#define TIMEOUT_MS 10000

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------ options */

typedef struct opts {
    double seconds;
    size_t calls; /* 0: time-based */
    int arg;
    bool threads; /* --threads: context switches by thread name */
    int peer_cpu; /* --peer-cpu: the peer's CPU, or -1 */
} opts;

/* -------------------------------------------------- context switches */

/* Context switches per thread name (NNG names its threads: nng:task,
 * nng:poll:epoll, ...), for --threads. */
#define MAX_NAMES 16
typedef struct cs_count {
    long long total;
    size_t n;
    struct {
        char name[32];
        long long cs;
        int threads;
    } by[MAX_NAMES];
} cs_count;

static void add_thread(cs_count *out, const char *dir)
{
    char file[420], line[128], name[32] = "?";
    long long cs = 0, v;
    snprintf(file, sizeof file, "%s/status", dir);
    FILE *f = fopen(file, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "Name: %31[^\n]", name) == 1)
            continue;
        if (sscanf(line, "voluntary_ctxt_switches: %lld", &v) == 1 ||
            sscanf(line, "nonvoluntary_ctxt_switches: %lld", &v) == 1)
            cs += v;
    }
    fclose(f);
    out->total += cs;
    size_t i = 0;
    while (i < out->n && strcmp(out->by[i].name, name) != 0)
        i++;
    if (i == out->n && out->n < MAX_NAMES)
        snprintf(out->by[out->n++].name, sizeof out->by[0].name, "%s", name);
    if (i < out->n) {
        out->by[i].cs += cs;
        out->by[i].threads++;
    }
}

/* The context switches of process `pid` so far, all threads. */
static void proc_cs(pid_t pid, cs_count *out)
{
    memset(out, 0, sizeof *out);
    char path[64], dir[400];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(dir, sizeof dir, "%s/%s", path, e->d_name);
        add_thread(out, dir);
    }
    closedir(d);
}

/* Pins every thread of `pid` to `cpu` (threads made later inherit it). */
static void pin_process(pid_t pid, int cpu)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            sched_setaffinity((pid_t)atoi(e->d_name), sizeof set, &set);
    closedir(d);
}

/* "# label threads: nng:task(4) 6.1 ...": per call, by thread name. */
static void print_threads(const char *label, const cs_count *a,
                          const cs_count *b, size_t calls)
{
    printf("# %s plugin threads:", label);
    for (size_t i = 0; i < b->n; i++) {
        long long before = 0;
        for (size_t j = 0; j < a->n; j++)
            if (strcmp(a->by[j].name, b->by[i].name) == 0)
                before = a->by[j].cs;
        printf(" %s(%d)=%.2f", b->by[i].name, b->by[i].threads,
               (double)(b->by[i].cs - before) / (double)calls);
    }
    printf("\n");
}

static long long self_cs(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (long long)ru.ru_nvcsw + ru.ru_nivcsw;
}

/* --------------------------------------------------------- measuring */

/* One exchange: false on failure. `ctx` is the client. */
typedef bool (*call_fn)(void *ctx, const char *msg, size_t len);

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Warms up, then runs `call` for the configured time or count, and
 * prints `label` with the figures. `peer` > 0 adds the context switches.
 */
static bool measure(const char *label, call_fn call, void *ctx,
                    const char *msg, pid_t peer, const opts *o)
{
    size_t len = strlen(msg);
    if (peer > 0 && o->peer_cpu >= 0)
        pin_process(peer, o->peer_cpu);
    int64_t w0 = now_ns();
    for (int i = 0; i < WARMUP_CALLS && now_ns() - w0 < WARMUP_NS; i++)
        if (!call(ctx, msg, len)) {
            printf("# %s: warm-up call %d failed\n", label, i);
            return false;
        }
    size_t cap = o->calls ? o->calls : MAX_SAMPLES;
    int64_t *lat = malloc(cap * sizeof *lat);
    if (!lat)
        return false;
    cs_count peer0 = {0}, peer1 = {0};
    if (peer > 0)
        proc_cs(peer, &peer0);
    long long cs_self = self_cs();
    int64_t t0 = now_ns(), end = t0 + (int64_t)(o->seconds * 1e9);
    size_t n = 0;
    bool ok = true;
    while (n < cap && (o->calls || now_ns() < end)) {
        int64_t a = now_ns();
        if (!call(ctx, msg, len)) {
            printf("# %s: call %zu failed\n", label, n);
            ok = false;
            break;
        }
        lat[n++] = now_ns() - a;
    }
    int64_t total = now_ns() - t0;
    cs_self = self_cs() - cs_self;
    if (peer > 0)
        proc_cs(peer, &peer1);
    if (ok && n > 0) {
        qsort(lat, n, sizeof *lat, cmp_i64);
        printf("%s calls/s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f", label,
               (double)n * 1e9 / (double)total, lat[n / 2] / 1e3,
               lat[n * 99 / 100] / 1e3, lat[n * 999 / 1000] / 1e3);
        if (peer > 0)
            printf(" plugin_cs=%.1f client_cs=%.1f",
                   (double)(peer1.total - peer0.total) / n,
                   (double)cs_self / n);
        printf("\n");
        if (peer > 0 && o->threads)
            print_threads(label, &peer0, &peer1, n);
        fflush(stdout);
    }
    free(lat);
    return ok;
}

/* ----------------------------------------------------------- clients */

/* What every answer must be, when set. */
typedef struct expect {
    const char *text;
    size_t len;
} expect;

static bool check(const expect *e, const char *ans, size_t n)
{
    if (!e->text || (n == e->len && memcmp(ans, e->text, n) == 0))
        return true;
    printf("# unexpected answer: %.*s\n", (int)(n > 200 ? 200 : n), ans);
    return false;
}

typedef struct raw_client {
    rawsp sp;
    expect want;
} raw_client;

static bool raw_call(void *ctx, const char *msg, size_t len)
{
    raw_client *c = ctx;
    const char *ans;
    size_t n;
    if (rawsp_exchange(&c->sp, msg, len, &ans, &n) != 0) {
        printf("# raw exchange: %s\n", strerror(errno));
        return false;
    }
    return check(&c->want, ans, n);
}

typedef struct nng_client {
    sim_chan ch;
    expect want;
} nng_client;

static bool nng_call(void *ctx, const char *msg, size_t len)
{
    nng_client *c = ctx;
    char *ans = NULL;
    (void)len;
    int rv = sim_exchange(&c->ch, msg, &ans);
    if (rv != 0) {
        printf("# nng exchange: %s\n", nng_strerror(rv));
        return false;
    }
    bool ok = check(&c->want, ans, strlen(ans));
    free(ans);
    return ok;
}

typedef struct handler_client {
    const wxk_funcs *fs;
    const wxk_func *f;
    wxk_buf seen, out;
} handler_client;

static bool handler_call(void *ctx, const char *msg, size_t len)
{
    handler_client *c = ctx;
    wxk_handle(c->f, &c->seen, msg, len, &c->out);
    return !c->out.oom;
}

/* The raw client's accept runs on a thread of its own: the peer's dial
 * (inside the plugin's answer to `start`) may wait for our header. */
typedef struct acceptor {
    pthread_t thread;
    int lfd;
    rawsp *sp;
    int rc, err;
} acceptor;

static void *accept_thread(void *arg)
{
    acceptor *a = arg;
    a->rc = rawsp_accept(a->sp, a->lfd, RAWSP_REP0, RAWSP_REQ0, TIMEOUT_MS);
    a->err = errno;
    return NULL;
}

static bool accept_start(acceptor *a, const char *path, rawsp *sp)
{
    a->sp = sp;
    a->lfd = rawsp_listen(path);
    if (a->lfd < 0) {
        printf("# listen %s: %s\n", path, strerror(errno));
        return false;
    }
    if (pthread_create(&a->thread, NULL, accept_thread, a) != 0) {
        close(a->lfd);
        return false;
    }
    return true;
}

/* Waits for the connection; the listener is closed (one peer only). */
static bool accept_finish(acceptor *a, const char *path)
{
    pthread_join(a->thread, NULL);
    close(a->lfd);
    unlink(path);
    if (a->rc != 0)
        printf("# accept on %s: %s\n", path, strerror(a->err));
    return a->rc == 0;
}

/* ------------------------------------------------------------- peers */

static const char fixed_reply[] = "{\"state\":true,\"result\":89}";

static void fixed_answer(void *arg, const void *msg, size_t len, wxk_buf *out)
{
    (void)arg;
    (void)msg;
    (void)len;
    wxk_buf_reset(out);
    wxk_buf_add(out, fixed_reply, sizeof fixed_reply - 1);
}

/* `--echo-nng SYMBOL`: the plugin's channel code (the socket and the
 * server of chan.c), a fixed answer; runs until killed. */
static int echo_nng_main(const char *symbol)
{
    wxk_buf url, why;
    wxk_buf_init(&url);
    wxk_buf_init(&why);
    wxk_url_func(&url, symbol);
    wxk_sock s;
    wxk_server *srv;
    wxk_inline budget;
    wxk_inline_init(&budget);
    if (wxk_req_open(&s, url.data, 5000, 50, &why) != 0 ||
        wxk_server_start(&srv, &s, fixed_answer, NULL, &budget, &why)) {
        fprintf(stderr, "echo: %s\n", why.data);
        return 1;
    }
    for (;;)
        pause();
}

/* `--echo-raw PATH`: a rawsp REQ dialling PATH, a fixed answer. */
static int echo_raw_main(const char *path)
{
    rawsp sp;
    int rc = -1;
    for (int i = 0; i < 100 && rc != 0; i++) {
        rc = rawsp_connect(&sp, path, RAWSP_REQ0, RAWSP_REP0, 60000);
        if (rc != 0)
            usleep(20000);
    }
    if (rc != 0 || rawsp_send(&sp, WXK_HANDSHAKE, strlen(WXK_HANDSHAKE)))
        return 1;
    const char *msg;
    size_t n;
    while (rawsp_recv(&sp, &msg, &n) == 0)
        if (rawsp_send(&sp, fixed_reply, sizeof fixed_reply - 1) != 0)
            break;
    rawsp_close(&sp);
    return 0;
}

/*
 * `--echo-stream URL`: NNG's byte-stream layer (nng_stream over ipc://)
 * with the SP framing done here and the answer sent from the receive
 * callback: what NNG costs below its SP protocol layer (one poller wake-up
 * and one task-queue hop per message). A measurement of how much of the
 * cost is the protocol layer's, not a way the plugin works: it checks no
 * request ids and never redials.
 */
typedef struct stream_echo {
    nng_stream *st;
    nng_aio *rx, *tx;
    uint32_t id;
    size_t have;
    uint8_t out[64];
    uint8_t in[1 << 16];
} stream_echo;

static void stream_put(stream_echo *e, const void *body, size_t n)
{
    uint64_t len = 4 + n;
    e->out[0] = 1;
    for (int i = 0; i < 8; i++)
        e->out[1 + i] = (uint8_t)(len >> (56 - 8 * i));
    uint32_t id = ++e->id | 0x80000000u;
    for (int i = 0; i < 4; i++)
        e->out[9 + i] = (uint8_t)(id >> (24 - 8 * i));
    memcpy(e->out + 13, body, n);
    nng_iov iov = {e->out, 13 + n};
    nng_aio_wait(e->tx); /* the previous send, done at once normally */
    nng_aio_set_iov(e->tx, 1, &iov);
    nng_stream_send(e->st, e->tx);
}

static void stream_rx(void *arg)
{
    stream_echo *e = arg;
    if (nng_aio_result(e->rx) != 0)
        _exit(0);
    e->have += nng_aio_count(e->rx);
    for (;;) {
        uint64_t n = 0;
        for (int i = 0; i < 8 && e->have >= 9; i++)
            n = n << 8 | e->in[1 + i];
        if (e->have < 9 || e->have < 9 + n || n > sizeof e->in - 9)
            break;
        stream_put(e, fixed_reply, sizeof fixed_reply - 1);
        memmove(e->in, e->in + 9 + n, e->have - 9 - n);
        e->have -= 9 + n;
    }
    nng_iov iov = {e->in + e->have, sizeof e->in - e->have};
    nng_aio_set_iov(e->rx, 1, &iov);
    nng_stream_recv(e->st, e->rx);
}

/* Sends or receives exactly n bytes, waiting. */
static bool stream_io(nng_stream *st, nng_aio *aio, void *buf, size_t n,
                      bool send)
{
    while (n > 0) {
        nng_iov iov = {buf, n};
        nng_aio_set_iov(aio, 1, &iov);
        if (send)
            nng_stream_send(st, aio);
        else
            nng_stream_recv(st, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio) != 0)
            return false;
        buf = (char *)buf + nng_aio_count(aio);
        n -= nng_aio_count(aio);
    }
    return true;
}

static int echo_stream_main(const char *url)
{
    static stream_echo e;
    nng_stream_dialer *d;
    nng_aio *aio;
    if (nng_stream_dialer_alloc(&d, url) != 0 ||
        nng_aio_alloc(&aio, NULL, NULL) != 0)
        return 1;
    nng_stream_dialer_dial(d, aio);
    nng_aio_wait(aio);
    if (nng_aio_result(aio) != 0)
        return 1;
    e.st = nng_aio_get_output(aio, 0);
    uint8_t hdr[8] = {0, 'S', 'P', 0, 0, RAWSP_REQ0, 0, 0}, peer[8];
    if (!stream_io(e.st, aio, hdr, 8, true) ||
        !stream_io(e.st, aio, peer, 8, false))
        return 1;
    if (nng_aio_alloc(&e.rx, stream_rx, &e) != 0 ||
        nng_aio_alloc(&e.tx, NULL, NULL) != 0)
        return 1;
    stream_put(&e, WXK_HANDSHAKE, strlen(WXK_HANDSHAKE));
    nng_iov iov = {e.in, sizeof e.in};
    nng_aio_set_iov(e.rx, 1, &iov);
    nng_stream_recv(e.st, e.rx);
    for (;;)
        pause();
}

static pid_t spawn_self(const char *mode, const char *arg)
{
    char *argv[] = {"ekuiper_bench_exec", (char *)mode, (char *)arg, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    return pid;
}

/* ------------------------------------------------------- the phases */

static char tmp[256];

static void cleanup(void)
{
    if (tmp[0])
        tl_remove_tree(tmp);
}

/* The handler alone: the same FuncData answered in process. Its reply
 * becomes what every IPC answer must be. */
static bool bench_handler(const char *cfg, const char *name, const char *fn,
                          const char *label, const char *msg, const opts *o,
                          char **reply)
{
    char db[300], dir[300];
    snprintf(db, sizeof db, "%s/bench.db", tmp);
    snprintf(dir, sizeof dir, "%s/src", tmp);
    wx_error err;
    wx_manager *m = wx_manager_open(db, NULL, &err);
    char *text = tl_read(cfg, NULL);
    wxk_funcs fs;
    if (!m || !text || wx_manager_add(m, text, dir, &err) != WX_OK ||
        wxk_funcs_load(m, name, &fs, &err) != WX_OK) {
        printf("# handler: %s\n", err.message);
        free(text);
        return false;
    }
    free(text);
    handler_client hc = {&fs, wxk_funcs_find(&fs, fn), {0}, {0}};
    wxk_buf_init(&hc.seen);
    wxk_buf_init(&hc.out);
    char what[96];
    snprintf(what, sizeof what, "%s client=none", label);
    bool ok = measure(what, handler_call, &hc, msg, 0, o);
    if (ok) {
        printf("# reply: %s\n", hc.out.data);
        *reply = strdup(hc.out.data);
    }
    wxk_buf_free(&hc.out);
    wxk_buf_free(&hc.seen);
    wxk_funcs_free(&fs);
    wx_manager_close(m);
    return ok && *reply;
}

/* A fixed-reply peer driven by both clients (raw first, then nng on the
 * same socket path, which the peer redials). */
static bool bench_floor(const char *peer_kind, const char *msg, const opts *o)
{
    char sym[64], path[128], label[96];
    snprintf(sym, sizeof sym, "bench_floor_%x", (unsigned)getpid());
    snprintf(path, sizeof path, "/tmp/func_%s.ipc", sym);
    raw_client rc = {.want = {fixed_reply, sizeof fixed_reply - 1}};
    acceptor acc;
    if (!accept_start(&acc, path, &rc.sp))
        return false;
    bool raw_peer = strcmp(peer_kind, "raw") == 0;
    bool stream_peer = strcmp(peer_kind, "nng-stream") == 0;
    char url[160];
    snprintf(url, sizeof url, "ipc://%s", path);
    pid_t pid = spawn_self(raw_peer      ? "--echo-raw"
                           : stream_peer ? "--echo-stream"
                                         : "--echo-nng",
                           raw_peer      ? path
                           : stream_peer ? url
                                         : sym);
    bool ok = pid > 0 && accept_finish(&acc, path);
    if (ok) {
        snprintf(label, sizeof label, "ekuiper_rtt_floor plugin=%s client=raw",
                 peer_kind);
        ok = measure(label, raw_call, &rc, msg, pid, o);
        rawsp_close(&rc.sp);
    }
    /* The NNG client only with the plugin's own NNG peer: the others do
     * not redial. */
    if (ok && !raw_peer && !stream_peer) {
        nng_client nc = {.want = {fixed_reply, sizeof fixed_reply - 1}};
        ok = sim_listen_func(&nc.ch, sym, TIMEOUT_MS, TIMEOUT_MS) == 0;
        snprintf(label, sizeof label, "ekuiper_rtt_floor plugin=%s client=nng",
                 peer_kind);
        if (ok) {
            ok = measure(label, nng_call, &nc, msg, pid, o);
            sim_chan_close(&nc.ch);
        }
    }
    sim_kill(pid);
    return ok;
}

/* The plugin process: raw client, then the NNG simulator. */
static bool bench_plugin(const char *exe, const char *name, const char *fn,
                         const char *label, const char *msg, const char *reply,
                         const char *log, const opts *o)
{
    sim_chan ctrl;
    if (sim_listen_control(&ctrl, name, TIMEOUT_MS) != 0)
        return false;
    pid_t pid = sim_spawn(exe, "{\"sendTimeout\":1000}", log);
    char path[128], cmd[512], what[96];
    snprintf(path, sizeof path, "/tmp/func_%s.ipc", fn);
    raw_client rc = {.want = {reply, strlen(reply)}};
    acceptor acc;
    char *ans = NULL;
    bool ok = pid > 0 && sim_handshake(&ctrl, TIMEOUT_MS) == 0 &&
              accept_start(&acc, path, &rc.sp);
    if (ok) {
        sim_func_cmd(cmd, sizeof cmd, "start", fn);
        bool started = sim_exchange(&ctrl, cmd, &ans) == 0 && ans &&
                       strcmp(ans, WXK_OK) == 0;
        ok = accept_finish(&acc, path) && started;
    }
    if (!ok) {
        printf("# the plugin did not start (log: %s)\n", log);
    } else {
        snprintf(what, sizeof what, "%s client=raw", label);
        ok = measure(what, raw_call, &rc, msg, pid, o);
        rawsp_close(&rc.sp);
    }
    if (ok) {
        /* The plugin redials the same path, now an NNG listener. */
        nng_client nc = {.want = {reply, strlen(reply)}};
        ok = sim_listen_func(&nc.ch, fn, TIMEOUT_MS, TIMEOUT_MS) == 0;
        snprintf(what, sizeof what, "%s client=nng", label);
        if (ok) {
            ok = measure(what, nng_call, &nc, msg, pid, o);
            sim_chan_close(&nc.ch);
        }
    }
    free(ans);
    sim_kill(pid);
    sim_chan_close(&ctrl);
    return ok;
}

/* Packs the fixture as plugin `name` with function `fn`; the unpacked
 * executable's path in `exe`. */
static bool prepare(const char *tool, const char *wasm, const char *name,
                    const char *fn, char *cfg, size_t cfg_size, char *exe,
                    size_t exe_size, const char *log)
{
    char path[512], zip[512], dir[512], text[512];
    snprintf(path, sizeof path, "%s/src", tmp);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/src/%s.wasm", tmp, name);
    const char *from[] = {"fib"}, *to[] = {fn};
    if (!tl_rename_exports(wasm, path, from, to, 1)) {
        printf("# cannot read %s\n", wasm);
        return false;
    }
    snprintf(cfg, cfg_size, "%s/src/%s.json", tmp, name);
    snprintf(text, sizeof text,
             "{\"name\":\"%s\",\"vm_config\":{\"path\":\"%s.wasm\"},"
             "\"functions\":[\"%s\"]}",
             name, name, fn);
    tl_write(cfg, text, strlen(text));
    snprintf(zip, sizeof zip, "%s/%s.zip", tmp, name);
    snprintf(dir, sizeof dir, "%s/plugins/portable/%s", tmp, name);
    char *pack[] = {(char *)tool, "ekuiper", "pack", cfg, "-o", zip, NULL};
    if (tl_run(pack, log, 60000) != 0 || !tl_unzip(zip, dir, NULL, NULL)) {
        printf("# pack failed (see %s)\n", log);
        return false;
    }
    snprintf(exe, exe_size, "%s/%s", dir, name);
    return true;
}

static int usage(const char *self)
{
    fprintf(stderr,
            "usage: %s [--cpu N] [--peer-cpu N] [--time SECONDS] "
            "[--threads] WASMEXT FIBONACCI.wasm [CALLS] [ARG]\n",
            self);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--echo-nng") == 0)
        return echo_nng_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--echo-raw") == 0)
        return echo_raw_main(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--echo-stream") == 0)
        return echo_stream_main(argv[2]);
    opts o = {0.4, 0, 10, false, -1};
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (i + 1 >= argc && strcmp(argv[i], "--threads") != 0)
            return usage(argv[0]);
        if (strcmp(argv[i], "--cpu") == 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(atoi(argv[i + 1]), &set);
            if (sched_setaffinity(0, sizeof set, &set) != 0)
                perror("sched_setaffinity");
        } else if (strcmp(argv[i], "--threads") == 0) {
            o.threads = true;
            i--; /* no value */
        } else if (strcmp(argv[i], "--peer-cpu") == 0) {
            o.peer_cpu = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--time") == 0) {
            o.seconds = atof(argv[i + 1]);
        } else {
            return usage(argv[0]);
        }
    }
    if (argc - i < 2 || argc - i > 4 || o.seconds <= 0)
        return usage(argv[0]);
    const char *tool = argv[i], *wasm = argv[i + 1];
    if (argc - i > 2)
        o.calls = strtoul(argv[i + 2], NULL, 10);
    if (argc - i > 3)
        o.arg = atoi(argv[i + 3]);
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmp, sizeof tmp, "/tmp/wx-ekuiper-bench-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    atexit(cleanup);

    char name[64], fn[64], cfg[512], exe[600], log[300], label[64];
    snprintf(name, sizeof name, "bench_%x", (unsigned)getpid());
    snprintf(fn, sizeof fn, "fib_%x", (unsigned)getpid());
    snprintf(log, sizeof log, "%s/log", tmp);
    snprintf(label, sizeof label, "ekuiper_exec_fib%d", o.arg);
    char msg[256];
    snprintf(msg, sizeof msg,
             "{\"func\":\"Exec\",\"arg\":[%d,\"{\\\"ruleId\\\":\\\"rule1\\\","
             "\\\"opId\\\":\\\"op1\\\",\\\"instanceId\\\":0,"
             "\\\"funcId\\\":0}\"]}",
             o.arg);
    printf("# Exec fib(%d) on one function channel, %s per measurement\n",
           o.arg, o.calls ? "fixed calls" : "fixed time");
    fflush(stdout);

    char *reply = NULL;
    bool ok =
        prepare(tool, wasm, name, fn, cfg, sizeof cfg, exe, sizeof exe, log) &&
        bench_handler(cfg, name, fn, label, msg, &o, &reply);
    ok = ok && bench_plugin(exe, name, fn, label, msg, reply, log, &o);
    bool floors = bench_floor("raw", msg, &o);
    floors = bench_floor("nng", msg, &o) && floors;
    floors = bench_floor("nng-stream", msg, &o) && floors;
    free(reply);
    return ok && floors ? 0 : 1;
}
