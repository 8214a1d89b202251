/*
 * Routing: the path is split into segments, matched against the route
 * patterns ("*" matches one segment, which becomes a parameter), and the
 * method picks the handler. A path that matches no pattern is 404; a
 * pattern matched with a method it does not serve is 405 with the Allow
 * header listing those it does. HEAD is served wherever GET is.
 *
 * Each handler says which right it needs (access.c checks it before the
 * body is read): /healthz none, changes admin, the rest call.
 */
#include "wxd.h"

#include "dl_jansson.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 5

typedef void (*handler_fn)(wxd_server *s, const wxd_request *rq,
                           wxd_response *rs, char **params);

typedef struct method_handler {
    const char *method;
    handler_fn fn;
    wxd_right right;
    bool typed; /* the body must be application/json or application/zip */
    wxd_where where;
} method_handler;

typedef struct route {
    const char *pattern[MAX_SEGMENTS + 1]; /* NULL-terminated */
    const char *allow;
    method_handler handlers[3];
} route;

/* ------------------------------------------------------------ handlers */

/*
 * Liveness, and the registry's state beside it: a daemon whose registry
 * cannot be reached still serves every plugin it has loaded, so it is
 * alive (200, "status" "ok"), and "registry" says "degraded" with the
 * reason, for an operator or a readiness check that wants to know.
 */
static void h_healthz(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                      char **params)
{
    (void)rq;
    (void)params;
    double up = (double)(wxd_now_ns() - s->start_ns) / 1e9;
    if (atomic_load(&s->draining)) {
        wxd_reply_json(rs, 503, json_pack("{s:s,s:f}", "status", "draining",
                                          "uptime_s", up));
        return;
    }
    wx_registry_health h;
    wx_manager_registry_health(s->mgr, &h);
    json_t *j = json_pack("{s:s,s:f,s:s,s:I}", "status", "ok", "uptime_s", up,
                          "registry", h.up ? "ok" : "degraded", "revision",
                          (json_int_t)h.revision);
    if (j && !h.up)
        json_object_set_new(j, "registry_error", json_string(h.error));
    wxd_reply_json(rs, 200, j);
}

/*
 * The bounds of the HTTP side (docs/rest.md, *Limits*), after the series
 * of metrics.c: connections, request bodies held against
 * --max-inflight-body, the worker queues, and what the bounds refused.
 */
static char *http_series(wxd_server *s)
{
    wxd_http_stats hs;
    wxd_http_stats_get(s, &hs);
    size_t size = 4096;
    char *b = malloc(size);
    if (!b)
        return NULL;
    int n = snprintf(
        b, size,
        "# HELP wasmext_http_connections Open HTTP connections.\n"
        "# TYPE wasmext_http_connections gauge\n"
        "wasmext_http_connections %ld\n"
        "# HELP wasmext_http_connections_max --max-connections.\n"
        "# TYPE wasmext_http_connections_max gauge\n"
        "wasmext_http_connections_max %u\n"
        "# HELP wasmext_http_body_bytes_held Request body bytes held "
        "against --max-inflight-body.\n"
        "# TYPE wasmext_http_body_bytes_held gauge\n"
        "wasmext_http_body_bytes_held %zu\n"
        "# HELP wasmext_http_body_bytes_max --max-inflight-body.\n"
        "# TYPE wasmext_http_body_bytes_max gauge\n"
        "wasmext_http_body_bytes_max %zu\n"
        "# HELP wasmext_http_workers Worker threads by queue (calls: guest "
        "calls; changes: adds, updates, deletes, checks) and state.\n"
        "# TYPE wasmext_http_workers gauge\n"
        "wasmext_http_workers{queue=\"calls\",state=\"total\"} %u\n"
        "wasmext_http_workers{queue=\"calls\",state=\"busy\"} %u\n"
        "wasmext_http_workers{queue=\"changes\",state=\"total\"} %u\n"
        "wasmext_http_workers{queue=\"changes\",state=\"busy\"} %u\n"
        "# HELP wasmext_http_queued Requests waiting for a worker.\n"
        "# TYPE wasmext_http_queued gauge\n"
        "wasmext_http_queued{queue=\"calls\"} %zu\n"
        "wasmext_http_queued{queue=\"changes\"} %zu\n"
        "# HELP wasmext_http_refused_total Requests and connections ended "
        "by a bound: body_budget (503, --max-inflight-body), deadline "
        "(closed or 408, --request-timeout and --idle-timeout), "
        "queue_wait (503, no call worker free for --wait-ms), shed (slow "
        "connections closed near --max-connections).\n"
        "# TYPE wasmext_http_refused_total counter\n"
        "wasmext_http_refused_total{reason=\"body_budget\"} %lu\n"
        "wasmext_http_refused_total{reason=\"deadline\"} %lu\n"
        "wasmext_http_refused_total{reason=\"queue_wait\"} %lu\n"
        "wasmext_http_refused_total{reason=\"shed\"} %lu\n"
        "# HELP wasmext_http_calls_cancelled_total Calls stopped because "
        "their client disconnected.\n"
        "# TYPE wasmext_http_calls_cancelled_total counter\n"
        "wasmext_http_calls_cancelled_total %lu\n",
        atomic_load(&s->connections), s->opts.max_connections,
        atomic_load(&s->body_held), s->opts.max_inflight_body,
        hs.call_threads, hs.calls_running, hs.change_threads,
        hs.changes_running, hs.calls_queued, hs.changes_queued,
        atomic_load(&s->body_refusals), atomic_load(&s->deadline_closes),
        atomic_load(&s->queue_expired), atomic_load(&s->connections_shed),
        atomic_load(&s->calls_cancelled));
    if (n < 0 || (size_t)n >= size) {
        free(b);
        return NULL;
    }
    return b;
}

