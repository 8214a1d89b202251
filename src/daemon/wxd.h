/*
 * The daemon's internals, shared by its files:
 *
 *   serve.c    the lifecycle: options, registry, HTTP, signals, drain
 *   options.c  the command line
 *   log.c      leveled, timestamped lines on stderr
 *   http.c     libmicrohttpd glue: sockets, bodies, responses, in-flight
 *   routes.c   path and method to handler, 404 and 405
 *   plugins.c  the plugin handlers (list, show, add, update, delete, check)
 *   call.c     the function-call handlers and their handle cache
 *   metrics.c  Prometheus text: the manager's counts, the calls' latency
 *   reply.c    responses: JSON bodies, errors, status to HTTP code
 *   access.c   who may ask what: tokens, Host/Origin, body types
 *   hostpaths.c  which host files REST configs may name (--allow-dir)
 *   jobs.c     the worker threads that run calls and changes
 *   follow.c   the thread that follows changes other processes make to
 *              the registry
 *
 * docs/security.md gives the access model these files implement.
 *
 * Routes and handlers see only wxd_request and wxd_response, never
 * libmicrohttpd, so that the HTTP glue stays in one file.
 */
#ifndef WX_DAEMON_WXD_H
#define WX_DAEMON_WXD_H

#include "wasmext.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------- log.c */

typedef enum wxd_level {
    WXD_DEBUG,
    WXD_INFO,
    WXD_WARN,
    WXD_ERROR,
} wxd_level;

typedef struct wxd_log {
    wxd_level level; /* lines below it are dropped */
} wxd_log;

