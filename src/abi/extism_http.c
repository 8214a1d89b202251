/*
 * HTTP for Extism guests: what Extism's runtime does with ureq, done
 * with libcurl, opened on the first request to an allowed host (a
 * plugin that makes none, or only denied ones, never loads it).
 *
 * The rules a guest cannot change:
 *   - the host of the URL, as curl itself parses it (so no parser of ours
 *     can disagree with the one that connects), must match
 *     extism.allowed_hosts; the scheme must be http or https;
 *   - redirects are followed here, one hop at a time, and every hop's
 *     host is checked as the first was (curl's own following cannot be
 *     checked per hop); credentials (Authorization, Cookie) are not sent
 *     on to another host;
 *   - the body is bounded (max_bytes), as are the headers; no proxy from
 *     the environment is used, as in Extism's runtime;
 *   - the wait is sliced and reads the calling instance's interrupt flag
 *     between slices, as WASI's poll does: the call's timeout ends the
 *     request too.
 * Messages name the host only: a URL may carry a password or a token.
 */
#include "extism_http.h"

#include "dl_curl.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WHO "extism:host/env.http_request"
/* How often a wait reads the call's interrupt flag (pool.h: a call stops
 * within 10 ms of its timeout). */
#define WAIT_SLICE_MS 10
#define HOST_MAX 256

bool wxai_http_host_allowed(size_t nhosts, const char *const *hosts,
                            const char *host)
{
    for (size_t i = 0; i < nhosts; i++)
        if (fnmatch(hosts[i], host, 0) == 0)
            return true;
    return false;
}

void wxai_http_resp_free(wxai_http_resp *r)
{
    if (!r)
        return;
    free(r->body);
    json_decref(r->headers);
    memset(r, 0, sizeof *r);
}

/* --------------------------------------------------------- loading */

static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static wx_status load(wx_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    wx_status s = wxdl_curl_load(err);
    if (s != WX_OK)
        return s;
    pthread_once(&once, global_init);
    if (global_rc != CURLE_OK)
        return wx_error_set(err, WX_EIO,
                            WHO ": libcurl did not initialise: %s",
                            curl_easy_strerror(global_rc));
    return WX_OK;
}

/* ------------------------------------------------- what comes back */

/* One hop's response, as it arrives. */
typedef struct xfer {
    uint8_t *buf;
    size_t len, cap;
    uint64_t max;
    size_t header_bytes;
    bool too_big, headers_too_big, nomem;
    json_t *headers;
} xfer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *t = ud;
    size_t k = size * n;
    if (k > t->max - t->len) {
        t->too_big = true;
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    }
    if (k > t->cap - t->len) {
        size_t cap = t->cap ? t->cap : 16384;
        while (cap - t->len < k)
            cap *= 2;
        if (cap > t->max)
            cap = (size_t)t->max;
        uint8_t *b = realloc(t->buf, cap);
        if (!b) {
            t->nomem = true;
            return 0;
        }
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, p, k);
    t->len += k;
    return k;
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header line, kept as Extism's runtime keeps them: the name in lower
 * case, the first value of a name, values that are UTF-8 only. A status
 * line starts a new response (an interim 1xx one before the last). */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *t = ud;
    size_t k = size * n;
    t->header_bytes += k;
    if (t->header_bytes > t->max) {
        t->headers_too_big = true;
        return 0;
    }
    if (k >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        json_object_clear(t->headers);
        return k;
    }
    char name[HOST_MAX];
    size_t i = 0;
    while (i < k && i < sizeof name - 1 && is_tchar((unsigned char)p[i])) {
        char c = p[i];
        name[i++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    if (i == 0 || i >= k || p[i] != ':')
        return k; /* the blank line at the end, or no header we keep */
    name[i] = '\0';
    const char *v = p + i + 1, *end = p + k;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                       end[-1] == '\t'))
        end--;
    if (json_object_get(t->headers, name))
        return k;
    json_t *s = json_stringn(v, (size_t)(end - v));
    if (s && json_object_set_new(t->headers, name, s) != 0)
        t->nomem = true;
    return k;
}

/* --------------------------------------------------- what goes out */

/* A method or a header name: 1 to `max` token characters (RFC 9110), so
 * that nothing a guest sends can end a line of the request early. */
static bool token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return false;
    return true;
}

static bool value_ok(const char *v)
{
    return !strpbrk(v, "\r\n");
}

static bool is_credential(const char *name)
{
    return strcasecmp(name, "authorization") == 0 ||
           strcasecmp(name, "proxy-authorization") == 0 ||
           strcasecmp(name, "cookie") == 0;
}

/* A line of curl's header list: "Name: value", or "Name;" for an empty
 * value (curl's spelling; "Name:" would remove the header). */
static bool add_line(struct curl_slist **list, const char *name,
                     const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line)
        return false;
    if (*value)
        snprintf(line, n, "%s: %s", name, value);
    else
        snprintf(line, n, "%s;", name);
    struct curl_slist *l = curl_slist_append(*list, line);
    free(line);
    if (!l)
        return false;
    *list = l;
    return true;
}

