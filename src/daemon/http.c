/*
 * The HTTP glue over libmicrohttpd: the listening socket, request bodies,
 * responses, the count of requests in flight, and the stop.
 *
 * Threads. libmicrohttpd runs a pool of worker threads
 * (MHD_USE_EPOLL_INTERNAL_THREAD with MHD_OPTION_THREAD_POOL_SIZE), one
 * per CPU by default, each with its own epoll set over its share of the
 * connections, and the handler runs the call right in the worker:
 *
 * - a call is CPU work (guest code) between two short waits on the
 *   network, so more runnable threads than cores would only add context
 *   switches, and handing calls to a second pool would add two thread
 *   wake-ups (several microseconds) to calls that take a few;
 * - epoll keeps idle keep-alive connections free;
 * - the cost: a long call holds its worker, and the other connections of
 *   that worker wait for it (head-of-line blocking). Calls are bounded
 *   by the plugin's timeout_ms; a daemon serving long calls next to
 *   short ones should run with --threads above its CPU count.
 * Thread-per-connection (the other libmicrohttpd choice) has no such
 * wait but one thread per client, unbounded under many connections.
 *
 * Request lifetime: the first callback of a request makes its state,
 * counts it in flight and, from the headers alone, admits it or answers
 * it (access.c: tokens, Host and Origin, body type); body chunks are
 * appended up to the size limit; the last callback routes it; the
 * completion callback (after the response was sent, or the connection
 * dropped) logs it, frees it and counts it out. The drain on SIGTERM waits for that count to reach 0.
 */
#include "wxd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct wxd_http {
    struct MHD_Daemon *mhd;
    wxd_server *s;
};

typedef struct req {
    uint64_t t0;
    char *body;
    size_t len, cap;
    bool answered;   /* a response was queued before the body ended */
    bool discarding; /* the body is over the limit: read, not kept */
    uint64_t seen;   /* body bytes received */
    int status;
    char method[12];
    char path[200]; /* for the log, cut */
    char who[64];   /* the token's name, "" without tokens */
} req;

uint64_t wxd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ listen */

/* Splits "host:port" or "[v6]:port" into its parts. */
static bool split_address(const char *addr, char *host, size_t hsize,
                          const char **port)
{
    const char *colon;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            return false;
        if ((size_t)(close - addr - 1) >= hsize)
            return false;
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= hsize)
            return false;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = '\0';
    }
    *port = colon + 1;
    return host[0] && **port;
}

static void format_address(const struct sockaddr_storage *sa, char *out,
                           size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(out, size, "[%s]:%u", ip, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const void *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(out, size, "%s:%u", ip, ntohs(a->sin_port));
    }
}

/* Whether the address bound is loopback: 127.0.0.0/8, ::1, or 127/8
 * mapped into IPv6. 0.0.0.0 and :: (every interface) are not. */
static bool is_loopback(const struct sockaddr_storage *sa, unsigned *port)
{
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)sa;
        *port = ntohs(a->sin6_port);
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
            return true;
        return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) &&
               a->sin6_addr.s6_addr[12] == 127;
    }
    const struct sockaddr_in *a = (const void *)sa;
    *port = ntohs(a->sin_port);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
}

/*
 * unix:PATH. The socket file is made with mode 0660 whatever the
 * operator's umask: the owner and the group may connect (as with
 * Docker's socket), others not. bind() creates the file with the umask
 * applied, so the umask is set to 0117 around it: the file never exists
 * with another mode, and no chmod(path) follows, which a process able to
 * write the directory could redirect through a symbolic link. (The umask
 * is the process's; no other thread creates files at this point of the
 * start.) A file already at PATH is replaced only if it is a socket
 * nobody listens on (a daemon that was killed); anything else is an
 * error, never deleted.
 */
static int listen_unix(wxd_server *s, const char *path, char *why,
                       size_t wsize)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!path[0] || strlen(path) >= sizeof sa.sun_path) {
        snprintf(why, wsize, "--listen unix:%s: the path must be 1 to %zu "
                 "bytes", path, sizeof sa.sun_path - 1);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(why, wsize, "--listen unix:%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        int probe = S_ISSOCK(st.st_mode)
                        ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)
                        : -1;
        bool stale = probe >= 0 &&
                     connect(probe, (struct sockaddr *)&sa, sizeof sa) != 0 &&
                     errno == ECONNREFUSED;
        if (probe >= 0)
            close(probe);
        if (!stale) {
            snprintf(why, wsize, "cannot listen on unix:%s: %s", path,
                     S_ISSOCK(st.st_mode)
                         ? "another process listens there (or the socket "
                           "cannot be probed)"
                         : "the path exists and is not a socket");
            close(fd);
            return -1;
        }
        unlink(path);
    }
    mode_t old = umask(0117);
    int bound = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (bound != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        snprintf(why, wsize, "cannot listen on unix:%s: %s", path,
                 strerror(e));
        close(fd);
        return -1;
    }
    s->unix_socket = true;
    s->loopback = true; /* reachable from this host only */
    snprintf(s->bound, sizeof s->bound, "unix:%s", path);
    return fd;
}

