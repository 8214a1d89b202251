/*
 * The daemon's lifecycle:
 *
 *   options -> signals blocked -> registry opened (a Redis registry that
 *   does not answer yet: retried every second) -> registry follower
 *   started -> metrics made -> socket bound -> HTTP workers started ->
 *   "listening on HOST:PORT" -> wait for SIGTERM/SIGINT -> stop
 *   accepting -> drain the requests in flight (bounded by --drain-ms; a
 *   second signal cuts it short) -> HTTP stopped -> follower stopped ->
 *   registry closed -> exit 0.
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

#include "dl_mhd.h"

#include <errno.h>
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
 * whose config sets timeout_ms 0 can loop forever) or changes. Their workers cannot
 * be joined and the manager cannot be closed under them, so the process
 * exits now, with status 1 to say the stop was not clean. Nothing
 * acknowledged is lost: every change was committed before its answer,
 * and a change cut short is rolled back by SQLite at the next open.
 */
static void abandon(wxd_server *s, long n)
{
    wxd_logf(&s->log, WXD_ERROR,
             "%ld request%s still running after the drain (a guest call "
             "with limits.timeout_ms 0?): exiting without waiting",
             n, n == 1 ? "" : "s");
    fflush(stdout);
    fflush(stderr);
    _exit(1);
}

static void log_start(wxd_server *s, unsigned threads)
{
    wx_plugin_list list;
    if (wx_manager_plugins(s->mgr, NULL, 0, &list, NULL) != WX_OK)
        memset(&list, 0, sizeof list); /* out of memory: no plugin lines */
    size_t plugins = list.count, broken = 0;
    for (size_t i = 0; i < list.count; i++) {
        const wx_plugin_info *p = &list.plugins[i];
        if (p->error) {
            broken++;
            wxd_logf(&s->log, WXD_WARN, "plugin %s: error: %s", p->name,
                     p->error);
        }
    }
    wx_plugin_list_free(&list);
    wxd_logf(&s->log, WXD_INFO,
             "listening on %s (registry %s, %zu plugin%s, %u HTTP "
             "thread%s, %u call threads)",
             s->bound, wx_manager_db_path(s->mgr), plugins,
             plugins == 1 ? "" : "s", threads, threads == 1 ? "" : "s",
             s->opts.call_threads);
    char per_ip[32] = "off";
    if (s->opts.max_per_ip)
        snprintf(per_ip, sizeof per_ip, "%u", s->opts.max_per_ip);
    wxd_logf(&s->log, WXD_INFO,
             "bounds: %u connections (per address: %s), request bodies "
             "%zu bytes each and %zu in all, request timeout %u s, idle "
             "timeout %u s",
             s->opts.max_connections, per_ip, s->opts.max_body,
             s->opts.max_inflight_body, s->opts.request_timeout_s,
             s->opts.idle_s);
    if (broken)
        wxd_logf(&s->log, WXD_WARN,
                 "%zu plugin%s in error status (see GET /plugins)", broken,
                 broken == 1 ? " is" : "s are");
}

/*
 * Whether a failed open is worth retrying: a Redis registry that cannot
 * be reached (WX_EIO; a bad URL is WX_EARG) may be starting, or be back
 * in a moment, and a fleet's daemons should not die with it. A file that
 * cannot be opened will not get better by waiting.
 */
static bool open_retryable(const wxd_server *s, const wx_error *err)
{
    const char *path = s->opts.db;
    char *dflt = path ? NULL : wx_manager_default_db(NULL);
    bool redis = wx_registry_store_of(path ? path : dflt) == WX_STORE_REDIS;
    wx_free(dflt);
    return redis && err->status == WX_EIO;
}

/* Opens the manager, retrying every second while the registry cannot be
 * reached. 0 (s->mgr NULL if a stop signal came first), or the exit
 * code. */
