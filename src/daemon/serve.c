/*
 * The daemon's lifecycle:
 *
 *   options -> signals blocked -> registry opened -> catalog built ->
 *   socket bound -> HTTP workers started -> "listening on HOST:PORT" ->
 *   wait for SIGTERM/SIGINT -> stop accepting -> drain the requests in
 *   flight (bounded by --drain-ms; a second signal cuts it short) ->
 *   HTTP stopped -> registry closed -> exit 0.
 *
 * Signals are blocked before any thread starts, so every thread inherits
 * the mask and the main thread takes them synchronously with
 * sigtimedwait: no handler, no async-signal-safety to worry about.
 *
 * Nothing needs saving at the stop: every change was committed to the
 * registry before it was acknowledged, which is also why kill -9 loses
 * nothing acknowledged.
 */
#include "daemon.h"
#include "wxd.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal";
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Blocks the stop signals in this thread (and so in every thread it
 * starts); SIGPIPE is ignored, since a client may hang up mid-response. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Waits up to `ms` for one of `set`; the signal, or 0 at the timeout. */
static int wait_signal(const sigset_t *set, long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    for (;;) {
        int sig = ms < 0 ? sigwaitinfo(set, NULL)
                         : sigtimedwait(set, NULL, &ts);
        if (sig > 0)
            return sig;
        if (errno == EAGAIN)
            return 0;
        /* EINTR: another signal (SIGCHLD, SIGWINCH...) woke us. */
    }
}

/* The drain: waits until no request is in flight, the drain time has
 * passed, or a second stop signal came. */
static void drain(wxd_server *s, const sigset_t *set)
{
    uint64_t deadline = wxd_now_ns() + (uint64_t)s->opts.drain_ms * 1000000u;
    long n = atomic_load(&s->inflight);
    if (n)
        wxd_logf(&s->log, WXD_INFO, "draining %ld request%s in flight", n,
                 n == 1 ? "" : "s");
    while ((n = atomic_load(&s->inflight)) > 0) {
        if (wxd_now_ns() >= deadline) {
            wxd_logf(&s->log, WXD_WARN,
                     "drain time (%u ms) over with %ld request%s in "
                     "flight: closing the connections (calls still "
                     "running end first)",
                     s->opts.drain_ms, n, n == 1 ? "" : "s");
            return;
        }
        int sig = wait_signal(set, 10);
        if (sig) {
            wxd_logf(&s->log, WXD_WARN,
                     "%s again: closing the connections of %ld request%s "
                     "(calls still running end first)",
                     signal_name(sig), n, n == 1 ? "" : "s");
            return;
        }
    }
}

/*
 * The drain ended with handlers still running: guest calls (a plugin
 * without timeout_ms can loop forever) or changes. Their workers cannot
 * be joined and the manager cannot be closed under them, so the process
 * exits now, with status 1 to say the stop was not clean. Nothing
 * acknowledged is lost: every change was committed before its answer,
 * and a change cut short is rolled back by SQLite at the next open.
 */
static void abandon(wxd_server *s)
{
    long n = atomic_load(&s->handlers);
    wxd_logf(&s->log, WXD_ERROR,
             "%ld request%s still running after the drain (a guest call "
             "without limits.timeout_ms?): exiting without waiting",
             n, n == 1 ? "" : "s");
    fflush(stdout);
    fflush(stderr);
    _exit(1);
}

static void log_start(wxd_server *s, unsigned threads)
{
    char *text = wx_manager_list(s->mgr, NULL);
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    wx_free(text);
    size_t plugins = json_array_size(list), broken = 0, i;
    json_t *p;
    json_array_foreach(list, i, p) {
        const char *st = json_string_value(json_object_get(p, "status"));
        if (!st || strcmp(st, "ok") != 0) {
            broken++;
            wxd_logf(&s->log, WXD_WARN, "plugin %s: %s",
                     json_string_value(json_object_get(p, "name")),
                     st ? st : "no status");
        }
    }
    json_decref(list);
    wxd_logf(&s->log, WXD_INFO,
             "listening on %s (registry %s, %zu plugin%s, %u thread%s)",
             s->bound, wx_manager_db_path(s->mgr), plugins,
             plugins == 1 ? "" : "s", threads, threads == 1 ? "" : "s");
    if (broken)
        wxd_logf(&s->log, WXD_WARN,
                 "%zu plugin%s in error status (see GET /plugins)", broken,
                 broken == 1 ? " is" : "s are");
}