static void h_metrics(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                      char **params)
{
    (void)rq;
    (void)params;
    size_t len = 0;
    double up = (double)(wxd_now_ns() - s->start_ns) / 1e9;
    char *text = wxd_metrics_render(s->metrics, s->mgr, up,
                                    atomic_load(&s->inflight), &len);
    char *more = text ? http_series(s) : NULL;
    size_t n = more ? strlen(more) : 0;
    char *all = more ? realloc(text, len + n + 1) : NULL;
    if (!all) {
        free(text);
        free(more);
        wxd_reply_error(rs, 500, "nomem", "out of host memory");
        return;
    }
    memcpy(all + len, more, n + 1);
    free(more);
    wxd_reply(rs, 200, "text/plain; version=0.0.4; charset=utf-8", all,
              len + n);
}

static void h_list(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                   char **params)
{
    (void)params;
    wxd_plugins_list(s, rq, rs);
}

static void h_add(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                  char **params)
{
    (void)params;
    wxd_plugins_add(s, rq, rs);
}

static void h_show(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                   char **params)
{
    (void)rq;
    wxd_plugin_show(s, params[0], rs);
}

static void h_update(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                     char **params)
{
    wxd_plugin_update(s, params[0], rq, rs);
}

static void h_delete(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                     char **params)
{
    wxd_plugin_delete(s, params[0], rq, rs);
}

static void h_check_one(wxd_server *s, const wxd_request *rq,
                        wxd_response *rs, char **params)
{
    (void)rq;
    wxd_plugin_check(s, params[0], rs);
}

static void h_check_all(wxd_server *s, const wxd_request *rq,
                        wxd_response *rs, char **params)
{
    (void)rq;
    (void)params;
    wxd_plugin_check(s, NULL, rs);
}

static void h_call_in(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                      char **params)
{
    wxd_call(s, params[0], params[1], rq, rs);
}

static void h_call(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                   char **params)
{
    wxd_call(s, NULL, params[0], rq, rs);
}

static void h_batch_in(wxd_server *s, const wxd_request *rq,
                       wxd_response *rs, char **params)
{
    wxd_call_batch(s, params[0], params[1], rq, rs);
}

static void h_batch(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                    char **params)
{
    wxd_call_batch(s, NULL, params[0], rq, rs);
}

static void h_recordings(wxd_server *s, const wxd_request *rq,
                         wxd_response *rs, char **params)
{
    (void)rq;
    wxd_recordings(s, params[0], rs);
}

static void h_logs(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                   char **params)
{
    (void)rq;
    wxd_guest_log(s, params[0], rs);
}

static void h_replay(wxd_server *s, const wxd_request *rq, wxd_response *rs,
                     char **params)
{
    wxd_replay(s, params[0], rq, rs);
}

/* -------------------------------------------------------------- table */

#define CALL WXD_RIGHT_CALL
#define ADMIN WXD_RIGHT_ADMIN
/* Where each runs (wxd_route_where): reports and metrics read the
 * manager's tables under its read lock and answer on the HTTP thread;
 * guest code and changes never do, so that stuck calls or a slow add
 * cannot keep /healthz, /metrics or the lists from answering. */
#define HERE WXD_HERE
#define CALLS WXD_CALLS
#define CHANGES WXD_CHANGES