/* The guest's headers as curl's list; credentials are left out when
 * `strip` (a redirect to another host). Extism's client sends neither
 * "Expect: 100-continue" nor a form Content-Type on a body, which curl
 * would add. */
static wx_status header_list(json_t *headers, bool strip, bool body,
                             struct curl_slist **out, wx_error *err)
{
    struct curl_slist *list = NULL;
    bool has_type = false, ok = true;
    const char *name;
    json_t *v;
    json_object_foreach(headers, name, v)
    {
        const char *value = json_string_value(v);
        if (!token_ok(name, HOST_MAX) || !value || !value_ok(value)) {
            curl_slist_free_all(list);
            return wx_error_set(err, WX_EABI,
                                WHO ": header \"%.64s\" is not an HTTP "
                                    "header name with a string value on "
                                    "one line",
                                name);
        }
        has_type = has_type || strcasecmp(name, "content-type") == 0;
        if (!(strip && is_credential(name)))
            ok = ok && add_line(&list, name, value);
    }
    struct curl_slist *l = ok ? curl_slist_append(list, "Expect:") : NULL;
    if (l && body && !has_type)
        l = curl_slist_append(l, "Content-Type:");
    if (!l) {
        curl_slist_free_all(list);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    *out = l;
    return WX_OK;
}

/* ------------------------------------------------------------ a hop */

typedef struct hop {
    CURLU *url;
    const char *method;
    const uint8_t *body; /* NULL: none */
    size_t body_len;
    struct curl_slist *headers;
    const char *host; /* for messages */
} hop;

static CURLcode setup(CURL *e, const hop *h, xfer *t)
{
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                         \
    if (rc == CURLE_OK)                                                       \
    rc = curl_easy_setopt(e, opt, val)
    SET(CURLOPT_CURLU, h->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)WXAI_HTTP_CONNECT_MS);
    SET(CURLOPT_USERAGENT, "wasmext-extism");
    SET(CURLOPT_HTTPHEADER, h->headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    if (strcmp(h->method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else {
        /* A Content-Length over the bound fails before the body comes. */
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max);
        if (h->body) {
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)h->body_len);
            SET(CURLOPT_POSTFIELDS, (const char *)h->body);
        }
        SET(CURLOPT_CUSTOMREQUEST, h->method);
    }
#undef SET
    return rc;
}

/* Runs the transfer in slices, reading the call's interrupt flag. */
static wx_status run(CURLM *m, CURL *e, wx_instance *inst, const char *host,
                     CURLcode *rc, wx_error *err)
{
    if (curl_multi_add_handle(m, e) != CURLM_OK)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    wx_status s = WX_OK;
    int running = 1;
    while (running) {
        if (inst && wx_instance_interrupted(inst)) {
            s = wx_error_set(err, WX_EINTERRUPTED,
                             WHO ": call interrupted while waiting for "
                                 "host \"%s\"",
                             host);
            break;
        }
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc == CURLM_OK && running)
            mc = curl_multi_poll(m, NULL, 0, WAIT_SLICE_MS, NULL);
        if (mc != CURLM_OK) {
            s = wx_error_set(err, WX_EHOST,
                             WHO ": request to host \"%s\" failed (curl "
                                 "multi error %d)",
                             host, (int)mc);
            break;
        }
    }
    CURLMsg *msg;
    int left;
    *rc = CURLE_OK;
    while ((msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == e)
            *rc = msg->data.result;
    curl_multi_remove_handle(m, e);
    return s;
}

static wx_status failed(const xfer *t, const hop *h, CURLcode rc,
                        wx_error *err)
{
    if (t->nomem)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return wx_error_set(err, WX_ELIMIT,
                            WHO ": the response from host \"%s\" exceeds "
                                "extism.max_http_response_bytes (%llu "
                                "bytes)",
                            h->host, (unsigned long long)t->max);
    if (t->headers_too_big)
        return wx_error_set(err, WX_ELIMIT,
                            WHO ": the response headers from host \"%s\" "
                                "exceed extism.max_http_response_bytes "
                                "(%llu bytes)",
                            h->host, (unsigned long long)t->max);
    return wx_error_set(err, WX_EHOST,
                        WHO ": request to host \"%s\" failed: %s", h->host,
                        curl_easy_strerror(rc));
}

/* One request and its response; `*next` true when it is a redirect,
 * with h->url moved to where it points. */