/* Opens the registry and the metrics; 0, or the exit code. */
static int open_state(wxd_server *s)
{
    wx_error err;
    wx_manager_opts mo = {0};
    mo.wait_ms = s->opts.wait_ms;
    s->mgr = wx_manager_open(s->opts.db, &mo, &err);
    if (!s->mgr) {
        wxd_logf(&s->log, WXD_ERROR, "cannot open the registry: %s",
                 err.message);
        return 1;
    }
    s->metrics = wxd_metrics_new();
    s->catalog = wxd_catalog_new();
    if (!s->metrics || !s->catalog ||
        !wxd_catalog_rebuild(s->catalog, s->mgr, s->metrics)) {
        wxd_logf(&s->log, WXD_ERROR, "out of memory at startup");
        return 1;
    }
    return 0;
}

static void close_state(wxd_server *s)
{
    if (s->mgr)
        wx_manager_close(s->mgr);
    wxd_catalog_free(s->catalog);
    wxd_metrics_free(s->metrics);
}

static int serve(wxd_server *s, const sigset_t *set)
{
    char why[320];
    int fd = wxd_listen(s->opts.listen, s->bound, sizeof s->bound, why,
                        sizeof why);
    if (fd < 0) {
        wxd_logf(&s->log, WXD_ERROR, "%s", why);
        return 1;
    }
    unsigned threads = s->opts.threads ? s->opts.threads : default_threads();
    wxd_http *h = wxd_http_start(s, fd, threads);
    if (!h) {
        wxd_logf(&s->log, WXD_ERROR, "cannot start the HTTP server on %s",
                 s->bound);
        close(fd);
        return 1;
    }
    /* The one line on stdout, for scripts and tests that asked for a
     * free port. */
    printf("listening on %s\n", s->bound);
    fflush(stdout);
    log_start(s, threads);

    int sig = wait_signal(set, -1);
    wxd_logf(&s->log, WXD_INFO, "%s: stopping", signal_name(sig));
    atomic_store(&s->draining, true);
    wxd_http_quiesce(h);
    /* The socket stays open until the workers are gone (quiesce's
     * contract), but shut down it refuses new connections at once
     * instead of leaving them in the backlog until the stop. */
    shutdown(fd, SHUT_RDWR);
    drain(s, set);
    if (atomic_load(&s->handlers) > 0)
        abandon(s);
    wxd_http_stop(h);
    close(fd);
    return 0;
}

int wxd_serve_main_db(const char *db, int argc, char **argv)
{
    wxd_server *s = calloc(1, sizeof *s);
    if (!s) {
        fputs("wasmext serve: out of memory\n", stderr);
        return 1;
    }
    s->opts.db = db;
    int rc = wxd_options_parse(&s->opts, argc, argv);
    if (rc == 0 && s->opts.help)
        wxd_options_help();
    if (rc != 0 || s->opts.help) {
        free(s);
        return rc;
    }
    s->log.level = s->opts.log_level;
    s->start_ns = wxd_now_ns();
    pthread_mutex_init(&s->change_lock, NULL);

    sigset_t set;
    block_signals(&set);
    rc = open_state(s);
    if (rc == 0)
        rc = serve(s, &set);
    close_state(s);
    if (rc == 0)
        wxd_logf(&s->log, WXD_INFO, "stopped");
    pthread_mutex_destroy(&s->change_lock);
    free(s);
    return rc;
}

int wxd_serve_main(int argc, char **argv)
{
    return wxd_serve_main_db(NULL, argc, argv);
}