static const route routes[] = {
    {{"healthz", NULL},
     "GET, HEAD",
     {{"GET", h_healthz, WXD_RIGHT_NONE, false, HERE}}},
    {{"metrics", NULL}, "GET, HEAD", {{"GET", h_metrics, CALL, false, HERE}}},
    {{"plugins", NULL},
     "GET, HEAD, POST",
     {{"GET", h_list, CALL, false, HERE},
      {"POST", h_add, ADMIN, true, CHANGES}}},
    {{"plugins", "*", NULL},
     "GET, HEAD, PUT, DELETE",
     {{"GET", h_show, CALL, false, HERE},
      {"PUT", h_update, ADMIN, true, CHANGES},
      {"DELETE", h_delete, ADMIN, false, CHANGES}}},
    {{"plugins", "*", "check", NULL},
     "POST",
     {{"POST", h_check_one, CALL, false, CHANGES}}},
    {{"check", NULL}, "POST", {{"POST", h_check_all, CALL, false, CHANGES}}},
    /* Recordings hold call arguments: only for those who may call. A
     * replay runs guest code, so it runs where calls do. */
    {{"plugins", "*", "recordings", NULL},
     "GET, HEAD",
     {{"GET", h_recordings, CALL, false, HERE}}},
    /* Guest log lines may quote rows too: for those who may call. */
    {{"plugins", "*", "logs", NULL},
     "GET, HEAD",
     {{"GET", h_logs, CALL, false, HERE}}},
    {{"plugins", "*", "replay", NULL},
     "POST",
     {{"POST", h_replay, CALL, false, CALLS}}},
    {{"plugins", "*", "functions", "*", NULL},
     "POST",
     {{"POST", h_call_in, CALL, false, CALLS}}},
    {{"functions", "*", NULL},
     "POST",
     {{"POST", h_call, CALL, false, CALLS}}},
    {{"plugins", "*", "functions", "*", "batch", NULL},
     "POST",
     {{"POST", h_batch_in, CALL, false, CALLS}}},
    {{"functions", "*", "batch", NULL},
     "POST",
     {{"POST", h_batch, CALL, false, CALLS}}},
};

/* Splits `path` (copied into buf) into at most MAX_SEGMENTS non-empty
 * segments; a trailing slash is ignored. -1: too many, or empty inner
 * segments. */
static int split(const char *path, char *buf, size_t size, char **seg)
{
    if (path[0] != '/' || strlen(path) >= size)
        return -1;
    snprintf(buf, size, "%s", path + 1);
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '/')
        buf[--n] = '\0';
    if (n == 0)
        return 0;
    int count = 0;
    for (char *p = buf;;) {
        if (count == MAX_SEGMENTS || *p == '/' || *p == '\0')
            return -1;
        seg[count++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            return count;
        *slash = '\0';
        p = slash + 1;
    }
}

static bool match(const route *r, char **seg, int n, char **params)
{
    int k = 0, np = 0;
    for (; r->pattern[k]; k++) {
        if (k == n)
            return false;
        if (strcmp(r->pattern[k], "*") == 0)
            params[np++] = seg[k];
        else if (strcmp(r->pattern[k], seg[k]) != 0)
            return false;
    }
    return k == n;
}

/* The handler of `method` `path`, or NULL with *route_out the route
 * matched (NULL: none). */
static const method_handler *find(const char *path, const char *method,
                                  char *buf, size_t size, char **params,
                                  const route **route_out)
{
    char *seg[MAX_SEGMENTS];
    int n = split(path, buf, size, seg);
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    *route_out = NULL;
    for (size_t i = 0; n >= 0 && i < sizeof routes / sizeof routes[0]; i++) {
        const route *r = &routes[i];
        if (!match(r, seg, n, params))
            continue;
        *route_out = r;
        for (size_t h = 0; h < 3 && r->handlers[h].method; h++)
            if (strcmp(r->handlers[h].method, method) == 0)
                return &r->handlers[h];
        return NULL;
    }
    return NULL;
}

wxd_right wxd_route_needs(const char *method, const char *path,
                          bool *typed_body)
{
    char buf[1024];
    char *params[2];
    const route *r;
    const method_handler *h = find(path, method, buf, sizeof buf, params, &r);
    *typed_body = h && h->typed;
    return h ? h->right : WXD_RIGHT_CALL;
}

wxd_where wxd_route_where(const char *method, const char *path)
{
    char buf[1024];
    char *params[2];
    const route *r;
    const method_handler *h = find(path, method, buf, sizeof buf, params, &r);
    return h ? h->where : WXD_HERE;
}

void wxd_route(wxd_server *s, const wxd_request *rq, wxd_response *rs)
{
    char buf[1024];
    char *params[2];
    const route *r;
    const method_handler *h =
        find(rq->path, rq->method, buf, sizeof buf, params, &r);
    if (h) {
        h->fn(s, rq, rs, params);
        return;
    }
    if (r) {
        wxd_reply_error(rs, 405, "method",
                        "%s is not allowed on %s (allowed: %s)", rq->method,
                        rq->path, r->allow);
        rs->allow = r->allow;
        return;
    }
    wxd_reply_error(rs, 404, "notfound", "no such route: %s %s", rq->method,
                    rq->path);
}