int wxd_listen(wxd_server *s, const char *addr, char *why, size_t wsize)
{
    if (strncmp(addr, "unix:", 5) == 0)
        return listen_unix(s, addr + 5, why, wsize);
    char host[256];
    const char *port;
    if (!split_address(addr, host, sizeof host, &port)) {
        snprintf(why, wsize, "--listen %s: expected HOST:PORT or unix:PATH",
                 addr);
        return -1;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(why, wsize, "--listen %s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
                                       SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
            listen(fd, SOMAXCONN) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(why, wsize, "cannot listen on %s: %s", addr,
                 strerror(saved));
        return -1;
    }
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
        format_address(&sa, s->bound, sizeof s->bound);
        s->loopback = is_loopback(&sa, &s->port);
    } else {
        /* Unknown, so not trusted to be loopback. */
        snprintf(s->bound, sizeof s->bound, "%s", addr);
    }
    return fd;
}

void wxd_unlisten(wxd_server *s)
{
    if (s->unix_socket)
        unlink(s->bound + 5);
}

/* --------------------------------------------------------- responses */

static enum MHD_Result queue(wxd_server *s, struct MHD_Connection *c, req *r,
                             wxd_response *rs)
{
    struct MHD_Response *resp;
    if (rs->body)
        resp = MHD_create_response_from_buffer_with_free_callback(
            rs->len, rs->body, free);
    else
        resp = MHD_create_response_from_buffer(0, (void *)"",
                                               MHD_RESPMEM_PERSISTENT);
    rs->body = NULL; /* the response owns it now, even on failure */
    if (!resp) {
        free(rs->location);
        return MHD_NO;
    }
    if (rs->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rs->content_type);
    if (rs->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rs->allow);
    if (rs->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
                                rs->location);
    if (rs->www_auth)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                rs->www_auth);
    if (rs->retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%u", rs->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    if (rs->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    free(rs->location);
    rs->location = NULL;
    enum MHD_Result ret =
        MHD_queue_response(c, (unsigned)rs->status, resp);
    MHD_destroy_response(resp);
    r->status = rs->status;
    wxd_metrics_http(s->metrics, rs->status);
    return ret;
}

/* Server-side failures are worth a line even when requests are not
 * logged; client mistakes are not (the debug line has them). */
static void log_failure(wxd_server *s, const req *r, const wxd_response *rs)
{
    int st = rs->status;
    if (st < 500 && st != 422)
        return;
    wxd_level level = st == 500 ? WXD_ERROR : WXD_WARN;
    if (!wxd_log_on(&s->log, level))
        return;
    int n = rs->len > 300 ? 300 : (int)rs->len;
    wxd_logf(&s->log, level, "%s %s -> %d %.*s", r->method, r->path, st, n,
             rs->body ? rs->body : "");
}

static enum MHD_Result answer_now(wxd_server *s, struct MHD_Connection *c,
                                  req *r, int status, const char *code,
                                  const char *msg)
{
    wxd_response rs = {0};
    wxd_reply_error(&rs, status, code, "%s", msg);
    rs.close = true;
    if (status == 503)
        rs.retry_after = 1;
    r->answered = true;
    log_failure(s, r, &rs);
    return queue(s, c, r, &rs);
}

/* ---------------------------------------------------------- requests */

static bool body_append(req *r, const char *data, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b)
            return false;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return true;
}

/*
 * Bodies over the limit. Answering 413 at once and closing would lose
 * the answer: the client is still sending, and closing a socket with
 * unread data makes the kernel send a reset that the client may see
 * before the response. So a body over the limit is read and thrown
 * away, and 413 comes after it, on a connection that stays usable;
 * only a client that asked "Expect: 100-continue" (it waits before
 * sending) or keeps sending past DISCARD_MAX is answered at once.
 */
#define DISCARD_MAX ((uint64_t)64 << 20)

static enum MHD_Result too_large(wxd_server *s, struct MHD_Connection *c,
                                 req *r, bool now)
{
    char msg[128];
    snprintf(msg, sizeof msg,
             "request body larger than %zu bytes (see --max-body)",
             s->opts.max_body);
    wxd_response rs = {0};
    wxd_reply_error(&rs, 413, "limit", "%s", msg);
    if (now) {
        rs.close = true;
        r->answered = true;
    }
    return queue(s, c, r, &rs);
}

static bool expects_continue(struct MHD_Connection *c)
{
    const char *e = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_EXPECT);
    return e && strcasecmp(e, "100-continue") == 0;
}

