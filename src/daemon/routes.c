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

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define MAX_SEGMENTS 4

typedef void (*handler_fn)(wxd_server *s, const wxd_request *rq,
                           wxd_response *rs, char **params);

typedef struct method_handler {
    const char *method;
    handler_fn fn;
    wxd_right right;
    bool typed; /* the body must be application/json or application/zip */
} method_handler;

typedef struct route {
    const char *pattern[MAX_SEGMENTS + 1]; /* NULL-terminated */
    const char *allow;
    method_handler handlers[3];
} route;

/* ------------------------------------------------------------ handlers */

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
    wxd_reply_json(rs, 200,
                   json_pack("{s:s,s:f}", "status", "ok", "uptime_s", up));
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
    if (!text) {
        wxd_reply_error(rs, 500, "nomem", "out of host memory");
        return;
    }
    wxd_reply(rs, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
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

/* -------------------------------------------------------------- table */

#define CALL WXD_RIGHT_CALL
#define ADMIN WXD_RIGHT_ADMIN

static const route routes[] = {
    {{"healthz", NULL},
     "GET, HEAD",
     {{"GET", h_healthz, WXD_RIGHT_NONE, false}}},
    {{"metrics", NULL}, "GET, HEAD", {{"GET", h_metrics, CALL, false}}},
    {{"plugins", NULL},
     "GET, HEAD, POST",
     {{"GET", h_list, CALL, false}, {"POST", h_add, ADMIN, true}}},
    {{"plugins", "*", NULL},
     "GET, HEAD, PUT, DELETE",
     {{"GET", h_show, CALL, false},
      {"PUT", h_update, ADMIN, true},
      {"DELETE", h_delete, ADMIN, false}}},
    {{"plugins", "*", "check", NULL},
     "POST",
     {{"POST", h_check_one, CALL, false}}},
    {{"check", NULL}, "POST", {{"POST", h_check_all, CALL, false}}},
    {{"plugins", "*", "functions", "*", NULL},
     "POST",
     {{"POST", h_call_in, CALL, false}}},
    {{"functions", "*", NULL}, "POST", {{"POST", h_call, CALL, false}}},
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