static wx_status one_hop(CURLM *m, hop *h, xfer *t, wx_instance *inst,
                         long *status, bool *next, wx_error *err)
{
    *next = false;
    t->len = 0;
    t->header_bytes = 0;
    json_object_clear(t->headers);
    CURL *e = curl_easy_init();
    if (!e)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    CURLcode rc = setup(e, h, t);
    wx_status s = rc == CURLE_OK ? WX_OK
                                 : wx_error_set(err, WX_EABI,
                                                WHO ": curl refused the "
                                                    "request: %s",
                                                curl_easy_strerror(rc));
    if (s == WX_OK)
        s = run(m, e, inst, h->host, &rc, err);
    if (s == WX_OK && rc != CURLE_OK)
        s = failed(t, h, rc, err);
    if (s == WX_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
    char *loc = NULL;
    if (s == WX_OK && *status >= 300 && *status < 400 &&
        curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc) {
        if (curl_url_set(h->url, CURLUPART_URL, loc, 0) != CURLUE_OK)
            s = wx_error_set(err, WX_EHOST,
                             WHO ": host \"%s\" redirected to a location "
                                 "that is not a URL",
                             h->host);
        *next = true;
    }
    curl_easy_cleanup(e);
    return s;
}

/* The hop's scheme and host, checked against the rules. */
static wx_status check_target(const wxai_http_req *rq, CURLU *u, int n,
                              char *host, wx_error *err)
{
    char *scheme = NULL, *h = NULL;
    bool web = false;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
        web = strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
    CURLUcode hc = curl_url_get(u, CURLUPART_HOST, &h, 0);
    bool fits = hc == CURLUE_OK && strlen(h) < HOST_MAX;
    if (fits)
        strcpy(host, h);
    curl_free(scheme);
    curl_free(h);
    const char *after = n ? " after a redirect" : "";
    if (!web || !fits)
        return wx_error_set(err, n ? WX_EHOST : WX_EABI,
                            WHO ": the URL%s is not http(s) with a host",
                            after);
    if (!wxai_http_host_allowed(rq->nhosts, rq->hosts, host))
        return wx_error_set(err, WX_EHOST,
                            WHO ": HTTP request to host \"%s\"%s denied: "
                                "not in extism.allowed_hosts",
                            host, after);
    return WX_OK;
}

/* After a 301, 302 or 303 a request becomes a GET without a body, as
 * browsers, curl and ureq do; a 307 or 308 repeats it as it was. */
static void redirect_method(hop *h, long status)
{
    if ((status == 301 || status == 302 || status == 303) &&
        strcmp(h->method, "HEAD") != 0) {
        h->method = "GET";
        h->body = NULL;
        h->body_len = 0;
    }
}

static wx_status hops(const wxai_http_req *rq, CURLM *m, hop *h, xfer *t,
                      wx_instance *inst, long *status, wx_error *err)
{
    char host[HOST_MAX], first[HOST_MAX];
    bool strip = false;
    for (int n = 0;; n++) {
        wx_status s = check_target(rq, h->url, n, host, err);
        if (s != WX_OK)
            return s;
        if (n == 0)
            strcpy(first, host);
        /* Credentials go to the host the guest named, not further. */
        bool strip_now = strip || strcasecmp(host, first) != 0;
        if (n == 0 || strip_now != strip) {
            curl_slist_free_all(h->headers);
            h->headers = NULL;
            s = header_list(rq->headers, strip_now, h->body != NULL,
                            &h->headers, err);
            if (s != WX_OK)
                return s;
        }
        strip = strip_now;
        h->host = host;
        bool next;
        s = one_hop(m, h, t, inst, status, &next, err);
        if (s != WX_OK || !next)
            return s;
        if (n == WXAI_HTTP_MAX_REDIRECTS)
            return wx_error_set(err, WX_EHOST,
                                WHO ": more than %d redirects, the last "
                                    "from host \"%s\"",
                                WXAI_HTTP_MAX_REDIRECTS, host);
        redirect_method(h, *status);
    }
}

wx_status wxai_http_fetch(const wxai_http_req *rq, wx_instance *inst,
                          wxai_http_resp *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    wx_status s = load(err);
    if (s != WX_OK)
        return s;
    const char *method = rq->method ? rq->method : "GET";
    if (!token_ok(method, 32))
        return wx_error_set(err, WX_EABI,
                            WHO ": the method is not an HTTP method name");
    xfer t = {.max = rq->max_bytes, .headers = json_object()};
    hop h = {.url = curl_url(),
             .method = method,
             .body = rq->has_body ? (rq->body ? rq->body : (const uint8_t *)"")
                                  : NULL,
             .body_len = rq->has_body ? rq->body_len : 0};
    CURLM *m = curl_multi_init();
    if (!t.headers || !h.url || !m)
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
    else if (curl_url_set(h.url, CURLUPART_URL, rq->url, 0) != CURLUE_OK)
        s = wx_error_set(err, WX_EABI,
                         WHO ": the request's \"url\" is not a URL");
    long status = 0;
    if (s == WX_OK)
        s = hops(rq, m, &h, &t, inst, &status, err);
    curl_slist_free_all(h.headers);
    curl_url_cleanup(h.url);
    if (m)
        curl_multi_cleanup(m);
    if (s != WX_OK) {
        free(t.buf);
        json_decref(t.headers);
        return s;
    }
    out->status = (int)status;
    out->body = t.buf;
    out->len = t.len;
    out->headers = t.headers;
    return WX_OK;
}
