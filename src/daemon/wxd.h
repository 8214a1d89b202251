/*
 * The daemon's internals, shared by its files:
 *
 *   serve.c    the lifecycle: options, registry, HTTP, signals, drain
 *   options.c  the command line
 *   log.c      leveled, timestamped lines on stderr
 *   http.c     libmicrohttpd glue: sockets, bodies, responses, in-flight
 *   routes.c   path and method to handler, 404 and 405
 *   plugins.c  the plugin handlers (list, show, add, update, delete, check)
 *   call.c     the function-call handlers
 *   catalog.c  which plugin provides which function, for the metrics
 *   metrics.c  per-function counters and latency, Prometheus text
 *   reply.c    responses: JSON bodies, errors, status to HTTP code
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

#define WXD_DEFAULT_LISTEN "127.0.0.1:9281"
#define WXD_DEFAULT_MAX_BODY (16u << 20)

typedef struct wxd_options {
    const char *listen;     /* HOST:PORT; port 0 picks a free one */
    const char *db;         /* NULL: the manager's default */
    unsigned threads;       /* HTTP worker threads; 0: one per CPU */
    wxd_level log_level;
    size_t max_body;        /* request bodies above it get 413 */
    uint32_t wait_ms;       /* wait for a free instance; 0: manager's */
    uint32_t drain_ms;      /* longest wait for in-flight requests */
    unsigned idle_s;        /* idle keep-alive connections are closed */
    bool help;
} wxd_options;

/* Fills `o` from argv (argv[0] is the command name). Returns 0, or 2
 * after printing a usage error on stderr. */
int wxd_options_parse(wxd_options *o, int argc, char **argv);
void wxd_options_help(void);

/* ------------------------------------------------------- catalog.c */

typedef struct wxd_fnstat wxd_fnstat;
typedef struct wxd_metrics wxd_metrics;
typedef struct wxd_catalog wxd_catalog;

wxd_catalog *wxd_catalog_new(void);
void wxd_catalog_free(wxd_catalog *c);
/* Rebuilds the map from the manager's list; the statistics of functions
 * new to it are made in `mx`. False when out of memory (the old map
 * stays). Rebuilds must not run concurrently; lookups may. */
bool wxd_catalog_rebuild(wxd_catalog *c, wx_manager *m, wxd_metrics *mx);
/* The statistics of a call: by plugin and function, or (plugin NULL) by
 * the name as a call would resolve it ("func" unique, or "plugin.func").
 * NULL when the function is unknown (such calls are not measured, so that
 * made-up names cannot grow the metrics). */
wxd_fnstat *wxd_catalog_find(wxd_catalog *c, const char *plugin,
                             const char *func);

/* -------------------------------------------------------- metrics.c */

wxd_metrics *wxd_metrics_new(void);
void wxd_metrics_free(wxd_metrics *mx);
/* The statistics of plugin.func, made on first use; NULL if no memory.
 * Callers serialise this (the catalog rebuild does). */
wxd_fnstat *wxd_metrics_fn(wxd_metrics *mx, const char *plugin,
                           const char *func);
/* The names of a record: they live as long as the metrics. */
const char *wxd_fnstat_plugin(const wxd_fnstat *st);
const char *wxd_fnstat_func(const wxd_fnstat *st);
/* Records one call that ended with `s` after `ns` nanoseconds. */
void wxd_fnstat_record(wxd_fnstat *st, wx_status s, uint64_t ns);
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
    wxd_catalog *catalog;
    /* Serialises add, update and delete with the catalog rebuild that
     * follows each, so that the catalog matches the manager. */
    pthread_mutex_t change_lock;
    atomic_bool draining;  /* SIGTERM seen: new requests get 503 */
    atomic_long inflight;  /* requests between first byte and last */
    atomic_long handlers;  /* requests in a handler (a guest call...) */
    uint64_t start_ns;
    char bound[96];        /* the address actually listened on */
} wxd_server;

/* ------------------------------------------------------------ http.c */

typedef struct wxd_http wxd_http;

/* Monotonic nanoseconds. */
uint64_t wxd_now_ns(void);
/* A listening socket on "HOST:PORT" (or "[V6]:PORT"), and the address
 * bound as text (the port filled in). -1 with `why` set on failure. */
int wxd_listen(const char *addr, char *bound, size_t bsize, char *why,
               size_t wsize);
/* Serves `fd` with `threads` worker threads; NULL on failure. */
wxd_http *wxd_http_start(wxd_server *s, int fd, unsigned threads);
/* Stops accepting connections; the open ones go on. */
void wxd_http_quiesce(wxd_http *h);
/* Closes every connection and joins the workers. */
void wxd_http_stop(wxd_http *h);

/* ---------------------------------------------------------- routes.c */

typedef struct wxd_request {
    const char *method;
    const char *path;         /* percent-decoded by libmicrohttpd */
    const char *content_type; /* NULL if absent */
    const char *body;         /* NUL-terminated; "" when none */
    size_t len;
} wxd_request;

typedef struct wxd_response {
    int status;
    const char *content_type; /* static text */
    char *body;               /* malloc'd, freed by the HTTP glue */
    size_t len;
    const char *allow;        /* for 405: the Allow header */
    char *location;           /* for 201: malloc'd Location header */
    unsigned retry_after;     /* for 503: seconds, 0 for none */
    bool close;               /* Connection: close */
} wxd_response;

void wxd_route(wxd_server *s, const wxd_request *rq, wxd_response *rs);

/* --------------------------------------------------------- plugins.c */

void wxd_plugins_list(wxd_server *s, const wxd_request *rq,
                      wxd_response *rs);
void wxd_plugins_add(wxd_server *s, const wxd_request *rq, wxd_response *rs);
void wxd_plugin_show(wxd_server *s, const char *name, wxd_response *rs);
void wxd_plugin_update(wxd_server *s, const char *name,
                       const wxd_request *rq, wxd_response *rs);
void wxd_plugin_delete(wxd_server *s, const char *name, wxd_response *rs);
/* name NULL: every plugin. */
void wxd_plugin_check(wxd_server *s, const char *name, wxd_response *rs);

/* ------------------------------------------------------------ call.c */

/* plugin NULL: by function name alone. */
void wxd_call(wxd_server *s, const char *plugin, const char *func,
              const wxd_request *rq, wxd_response *rs);

/* ----------------------------------------------------------- reply.c */

/* The HTTP status of a wx_status. */
int wxd_http_status(wx_status s);
/* Takes `body` (malloc'd). */
void wxd_reply(wxd_response *rs, int status, const char *ctype, char *body,
               size_t len);
/* Takes a reference to `j` (json_t *) and dumps it; 500 on failure. */
void wxd_reply_json(wxd_response *rs, int status, void *j);
/* {"error":{"code","message"}} */
void wxd_reply_error(wxd_response *rs, int status, const char *code,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The error of a failed manager operation, with its mapped status (and
 * the trap kind for traps). */
void wxd_reply_failure(wxd_response *rs, wx_status st, const wx_error *err);
/* `prefix` + `text` + `suffix` as a JSON body (text is JSON already). */
void wxd_reply_wrapped(wxd_response *rs, int status, const char *prefix,
                       const char *text, const char *suffix);

#endif