/* `src` into dst[size], cut if longer (snprintf costs more, per request). */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The headers the access checks read. */
static void headers(struct MHD_Connection *c, wxd_request *rq)
{
    rq->content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    rq->host = header(c, MHD_HTTP_HEADER_HOST);
    rq->origin = header(c, MHD_HTTP_HEADER_ORIGIN);
    rq->authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    rq->fetch_site = header(c, "Sec-Fetch-Site");
}

/* The first callback of a request: its state, and the answers that need
 * no body (draining, a declared length over the limit). */
static enum MHD_Result begin(wxd_server *s, struct MHD_Connection *c,
                             const char *url, const char *method,
                             void **ctx)
{
    req *r = calloc(1, sizeof *r);
    if (!r)
        return MHD_NO;
    r->t0 = wxd_now_ns();
    copy_cut(r->method, sizeof r->method, method);
    copy_cut(r->path, sizeof r->path, url);
    atomic_fetch_add(&s->inflight, 1);
    *ctx = r;
    if (atomic_load(&s->draining))
        return answer_now(s, c, r, 503, "unavailable",
                          "the daemon is shutting down");
    /* Who may ask this, before a byte of the body is read. */
    wxd_request rq = {.method = method, .path = url};
    headers(c, &rq);
    wxd_response rs = {0};
    if (!wxd_admit(s, &rq, &rs)) {
        rs.close = true;
        r->answered = true;
        return queue(s, c, r, &rs);
    }
    copy_cut(r->who, sizeof r->who, rq.who ? rq.who : "");
    const char *cl = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (!errno && *end == '\0' && n > s->opts.max_body) {
            if (expects_continue(c) || n > s->opts.max_body + DISCARD_MAX)
                return too_large(s, c, r, true);
            r->discarding = true;
        }
    }
    return MHD_YES;
}

static enum MHD_Result dispatch(wxd_server *s, struct MHD_Connection *c,
                                req *r, const char *url, const char *method)
{
    if (!body_append(r, "", 0)) /* room for the NUL */
        return answer_now(s, c, r, 500, "nomem", "out of host memory");
    r->body[r->len] = '\0';
    wxd_request rq = {
        .method = method,
        .path = url,
        .body = r->body,
        .len = r->len,
    };
    headers(c, &rq);
    rq.who = r->who[0] ? r->who : NULL;
    wxd_response rs = {0};
    atomic_fetch_add(&s->handlers, 1);
    wxd_route(s, &rq, &rs);
    atomic_fetch_sub(&s->handlers, 1);
    /* The body is no longer needed: keep-alive connections can sit idle
     * for a long time. */
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    log_failure(s, r, &rs);
    return queue(s, c, r, &rs);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_size, void **ctx)
{
    (void)version;
    wxd_server *s = cls;
    req *r = *ctx;
    if (!r)
        return begin(s, c, url, method, ctx);
    if (r->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        r->seen += n;
        if (r->seen > s->opts.max_body && !r->discarding) {
            r->discarding = true;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
        }
        if (r->discarding)
            return r->seen > s->opts.max_body + DISCARD_MAX
                       ? too_large(s, c, r, true)
                       : MHD_YES;
        if (!body_append(r, upload_data, n))
            return answer_now(s, c, r, 500, "nomem", "out of host memory");
        return MHD_YES;
    }
    if (r->discarding)
        return too_large(s, c, r, false);
    return dispatch(s, c, r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
                         enum MHD_RequestTerminationCode why)
{
    (void)c;
    wxd_server *s = cls;
    req *r = *ctx;
    if (!r)
        return;
    *ctx = NULL;
    if (wxd_log_on(&s->log, WXD_DEBUG)) {
        double ms = (double)(wxd_now_ns() - r->t0) / 1e6;
        if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK)
            wxd_logf(&s->log, WXD_DEBUG, "%s %s %d %.3f ms", r->method,
                     r->path, r->status, ms);
        else
            wxd_logf(&s->log, WXD_DEBUG,
                     "%s %s %d %.3f ms (connection ended early: %d)",
                     r->method, r->path, r->status, ms, (int)why);
    }
    free(r->body);
    free(r);
    atomic_fetch_sub(&s->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    wxd_server *s = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    wxd_logf(&s->log, WXD_WARN, "http: %s", msg);
}

/* ------------------------------------------------------------ daemon */

bool wxd_http_tls_supported(void)
{
    return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

wxd_http *wxd_http_start(wxd_server *s, int fd, unsigned threads,
                         const char *cert_pem, const char *key_pem)
{
    wxd_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->s = s;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (cert_pem)
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    /* The logger first, so that it gets the messages about the rest. */
    h->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->opts.idle_s,
        MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    if (!h->mhd) {
        free(h);
        return NULL;
    }
    return h;
}

void wxd_http_quiesce(wxd_http *h)
{
    /* The listening socket stays open until the stop (libmicrohttpd's
     * workers may still hold it); serve.c closes it after. */
    MHD_quiesce_daemon(h->mhd);
}

void wxd_http_stop(wxd_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->mhd);
    free(h);
}