static int open_manager(wxd_server *s, const sigset_t *set)
{
    wx_error err;
    wx_manager_opts mo = {0};
    mo.wait_ms = s->opts.wait_ms;
    mo.memory_budget = s->opts.memory_budget; /* 0: env or default */
    for (unsigned tries = 1;; tries++) {
        s->mgr = wx_manager_open(s->opts.db, &mo, &err);
        if (s->mgr) {
            if (tries > 1)
                wxd_logf(&s->log, WXD_INFO, "registry opened after %u tries",
                         tries);
            return 0;
        }
        if (!open_retryable(s, &err)) {
            wxd_logf(&s->log, WXD_ERROR, "cannot open the registry: %s",
                     err.message);
            return 1;
        }
        /* Said once, then every minute: a long outage is one line a
         * minute in the log, not sixty. */
        if (tries == 1 || tries % 60 == 0)
            wxd_logf(&s->log, WXD_WARN,
                     "cannot open the registry: %s; retrying every second "
                     "(try %u; SIGTERM stops)",
                     err.message, tries);
        int sig = wait_signal(set, 1000);
        if (sig) {
            wxd_logf(&s->log, WXD_INFO,
                     "%s: stopping before the registry opened",
                     signal_name(sig));
            return 0;
        }
    }
}

/* Opens the registry, its follower and the metrics; 0, or the exit
 * code. */
static int open_state(wxd_server *s, const sigset_t *set)
{
    int rc = open_manager(s, set);
    if (rc || !s->mgr)
        return rc;
    char why[200];
    if (!wxd_follow_start(s, why, sizeof why)) {
        wxd_logf(&s->log, WXD_ERROR, "%s", why);
        return 1;
    }
    s->metrics = wxd_metrics_new();
    if (!s->metrics) {
        wxd_logf(&s->log, WXD_ERROR, "out of memory at startup");
        return 1;
    }
    return 0;
}

static void close_state(wxd_server *s)
{
    wxd_follow_stop(s);
    if (s->mgr)
        wx_manager_close(s->mgr);
    wxd_metrics_free(s->metrics);
}

/* The whole of a PEM file, or NULL with `why` set. */
static char *read_pem(const char *opt, const char *path, char *why,
                      size_t wsize)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    if (f) {
        buf = malloc(1 << 20);
        n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
        if (buf && (ferror(f) || n == 0 || !feof(f))) {
            snprintf(why, wsize, "%s %s: %s", opt, path,
                     n ? "larger than 1 MiB" : "empty or unreadable");
            free(buf);
            buf = NULL;
        }
        fclose(f);
    } else {
        snprintf(why, wsize, "%s %s: %s", opt, path, strerror(errno));
    }
    if (buf)
        buf[n] = '\0';
    return buf;
}

/*
 * The access model, once the address is known (docs/security.md):
 * without tokens the daemon serves only loopback and unix sockets,
 * unless the operator said --insecure-no-auth, and then says loudly what
 * that means. 0, or the exit code.
 */
static int check_exposure(wxd_server *s)
{
    if (s->tokens) {
        wxd_logf(&s->log, WXD_INFO,
                 "access: bearer tokens (%zu in %s)%s",
                 wxd_tokens_count(s->tokens), s->opts.token_file,
                 s->tls ? ", TLS" : "");
        if (!s->tls && !s->loopback)
            wxd_logf(&s->log, WXD_WARN,
                     "tokens travel in clear text on %s: use --tls-cert "
                     "and --tls-key, or a TLS proxy",
                     s->bound);
        return 0;
    }
    if (s->loopback) {
        wxd_logf(&s->log, WXD_INFO,
                 "access: no tokens; %s only, with Host and Origin "
                 "checks",
                 s->unix_socket ? "the socket file's owner and group"
                                : "clients on this host");
        return 0;
    }
    if (!s->opts.insecure_no_auth) {
        wxd_logf(&s->log, WXD_ERROR,
                 "refusing to serve %s without authentication: it is not a "
                 "loopback address, and anyone who reaches it could run "
                 "code here. Give --token-file FILE, listen on 127.0.0.1 "
                 "or unix:PATH, or (on a network you trust) pass "
                 "--insecure-no-auth",
                 s->bound);
        return 1;
    }
    for (int i = 0; i < 3; i++)
        wxd_logf(&s->log, WXD_WARN,
                 "!!! INSECURE: --insecure-no-auth: anyone who can reach %s "
                 "can add plugins and run code on this host; only Origin "
                 "checks stand in the way of web pages !!!",
                 s->bound);
    return 0;
}