/* "debug", "info", "warn" (or "warning"), "error"; false if unknown. */
bool wxd_level_parse(const char *text, wxd_level *out);
/* One line on stderr: "2024-05-01T12:00:00.123Z warn <message>". */
void wxd_logf(const wxd_log *log, wxd_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline bool wxd_log_on(const wxd_log *log, wxd_level level)
{
    return level >= log->level;
}

/* --------------------------------------------------------- options.c */

#define WXD_MAX_ALLOW_DIRS 32
/* --max-connections-per-ip not given: off on loopback and unix sockets
 * (every client has the same address there), else a quarter of
 * --max-connections. */
#define WXD_PER_IP_AUTO UINT32_MAX
/* Each request may hold this much body without drawing on
 * --max-inflight-body, so that small calls go through while large
 * uploads wait for the budget (see http.c). */
#define WXD_BODY_FREE (16u << 10)

typedef struct wxd_options {
    const char *listen;     /* HOST:PORT or unix:PATH; port 0: a free one */
    const char *db;         /* --db or --registry; NULL: the default */
    unsigned threads;       /* HTTP worker threads; 0: one per CPU */
    wxd_level log_level;
    size_t max_body;        /* request bodies above it get 413 */
    uint32_t wait_ms;       /* wait for a free instance; 0: manager's */
    uint32_t drain_ms;      /* longest wait for in-flight requests */
    unsigned idle_s;        /* idle keep-alive connections are closed */
    size_t max_inflight_body; /* all bodies being received; 0: 4x max */
    uint32_t max_connections;
    uint32_t max_per_ip;    /* 0: off; WXD_PER_IP_AUTO: see above */
    uint32_t request_timeout_s; /* head and body in, response out */
    uint32_t call_threads;  /* workers running guest calls; 0: auto */
    uint64_t memory_budget; /* guest memory of all plugins; 0: default */
    const char *token_file; /* NULL: no authentication */
    bool insecure_no_auth;  /* allow a non-loopback address without it */
    const char *allow_dirs[WXD_MAX_ALLOW_DIRS]; /* --allow-dir, as given */
    size_t nallow_dirs;
    const char *tls_cert, *tls_key; /* PEM files; both or neither */
    bool help;
} wxd_options;

/* Fills `o` from argv (argv[0] is the command name). Returns 0, or 2
 * after printing a usage error on stderr. */
int wxd_options_parse(wxd_options *o, int argc, char **argv);
void wxd_options_help(void);

/* ---------------------------------------------------------- access.c */

typedef struct wxd_tokens wxd_tokens;

/* What a request needs. Admin includes call. */
typedef enum wxd_right {
    WXD_RIGHT_NONE,  /* /healthz: anyone who passes the Host checks */
    WXD_RIGHT_CALL,  /* calls, lists, reports, metrics */
    WXD_RIGHT_ADMIN, /* add, update, delete */
} wxd_right;

/* Reads a token file (docs/security.md: "ROLE NAME TOKEN" lines). NULL
 * with `why` set if the file is unreadable, readable by others, or has a
 * bad line; the message never holds a token. */
wxd_tokens *wxd_tokens_load(const char *path, char *why, size_t wsize);
void wxd_tokens_free(wxd_tokens *t);
size_t wxd_tokens_count(const wxd_tokens *t);

/* -------------------------------------------------------- metrics.c */

typedef struct wxd_latency wxd_latency;
typedef struct wxd_metrics wxd_metrics;

wxd_metrics *wxd_metrics_new(void);
void wxd_metrics_free(wxd_metrics *mx);
/* The latency record of plugin.func (the names a handle resolved to),
 * made on first use; NULL if no memory. Any thread. The calls and errors
 * are the manager's to count; this is the daemon's own timing. */
wxd_latency *wxd_metrics_latency(wxd_metrics *mx, const char *plugin,
                                 const char *func);
/* Records one call the daemon made, which took `ns` nanoseconds. */
void wxd_latency_record(wxd_latency *l, uint64_t ns);
/* Records `n` calls of `ns` nanoseconds each (a batch's rows). */
void wxd_latency_record_n(wxd_latency *l, uint64_t ns, uint64_t n);
/* Counts one HTTP response. */
void wxd_metrics_http(wxd_metrics *mx, int status);
/* The Prometheus text exposition; NULL if out of memory. */
char *wxd_metrics_render(wxd_metrics *mx, wx_manager *m, double uptime_s,
                         long inflight, size_t *len);

/* --------------------------------------------------------- server */

typedef struct wxd_server {
    wxd_options opts;
    wxd_log log;
    wx_manager *mgr;
    wxd_metrics *metrics;
    /* Serialises add, update and delete with the report that answers
     * each, so that the answer says what this change did. */
    pthread_mutex_t change_lock;
    /* +1 after every change: the call threads' handle caches (call.c)
     * made before it are dropped. */
    atomic_ulong generation;
    atomic_bool draining;  /* SIGTERM seen: new requests get 503 */
    atomic_long inflight;  /* requests between first byte and last */
    atomic_long handlers;  /* requests in a handler (a guest call...) */
    /* The HTTP bounds (http.c), for /metrics. */
    atomic_size_t body_held;     /* body bytes drawn on the budget */
    atomic_long connections;     /* open now */
    atomic_ulong calls_cancelled;  /* the client went away mid-call */
    atomic_ulong deadline_closes;  /* connections cut at their deadline */
    atomic_ulong connections_shed; /* slow ones cut near the limit */
    atomic_ulong body_refusals;    /* 503: the body budget was spent */
    atomic_ulong queue_expired;    /* 503: no worker free for --wait-ms */
    struct wxd_http *http;
    uint64_t start_ns;
    char bound[160];       /* the address actually listened on */
    /* The access model (access.c, docs/security.md). */
    wxd_tokens *tokens;    /* NULL: no authentication */
    bool loopback;         /* bound to a loopback address */
    bool unix_socket;      /* bound to a unix socket (no Host checks) */
    bool tls;
    unsigned port;         /* the TCP port bound, for the Host check */
    char *allow_roots[WXD_MAX_ALLOW_DIRS]; /* --allow-dir, resolved */
    size_t nallow_roots;
    /* The registry follower (follow.c). */
    pthread_t follower;
    bool following;          /* started, not yet joined */
    atomic_bool follow_stop; /* set to end its loop */
} wxd_server;

/* ---------------------------------------------------------- follow.c */

/* Starts the follower thread (s->mgr open); false with `why` set. */
bool wxd_follow_start(wxd_server *s, char *why, size_t wsize);
/* Ends and joins it (within one round); a no-op if not started. */
void wxd_follow_stop(wxd_server *s);

/* ------------------------------------------------------------ http.c */

typedef struct wxd_http wxd_http;

/* What /metrics shows of the HTTP side. */
typedef struct wxd_http_stats {
    unsigned call_threads, calls_running;
    size_t calls_queued;
    unsigned change_threads, changes_running;
    size_t changes_queued;
} wxd_http_stats;
void wxd_http_stats_get(wxd_server *s, wxd_http_stats *out);

/* Monotonic nanoseconds. */
uint64_t wxd_now_ns(void);
/* A listening socket on "HOST:PORT" (or "[V6]:PORT"), or on "unix:PATH"
 * (a socket file of mode 0660, see docs/security.md); fills the server's
 * bound, loopback, unix_socket and port. -1 with `why` set on failure. */
int wxd_listen(wxd_server *s, const char *addr, char *why, size_t wsize);
/* Removes the socket file of a unix:PATH listen (no-op otherwise). */
void wxd_unlisten(wxd_server *s);
/* Serves `fd` with `threads` worker threads, over TLS when the cert and
 * key (PEM text) are given; NULL on failure. */
wxd_http *wxd_http_start(wxd_server *s, int fd, unsigned threads,
                         const char *cert_pem, const char *key_pem);
/* Whether this libmicrohttpd can do TLS (Debian 12's can: GnuTLS). */
bool wxd_http_tls_supported(void);
/* Stops accepting connections; the open ones go on. */
void wxd_http_quiesce(wxd_http *h);
/* The workers take no more requests; those still queued get 503. The
 * number of requests still running (a guest call, a change) after
 * waiting for them until `wait_until_ns`: if not 0, wxd_http_stop()
 * would wait for them without bound. */
unsigned wxd_http_close_queues(wxd_http *h, uint64_t wait_until_ns);
/* Closes every connection and joins the workers. */
void wxd_http_stop(wxd_http *h);

/* ------------------------------------------------------------ jobs.c */

typedef struct wxd_job wxd_job;
struct wxd_job {
    wxd_job *next;
    uint64_t queued_ns;
    void (*run)(wxd_job *j);    /* on a worker thread */
    void (*expire)(wxd_job *j); /* instead of run: waited too long, or
                                 * the queue is closed */
};
typedef struct wxd_jobs wxd_jobs;

/* `threads` workers; NULL with `why` set. */
wxd_jobs *wxd_jobs_start(unsigned threads, char *why, size_t wsize);
/* Queues `j` (expired at once if the queue is closed). */
void wxd_jobs_push(wxd_jobs *q, wxd_job *j);
/* Expires the jobs queued before `before_ns` (wxd_now_ns time). */
void wxd_jobs_expire(wxd_jobs *q, uint64_t before_ns);
/* No more runs; expires what is queued. Returns the jobs still running
 * after waiting for them until `wait_until_ns` (wxd_now_ns time). */
unsigned wxd_jobs_close(wxd_jobs *q, uint64_t wait_until_ns);
/* Closes, joins the workers (waiting for running jobs), frees. */
void wxd_jobs_stop(wxd_jobs *q);
void wxd_jobs_counts(wxd_jobs *q, unsigned *threads, unsigned *busy,
                     size_t *queued);

/* ---------------------------------------------------------- routes.c */

typedef struct wxd_request {
    const char *method;
    const char *path;         /* percent-decoded by libmicrohttpd */
    const char *content_type; /* NULL if absent */
    const char *body;         /* NUL-terminated; "" when none */
    size_t len;
    /* The headers the access checks read (NULL if absent). */
    const char *host, *origin, *authorization, *fetch_site;
    const char *who;          /* the token's NAME once admitted, or NULL */
} wxd_request;

typedef struct wxd_response {
    int status;
    const char *content_type; /* static text */
    char *body;               /* malloc'd, freed by the HTTP glue */
    size_t len;
    const char *allow;        /* for 405: the Allow header */
    char *location;           /* for 201: malloc'd Location header */
    unsigned retry_after;     /* for 503: seconds, 0 for none */
    const char *www_auth;     /* for 401: the WWW-Authenticate header */
    bool close;               /* Connection: close */
} wxd_response;

void wxd_route(wxd_server *s, const wxd_request *rq, wxd_response *rs);
/* The right the route of `method` `path` needs, and whether its body
 * must be JSON or a zip (adds and updates). Paths no route serves need
 * WXD_RIGHT_CALL: the 404 or 405 comes after authentication, so that
 * unauthenticated clients learn nothing about the routes. */
wxd_right wxd_route_needs(const char *method, const char *path,
                          bool *typed_body);

/* Where a route's handler runs: on the HTTP thread that read the request
 * (quick answers that run no guest code and wait for no change), on the
 * call workers (guest calls), or on the change worker (adds, updates,
 * deletes, checks: they compile modules and run start functions, and
 * take the change lock). */
typedef enum wxd_where {
    WXD_HERE,
    WXD_CALLS,
    WXD_CHANGES,
} wxd_where;
wxd_where wxd_route_where(const char *method, const char *path);

/* Whether a request may go on, from its headers alone (called before its
 * body is read): the Host and Origin checks of a daemon without tokens,
 * the token and its right, the body's type. False with the refusal made
 * (401, 403 or 415). Sets rq->who. */
bool wxd_admit(wxd_server *s, wxd_request *rq, wxd_response *rs);

/* ------------------------------------------------------- hostpaths.c */

/* Resolves the --allow-dir roots into the server (realpath; each must be
 * a directory). False with `why` set. */
bool wxd_roots_init(wxd_server *s, char *why, size_t wsize);
void wxd_roots_free(wxd_server *s);
/* The host paths of a JSON config that came over REST (json_t *):
 * vm_config.path must be a regular file and each wasi.preopens host path
 * a directory under an allowed root, after resolving symbolic links and
 * "..". Rewrites them to their resolved form, so the manager opens what
 * was checked. False with the refusal made (400 relative, 403 else, one
 * message whether the path is missing or forbidden). */
bool wxd_hostpaths_admit_json(wxd_server *s, void *cfg, wxd_response *rs);
/* The same for a package's config (wxg_config *): its module is inside
 * the zip, so only its preopens are checked; they cannot be rewritten
 * (the manager reads the zip again), so they must already be resolved. */
bool wxd_hostpaths_admit_package(wxd_server *s, const void *cfg,
                                 wxd_response *rs);

/* --------------------------------------------------------- plugins.c */

void wxd_plugins_list(wxd_server *s, const wxd_request *rq,
                      wxd_response *rs);
void wxd_plugins_add(wxd_server *s, const wxd_request *rq, wxd_response *rs);
void wxd_plugin_show(wxd_server *s, const char *name, wxd_response *rs);
void wxd_plugin_update(wxd_server *s, const char *name,
                       const wxd_request *rq, wxd_response *rs);
void wxd_plugin_delete(wxd_server *s, const char *name,
                       const wxd_request *rq, wxd_response *rs);
/* name NULL: every plugin. */
void wxd_plugin_check(wxd_server *s, const char *name, wxd_response *rs);

/* ------------------------------------------------------------ call.c */

/* plugin NULL: by function name alone. */
void wxd_call(wxd_server *s, const char *plugin, const char *func,
              const wxd_request *rq, wxd_response *rs);
/* POST .../batch: {"rows": [[...], ...]}, one call per row. */
void wxd_call_batch(wxd_server *s, const char *plugin, const char *func,
                    const wxd_request *rq, wxd_response *rs);

/* ---------------------------------------------------------- replay.c */

/* GET /plugins/{p}/recordings. */
void wxd_recordings(wxd_server *s, const char *plugin, wxd_response *rs);
/* GET /plugins/{p}/logs (replay.c). */
void wxd_guest_log(wxd_server *s, const char *plugin, wxd_response *rs);
/* POST /plugins/{p}/replay. */
void wxd_replay(wxd_server *s, const char *plugin, const wxd_request *rq,
                wxd_response *rs);

/* ----------------------------------------------------------- reply.c */

/* The HTTP status of a wx_status. */
int wxd_http_status(wx_status s);
/* Takes `body` (malloc'd). */
void wxd_reply(wxd_response *rs, int status, const char *ctype, char *body,
               size_t len);
/* Takes a reference to `j` (json_t *) and dumps it; 500 on failure.
 * Reals get 12 digits (times, for people). */
void wxd_reply_json(wxd_response *rs, int status, void *j);
/* The same for data that must read back exactly (guest results,
 * configs): reals get 17 digits. */
void wxd_reply_data(wxd_response *rs, int status, void *j);
/* {"error":{"code","message"}} */
void wxd_reply_error(wxd_response *rs, int status, const char *code,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The error of a failed manager operation, with its mapped status (and
 * the trap kind for traps). */
void wxd_reply_failure(wxd_response *rs, wx_status st, const wx_error *err);
/* The error of one failed row of a batch, as a JSON value (json_t *):
 * {"error": {...}} with wxd_reply_failure's keys and the message after
 * `prefix` ("row 3: "); NULL if out of memory. */
void *wxd_failure_json(wx_status st, const wx_error *err, const char *prefix);
/* The answer to a failed change: wxd_reply_failure's, except that a
 * registry that cannot be reached is 503 `registry_unavailable` with the
 * store's message and Retry-After (the change was not made). */
void wxd_reply_change_failure(wxd_server *s, wxd_response *rs, wx_status st,
                              const wx_error *err);

#endif