/* Tokens, allowed directories, TLS material: 0, or the exit code. */
static int load_access(wxd_server *s, char **cert, char **key)
{
    char why[600];
    if (s->opts.token_file &&
        !(s->tokens = wxd_tokens_load(s->opts.token_file, why, sizeof why))) {
        wxd_logf(&s->log, WXD_ERROR, "%s", why);
        return 1;
    }
    if (!wxd_roots_init(s, why, sizeof why)) {
        wxd_logf(&s->log, WXD_ERROR, "%s", why);
        return 1;
    }
    for (size_t i = 0; i < s->nallow_roots; i++)
        wxd_logf(&s->log, strcmp(s->allow_roots[i], "/") ? WXD_INFO
                                                         : WXD_WARN,
                 "REST configs may name host files under %s%s",
                 s->allow_roots[i],
                 strcmp(s->allow_roots[i], "/") ? ""
                                                : " (the whole host!)");
    if (s->opts.tls_cert) {
        if (!wxd_http_tls_supported()) {
            wxd_logf(&s->log, WXD_ERROR,
                     "--tls-cert: this libmicrohttpd was built without TLS");
            return 1;
        }
        *cert = read_pem("--tls-cert", s->opts.tls_cert, why, sizeof why);
        *key = *cert ? read_pem("--tls-key", s->opts.tls_key, why, sizeof why)
                     : NULL;
        if (!*key) {
            wxd_logf(&s->log, WXD_ERROR, "%s", why);
            return 1;
        }
        s->tls = true;
    }
    return 0;
}

static void free_pem(char *pem)
{
    if (pem) {
        memset(pem, 0, strlen(pem));
        free(pem);
    }
}

static int serve(wxd_server *s, const sigset_t *set)
{
    char why[320];
    char *cert = NULL, *key = NULL;
    int rc = load_access(s, &cert, &key);
    int fd = rc ? -1 : wxd_listen(s, s->opts.listen, why, sizeof why);
    if (!rc && fd < 0) {
        wxd_logf(&s->log, WXD_ERROR, "%s", why);
        rc = 1;
    }
    if (!rc)
        rc = check_exposure(s);
    unsigned threads = s->opts.threads ? s->opts.threads : default_threads();
    wxd_http *h = rc ? NULL : wxd_http_start(s, fd, threads, cert, key);
    if (!rc && !h) {
        wxd_logf(&s->log, WXD_ERROR, "cannot start the HTTP server on %s%s",
                 s->bound, s->tls ? " (is the TLS key the certificate's?)"
                                  : "");
        rc = 1;
    }
    if (rc) {
        if (fd >= 0) {
            close(fd);
            wxd_unlisten(s);
        }
        free_pem(cert);
        free_pem(key);
        return rc;
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
    wxd_unlisten(s);
    drain(s, set);
    /* Requests still queued for a worker get 503; those running cannot
     * be waited for without bound. */
    long running =
        (long)wxd_http_close_queues(h, wxd_now_ns() + 1000000000u);
    if (running < atomic_load(&s->handlers))
        running = atomic_load(&s->handlers);
    if (running > 0)
        abandon(s, running);
    wxd_http_stop(h);
    close(fd);
    free_pem(cert);
    free_pem(key);
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
    /* libmicrohttpd (and GnuTLS behind it) is loaded here, not at the
     * start of every wasmext command (src/dl). */
    wx_error dl;
    wx_error_clear(&dl);
    if (wxdl_mhd_load(&dl) != WX_OK) {
        fprintf(stderr, "wasmext serve: %s\n", dl.message);
        free(s);
        return 2;
    }
    s->log.level = s->opts.log_level;
    s->start_ns = wxd_now_ns();
    pthread_mutex_init(&s->change_lock, NULL);

    sigset_t set;
    block_signals(&set);
    rc = open_state(s, &set);
    if (rc == 0 && s->mgr)
        rc = serve(s, &set);
    close_state(s);
    wxd_tokens_free(s->tokens);
    wxd_roots_free(s);
    if (rc == 0)
        wxd_logf(&s->log, WXD_INFO, "stopped");
    pthread_mutex_destroy(&s->change_lock);
    free(s);
    return rc;
}
