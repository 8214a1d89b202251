/*
 * The HTTP glue over libmicrohttpd: the listening socket, request bodies,
 * responses, the count of requests in flight, the worker queues, the
 * bounds on what clients can hold, and the stop.
 *
 * Threads (docs/rest.md, *Threads*). libmicrohttpd runs a pool of
 * --threads HTTP threads (MHD_USE_EPOLL_INTERNAL_THREAD with
 * MHD_OPTION_THREAD_POOL_SIZE), each with its own epoll set over its
 * share of the connections. They read requests, check them (access.c)
 * and answer what needs no guest and no change: /healthz, /metrics, the
 * lists and reports, refusals. A guest call or a change is handed to a
 * worker (jobs.c): the connection is suspended (MHD_suspend_connection),
 * the request queued, and the worker that runs it resumes the connection
 * with the answer ready. So stuck guests never hold an HTTP thread: the
 * daemon keeps answering /healthz with every call worker busy.
 *
 * One more thread, the guard, does what no HTTP thread can:
 * - deadlines. libmicrohttpd's connection timeout is an idle timeout,
 *   which a client sending a byte every few seconds extends forever. The
 *   guard gives every connection a deadline that only the daemon moves:
 *   a request head must arrive within --idle-timeout of the connection's
 *   start or its previous response; from the request line on, the head
 *   and body within --request-timeout; the response must be taken within
 *   --request-timeout. Past it, the guard shuts the socket down
 *   (shutdown(2), never close: the socket stays libmicrohttpd's, which
 *   then sees the end of the stream and closes it itself), and a body
 *   chunk that arrives late gets 408. While a handler runs there is no
 *   deadline (guest calls have their own timeout).
 * - shedding. Near --max-connections it closes the connections that
 *   have waited longest for their request, so that slow clients cannot
 *   keep every slot until their deadlines (see shed()).
 * - disconnects during calls. A suspended connection is not read, so
 *   libmicrohttpd cannot see its client go; the guard watches the socket
 *   of each queued or running call for the peer's close (EPOLLRDHUP) and
 *   cancels the call (src/api/cancel.h): the guest is interrupted and
 *   its instance goes back to the pool at once.
 * - the queue bound: calls that waited --wait-ms for a call worker get
 *   503, as calls that wait for a busy instance pool do.
 *
 * Request lifetime: the request line makes its state (on_uri: the
 * deadline starts) and counts it in flight; the first call of the access
 * handler, with the headers, admits or answers it (access.c: tokens, Host
 * and Origin, body type; and here: the length, the body budget); body
 * chunks are appended up to the limits; the last call routes it, here or
 * on a worker; the completion callback (after the response was sent, or
 * the connection dropped) logs it, frees it and counts it out. The drain
 * on SIGTERM waits for that count to reach 0.
 *
 * Memory. Request bodies are the memory clients control: each is capped
 * by --max-body, and all of them together by --max-inflight-body, drawn
 * on as bytes arrive (the buffer's size, not the size announced), past
 * the first WXD_BODY_FREE bytes of each request, which every request may
 * hold so that small calls pass while big uploads wait for the budget.
 * A body that would overdraw it is read and dropped and answered 503.
 * libmicrohttpd's own buffers are per connection (32 KiB by default), and
 * connections are capped by --max-connections, so the bound on what
 * clients hold is about
 *     --max-inflight-body + --max-connections x (WXD_BODY_FREE + 32 KiB).
 */
#include "wxd.h"

#include "cancel.h"
#include "dl_mhd.h" /* libmicrohttpd, loaded on first need */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* One connection, from accept to close (MHD_OPTION_NOTIFY_CONNECTION). */
typedef struct conn {
    struct conn *prev, *next; /* in wxd_http.conns, under its lock */
    int fd;
    /* wxd_now_ns time past which the guard cuts the connection; 0 while
     * a handler runs. Written by the connection's HTTP thread or worker,
     * read by the guard. */
    _Atomic uint64_t deadline;
    _Atomic uint64_t since; /* when the current phase began; 0: running */
    bool cut; /* the guard shut it down (under the lock) */
} conn;

typedef enum { R_RECV, R_QUEUED, R_DONE } req_state;

typedef struct req {
    wxd_job job; /* first: a queued request is a job */
    wxd_http *h;
    struct MHD_Connection *c;
    conn *cn;    /* NULL if the connection's state could not be made */
    uint64_t t0;
    char *body;
    size_t len, cap;
    size_t drawn;      /* bytes of the body budget this request holds */
    uint64_t seen;     /* body bytes received */
    bool begun;        /* the access handler has seen the headers */
    bool answered;     /* a response was queued before the body ended */
    bool discarding;   /* the body is refused: read, not kept */
    int refusal;       /* while discarding: 413 or 503 */
    req_state state;   /* R_QUEUED: suspended, a worker owns rq and rs */
    wxd_request rq;    /* for the worker */
    wxd_response rs;   /* the worker's answer */
    wx_cancel *cancel; /* calls only */
    /* The guard's watch of a call's socket, under wxd_http.lock. */
    bool watched, gone;
    struct req *wprev, *wnext;
    int status;
    char method[12];
    char path[200]; /* for the log, cut */
    char who[64];   /* the token's name, "" without tokens */
} req;

struct wxd_http {
    struct MHD_Daemon *mhd;
    wxd_server *s;
    wxd_jobs *calls, *changes;
    pthread_mutex_t lock; /* conns, watched */
    conn *conns;
    req *watched;
    int epfd, wakefd;     /* the guard's epoll set, and its stop signal */
    pthread_t guard;
    bool guard_running;
    atomic_bool stopping;
    atomic_bool quiesced; /* draining: new connections are refused */
    /* libmicrohttpd's log, rate-limited (a flood of "connection limit
     * reached" must not fill the disk). */
    pthread_mutex_t log_lock;
    uint64_t log_window;
    unsigned log_lines, log_dropped;
};

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

/* --------------------------------------------------------- deadlines */

static uint64_t secs(unsigned s)
{
    return (uint64_t)s * 1000000000u;
}

static conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The connection's next deadline, `s` seconds from now (0: none). */
static void set_deadline(conn *cn, unsigned s)
{
    if (!cn)
        return;
    uint64_t now = s ? wxd_now_ns() : 0;
    atomic_store(&cn->since, now);
    atomic_store(&cn->deadline, s ? now + secs(s) : 0);
}

static void on_connection(void *cls, struct MHD_Connection *c,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    wxd_http *h = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn *cn = calloc(1, sizeof *cn);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!cn || !ci) {
            /* Without its state the connection has no deadline of ours;
             * libmicrohttpd's idle timeout still applies. */
            free(cn);
            *socket_context = NULL;
            return;
        }
        cn->fd = ci->connect_fd;
        set_deadline(cn, h->s->opts.idle_s);
        pthread_mutex_lock(&h->lock);
        cn->next = h->conns;
        if (h->conns)
            h->conns->prev = cn;
        h->conns = cn;
        pthread_mutex_unlock(&h->lock);
        atomic_fetch_add(&h->s->connections, 1);
        *socket_context = cn;
        return;
    }
    conn *cn = *socket_context;
    if (!cn)
        return;
    /* Before libmicrohttpd closes the socket: once off the list, the
     * guard never touches this descriptor, which may be reused. */
    pthread_mutex_lock(&h->lock);
    if (cn->prev)
        cn->prev->next = cn->next;
    else
        h->conns = cn->next;
    if (cn->next)
        cn->next->prev = cn->prev;
    pthread_mutex_unlock(&h->lock);
    atomic_fetch_sub(&h->s->connections, 1);
    free(cn);
    *socket_context = NULL;
}

/*
 * Near the connection limit, deadlines alone would let slow clients keep
 * every slot (on loopback they all share one address, so the per-address
 * limit cannot tell them apart): new connections, a health probe's too,
 * would wait in the backlog for a deadline. So past SHED_AT of
 * --max-connections, the guard also cuts the connections that have
 * waited longest for their request (or their response to be taken), a
 * second at least, keeping room for newcomers; connections whose request
 * is being handled are never cut. Under such pressure an idle keep-alive
 * connection goes first, as it should: reconnecting costs its client
 * little.
 */
#define SHED_MIN_AGE 1000000000u /* ns */

static unsigned shed(wxd_http *h, uint64_t now)
{
    unsigned max = h->s->opts.max_connections;
    unsigned high = max - max / 10;
    long open = atomic_load(&h->s->connections);
    unsigned cut = 0;
    while (open - (long)cut > (long)high && high) {
        conn *oldest = NULL;
        uint64_t oldest_since = UINT64_MAX;
        for (conn *cn = h->conns; cn; cn = cn->next) {
            uint64_t since = atomic_load(&cn->since);
            if (!cn->cut && since && now - since >= SHED_MIN_AGE &&
                since < oldest_since) {
                oldest = cn;
                oldest_since = since;
            }
        }
        if (!oldest)
            break;
        shutdown(oldest->fd, SHUT_RDWR);
        oldest->cut = true;
        cut++;
    }
    return cut;
}

/* The guard's sweep: connections past their deadline are shut down. */
static void sweep(wxd_http *h, uint64_t now)
{
    unsigned cut = 0;
    pthread_mutex_lock(&h->lock);
    for (conn *cn = h->conns; cn; cn = cn->next) {
        uint64_t d = atomic_load(&cn->deadline);
        if (d && now > d && !cn->cut) {
            shutdown(cn->fd, SHUT_RDWR);
            cn->cut = true;
            cut++;
        }
    }
    unsigned shed_now = shed(h, now);
    pthread_mutex_unlock(&h->lock);
    if (shed_now) {
        atomic_fetch_add(&h->s->connections_shed, shed_now);
        wxd_logf(&h->s->log, WXD_DEBUG,
                 "%u slow connection%s closed to make room (near "
                 "--max-connections)",
                 shed_now, shed_now == 1 ? "" : "s");
    }
    if (cut) {
        atomic_fetch_add(&h->s->deadline_closes, cut);
        wxd_logf(&h->s->log, WXD_DEBUG,
                 "%u connection%s closed at their deadline", cut,
                 cut == 1 ? "" : "s");
    }
}

/* ------------------------------------------------- disconnect watch */

/* The guard watches a queued or running call's socket for its client's
 * close. */
static void watch(wxd_http *h, req *r)
{
    if (!r->cn || !r->cancel)
        return;
    struct epoll_event ev = {.events = EPOLLRDHUP | EPOLLONESHOT,
                             .data.ptr = r};
    pthread_mutex_lock(&h->lock);
    if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, r->cn->fd, &ev) == 0) {
        r->watched = true;
        r->wnext = h->watched;
        r->wprev = NULL;
        if (h->watched)
            h->watched->wprev = r;
        h->watched = r;
    }
    pthread_mutex_unlock(&h->lock);
}

/* Under h->lock. */
static void unwatch_locked(wxd_http *h, req *r)
{
    if (!r->watched)
        return;
    epoll_ctl(h->epfd, EPOLL_CTL_DEL, r->cn->fd, NULL);
    if (r->wprev)
        r->wprev->wnext = r->wnext;
    else
        h->watched = r->wnext;
    if (r->wnext)
        r->wnext->wprev = r->wprev;
    r->watched = false;
}

/* An event for `ptr`: the request may be gone already (its worker
 * unwatched it between epoll_wait and here), so it is looked up among
 * the watched ones before it is touched. */
static void client_gone(wxd_http *h, void *ptr)
{
    bool fired = false;
    pthread_mutex_lock(&h->lock);
    for (req *r = h->watched; r; r = r->wnext) {
        if (r != ptr)
            continue;
        r->gone = true;
        wx_cancel_fire(r->cancel);
        unwatch_locked(h, r);
        fired = true;
        break;
    }
    pthread_mutex_unlock(&h->lock);
    if (fired)
        atomic_fetch_add(&h->s->calls_cancelled, 1);
}

static void *guard_main(void *arg)
{
    wxd_http *h = arg;
    uint64_t next_sweep = 0;
    while (!atomic_load(&h->stopping)) {
        struct epoll_event evs[32];
        int n = epoll_wait(h->epfd, evs, 32, 100);
        for (int i = 0; i < n; i++)
            if (evs[i].data.ptr != (void *)h)
                client_gone(h, evs[i].data.ptr);
        uint64_t now = wxd_now_ns();
        if (now >= next_sweep) {
            sweep(h, now);
            uint64_t wait = (uint64_t)h->s->opts.wait_ms * 1000000u;
            if (!wait)
                wait = (uint64_t)WX_DEFAULT_WAIT_MS * 1000000u;
            if (now > wait)
                wxd_jobs_expire(h->calls, now - wait);
            next_sweep = now + 100000000u;
        }
    }
    return NULL;
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
        rs->location = NULL;
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
    /* The client must take the response in time, too. */
    set_deadline(r->cn, s->opts.request_timeout_s);
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

/* ------------------------------------------------------------ bodies */

/* The share of a buffer of `cap` bytes drawn on the budget. */
static size_t to_draw(size_t cap)
{
    return cap > WXD_BODY_FREE ? cap - WXD_BODY_FREE : 0;
}

/* What is left of the budget now. */
static size_t budget_room(wxd_server *s)
{
    size_t held = atomic_load(&s->body_held);
    return held < s->opts.max_inflight_body ? s->opts.max_inflight_body - held
                                            : 0;
}

static void body_free(wxd_server *s, req *r)
{
    free(r->body);
    r->body = NULL;
    r->len = r->cap = 0;
    if (r->drawn)
        atomic_fetch_sub(&s->body_held, r->drawn);
    r->drawn = 0;
}

typedef enum { APPEND_OK, APPEND_NOMEM, APPEND_BUDGET } append_result;

/*
 * Appends a chunk. The buffer doubles, but never past the announced
 * length (or --max-body, for chunked bodies), and each growth draws its
 * bytes on the budget first: a growth that would overdraw it fails, and
 * nothing is allocated.
 */
static append_result body_append(wxd_server *s, req *r, const char *data,
                                 size_t n, uint64_t declared)
{
    if (r->len + n + 1 > r->cap) {
        size_t need = r->len + n + 1;
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < need)
            cap *= 2;
        size_t most = (declared != UINT64_MAX ? (size_t)declared
                                              : s->opts.max_body) + 1;
        if (cap > most && need <= most)
            cap = most;
        size_t extra = to_draw(cap) - r->drawn;
        if (extra) {
            size_t held = atomic_fetch_add(&s->body_held, extra) + extra;
            if (held > s->opts.max_inflight_body) {
                atomic_fetch_sub(&s->body_held, extra);
                return APPEND_BUDGET;
            }
            r->drawn += extra;
        }
        char *b = realloc(r->body, cap);
        if (!b)
            return APPEND_NOMEM;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return APPEND_OK;
}

/*
 * Bodies refused by size (413, over --max-body) or by the budget (503).
 * Answering at once and closing would lose the answer: the client is
 * still sending, and closing a socket with unread data makes the kernel
 * send a reset that the client may see before the response. So such a
 * body is read and thrown away (it holds no memory), and the answer comes
 * after it, on a connection that stays usable; only a client that asked
 * "Expect: 100-continue" (it waits before sending) or keeps sending past
 * DISCARD_MAX is answered at once.
 */
#define DISCARD_MAX ((uint64_t)64 << 20)

static enum MHD_Result refuse_body(wxd_server *s, struct MHD_Connection *c,
                                   req *r, bool now)
{
    wxd_response rs = {0};
    if (r->refusal == 503) {
        wxd_reply_error(&rs, 503, "busy",
                        "the daemon holds as many request bodies as it may "
                        "(%zu bytes, --max-inflight-body); retry later",
                        s->opts.max_inflight_body);
        rs.retry_after = 1;
        log_failure(s, r, &rs);
    } else {
        wxd_reply_error(&rs, 413, "limit",
                        "request body larger than %zu bytes (see "
                        "--max-body)",
                        s->opts.max_body);
    }
    if (now) {
        rs.close = true;
        r->answered = true;
    }
    return queue(s, c, r, &rs);
}

static void start_discarding(wxd_server *s, req *r, int refusal)
{
    if (refusal == 503 && !r->discarding)
        atomic_fetch_add(&s->body_refusals, 1);
    r->discarding = true;
    r->refusal = refusal;
    body_free(s, r);
}

static bool expects_continue(struct MHD_Connection *c)
{
    const char *e = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_EXPECT);
    return e && strcasecmp(e, "100-continue") == 0;
}

/* ---------------------------------------------------------- requests */

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

/* The framing headers, for the checks libmicrohttpd does not make. */
typedef struct framing {
    const char *length; /* the first Content-Length */
    bool conflict;      /* another Content-Length with another value */
    bool chunked;       /* a Transfer-Encoding */
} framing;

static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind,
                                      const char *key, const char *value)
{
    (void)kind;
    framing *f = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        f->chunked = true;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0 || !value)
        return MHD_YES;
    if (!f->length)
        f->length = value;
    else if (strcmp(f->length, value) != 0)
        f->conflict = true;
    return MHD_YES;
}

/*
 * A request whose framing two parties could read two ways is refused:
 * two Content-Length headers with different values (libmicrohttpd uses
 * the first; a proxy in front may use the last, and the rest of the body
 * becomes a request of its own: request smuggling), or a Content-Length
 * with a Transfer-Encoding (RFC 9112 6.1: the server may refuse it, and
 * must close the connection after it either way). Identical duplicates
 * are one length (RFC 9110 8.6). NULL when fine, else the message.
 */
static const char *framing_problem(struct MHD_Connection *c,
                                   const char **length)
{
    framing f = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &f);
    *length = f.length;
    if (f.conflict)
        return "conflicting Content-Length headers (two different "
               "values): the body's length is ambiguous";
    if (f.length && f.chunked)
        return "both Content-Length and Transfer-Encoding: the body's "
               "length is ambiguous";
    return NULL;
}

static req *new_req(wxd_http *h, struct MHD_Connection *c)
{
    req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->h = h;
    r->c = c;
    r->t0 = wxd_now_ns();
    r->cn = conn_of(c);
    /* From the request line on, the head and the body have
     * --request-timeout, however slowly they come. */
    set_deadline(r->cn, h->s->opts.request_timeout_s);
    atomic_fetch_add(&h->s->inflight, 1);
    return r;
}

/* The request line is in (MHD_OPTION_URI_LOG_CALLBACK): the request's
 * state, and its deadline, start here, before its headers. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    req *r = new_req(cls, c);
    if (r)
        copy_cut(r->path, sizeof r->path, uri);
    return r;
}

/* The first callback of a request, with its headers: the answers that
 * need no body (draining, access, framing, sizes). */
static enum MHD_Result begin(wxd_http *h, struct MHD_Connection *c, req *r,
                             const char *url, const char *method)
{
    wxd_server *s = h->s;
    r->begun = true;
    copy_cut(r->method, sizeof r->method, method);
    copy_cut(r->path, sizeof r->path, url);
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
    const char *cl;
    const char *problem = framing_problem(c, &cl);
    if (problem)
        return answer_now(s, c, r, 400, "arg", problem);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end != '\0')
            return MHD_YES; /* libmicrohttpd refuses it itself */
        if (n > s->opts.max_body) {
            r->refusal = 413;
            if (expects_continue(c) || n > s->opts.max_body + DISCARD_MAX)
                return refuse_body(s, c, r, true);
            r->discarding = true;
        } else if (to_draw((size_t)n + 1) > budget_room(s)) {
            /* It cannot fit now: say so before it is sent (a client
             * that waits for 100 Continue) or read it and drop it. The
             * budget is drawn as bytes come, so this only tells early. */
            start_discarding(s, r, 503);
            if (expects_continue(c))
                return refuse_body(s, c, r, true);
        }
    }
    return MHD_YES;
}

/* ----------------------------------------------------------- workers */

/* A worker ran (or the guard expired) a queued request: the answer is in
 * r->rs; the connection is handed back to its HTTP thread, which sends
 * it (on_request, state R_DONE). */
static void finish(req *r)
{
    wxd_http *h = r->h;
    body_free(h->s, r);
    pthread_mutex_lock(&h->lock);
    unwatch_locked(h, r);
    pthread_mutex_unlock(&h->lock);
    r->state = R_DONE;
    MHD_resume_connection(r->c);
}

static void run_job(wxd_job *j)
{
    req *r = (req *)j;
    wxd_server *s = r->h->s;
    pthread_mutex_lock(&r->h->lock);
    bool gone = r->gone;
    pthread_mutex_unlock(&r->h->lock);
    if (!gone) {
        atomic_fetch_add(&s->handlers, 1);
        if (r->cancel)
            wx_cancel_enter(r->cancel);
        wxd_route(s, &r->rq, &r->rs);
        if (r->cancel)
            wx_cancel_leave();
        atomic_fetch_sub(&s->handlers, 1);
    }
    finish(r);
}

static void expire_job(wxd_job *j)
{
    req *r = (req *)j;
    wxd_server *s = r->h->s;
    if (atomic_load(&s->draining) || atomic_load(&r->h->stopping)) {
        wxd_reply_error(&r->rs, 503, "unavailable",
                        "the daemon is shutting down");
        r->rs.close = true;
    } else {
        unsigned threads, busy;
        size_t queued;
        wxd_jobs_counts(r->h->calls, &threads, &busy, &queued);
        wxd_reply_error(&r->rs, 503, "busy",
                        "all %u call threads stayed busy for %u ms "
                        "(--call-threads, --wait-ms)",
                        threads, s->opts.wait_ms ? s->opts.wait_ms
                                                 : WX_DEFAULT_WAIT_MS);
        atomic_fetch_add(&s->queue_expired, 1);
    }
    r->rs.retry_after = 1;
    finish(r);
}

/* The body is complete: answer here, or hand the request to a worker. */
static enum MHD_Result dispatch(wxd_http *h, struct MHD_Connection *c,
                                req *r, const char *url, const char *method)
{
    wxd_server *s = h->s;
    /* Every append leaves room for the NUL; a request without a body
     * needs one byte for it, within WXD_BODY_FREE. */
    if (!r->body && body_append(s, r, "", 0, UINT64_MAX) != APPEND_OK)
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
    /* No deadline while a handler runs: guest calls have their own. */
    set_deadline(r->cn, 0);
    wxd_where where = wxd_route_where(method, url);
    if (where == WXD_HERE) {
        wxd_response rs = {0};
        atomic_fetch_add(&s->handlers, 1);
        wxd_route(s, &rq, &rs);
        atomic_fetch_sub(&s->handlers, 1);
        /* The body is no longer needed: keep-alive connections can sit
         * idle for a long time. */
        body_free(s, r);
        log_failure(s, r, &rs);
        return queue(s, c, r, &rs);
    }
    /* The URL, the method and the headers live in the connection's
     * memory until the request completes; a suspended connection keeps
     * them. */
    r->rq = rq;
    r->job.run = run_job;
    r->job.expire = expire_job;
    r->state = R_QUEUED;
    if (where == WXD_CALLS)
        r->cancel = wx_cancel_new(); /* NULL: the call cannot be cancelled */
    MHD_suspend_connection(c);
    watch(h, r);
    wxd_jobs_push(where == WXD_CALLS ? h->calls : h->changes, &r->job);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_size, void **ctx)
{
    (void)version;
    wxd_http *h = cls;
    wxd_server *s = h->s;
    req *r = *ctx;
    if (!r && !(r = *ctx = new_req(h, c)))
        return MHD_NO;
    if (!r->begun)
        return begin(h, c, r, url, method);
    if (r->state == R_DONE) {
        /* Resumed by a worker. A call whose client went away has no one
         * to answer: close. */
        if (r->gone)
            return MHD_NO;
        r->state = R_RECV;
        log_failure(s, r, &r->rs);
        return queue(s, c, r, &r->rs);
    }
    if (r->state == R_QUEUED)
        return MHD_YES; /* not expected: the connection is suspended */
    if (r->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        uint64_t d = r->cn ? atomic_load(&r->cn->deadline) : 0;
        if (d && wxd_now_ns() > d) {
            atomic_fetch_add(&s->deadline_closes, 1);
            char msg[128];
            snprintf(msg, sizeof msg,
                     "the request took longer than %u s to arrive (see "
                     "--request-timeout)",
                     s->opts.request_timeout_s);
            body_free(s, r);
            return answer_now(s, c, r, 408, "request_timeout", msg);
        }
        r->seen += n;
        if (r->seen > s->opts.max_body &&
            !(r->discarding && r->refusal == 413))
            start_discarding(s, r, 413);
        if (r->discarding)
            return r->seen > s->opts.max_body + DISCARD_MAX
                       ? refuse_body(s, c, r, true)
                       : MHD_YES;
        const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
        uint64_t declared = cl ? strtoull(cl, NULL, 10) : UINT64_MAX;
        switch (body_append(s, r, upload_data, n, declared)) {
        case APPEND_OK:
            return MHD_YES;
        case APPEND_BUDGET:
            start_discarding(s, r, 503);
            return MHD_YES;
        default:
            body_free(s, r);
            return answer_now(s, c, r, 500, "nomem", "out of host memory");
        }
    }
    if (r->discarding)
        return refuse_body(s, c, r, false);
    return dispatch(h, c, r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
                         enum MHD_RequestTerminationCode why)
{
    wxd_http *h = cls;
    wxd_server *s = h->s;
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
                     "%s %s %d %.3f ms (connection ended early: %d%s)",
                     r->method, r->path, r->status, ms, (int)why,
                     r->gone ? ", call cancelled" : "");
    }
    /* The next request's head has --idle-timeout from now. (The
     * connection's state is looked up again rather than taken from r:
     * when the connection is closing, it may be gone already.) */
    set_deadline(conn_of(c), s->opts.idle_s);
    body_free(s, r);
    wx_cancel_free(r->cancel);
    free(r->rs.body);
    free(r->rs.location);
    free(r);
    atomic_fetch_sub(&s->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    wxd_http *h = cls;
    wxd_server *s = h->s;
    /* At most 10 lines a second: under a flood of connections
     * libmicrohttpd logs one line for each it refuses. */
    uint64_t now = wxd_now_ns() / 1000000000u;
    unsigned dropped = 0;
    bool drop;
    pthread_mutex_lock(&h->log_lock);
    if (now != h->log_window) {
        dropped = h->log_dropped;
        h->log_window = now;
        h->log_lines = h->log_dropped = 0;
    }
    drop = ++h->log_lines > 10;
    if (drop)
        h->log_dropped++;
    pthread_mutex_unlock(&h->log_lock);
    if (dropped)
        wxd_logf(&s->log, WXD_WARN, "http: %u more messages dropped",
                 dropped);
    if (drop)
        return;
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

static unsigned default_call_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = n > 0 ? (unsigned)n * 4 : 8;
    return t < 8 ? 8 : t;
}

/*
 * Descriptors: each connection takes one, and the daemon needs some of
 * its own (the registry, modules, epoll sets, the workers' pipes). The
 * soft limit is raised towards the hard one when --max-connections needs
 * it (as Go's runtime and systemd services do); if the hard limit is too
 * low, the connection limit is lowered to fit, with a warning, rather
 * than let accept() fail with EMFILE, which starves every client.
 */
#define FD_RESERVE 128u

static unsigned fit_connections(wxd_server *s, unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    rlim_t need = (rlim_t)want + FD_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need
                          ? need
                          : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = old;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        unsigned fit = rl.rlim_cur > FD_RESERVE * 2
                           ? (unsigned)(rl.rlim_cur - FD_RESERVE)
                           : (unsigned)rl.rlim_cur / 2;
        wxd_logf(&s->log, WXD_WARN,
                 "--max-connections %u needs %lu file descriptors; the "
                 "limit is %lu (ulimit -n): serving at most %u connections",
                 want, (unsigned long)need, (unsigned long)rl.rlim_cur, fit);
        return fit;
    }
    return want;
}

/* Per-address limit: WXD_PER_IP_AUTO is off where every client has the
 * same address (loopback, unix sockets), else a quarter of the total. */
static unsigned per_ip_limit(const wxd_server *s, unsigned max_conns)
{
    if (s->opts.max_per_ip != WXD_PER_IP_AUTO)
        return s->opts.max_per_ip;
    if (s->loopback || s->unix_socket)
        return 0;
    return max_conns / 4 ? max_conns / 4 : 1;
}

static void free_http(wxd_http *h)
{
    if (h->epfd >= 0)
        close(h->epfd);
    if (h->wakefd >= 0)
        close(h->wakefd);
    pthread_mutex_destroy(&h->lock);
    pthread_mutex_destroy(&h->log_lock);
    free(h);
}

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr,
                                     socklen_t len);

wxd_http *wxd_http_start(wxd_server *s, int fd, unsigned threads,
                         const char *cert_pem, const char *key_pem)
{
    wxd_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->s = s;
    h->epfd = h->wakefd = -1;
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_init(&h->log_lock, NULL);
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    h->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event wake = {.events = EPOLLIN, .data.ptr = h};
    if (h->epfd < 0 || h->wakefd < 0 ||
        epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->wakefd, &wake) != 0) {
        wxd_logf(&s->log, WXD_ERROR, "cannot make the guard's epoll set: %s",
                 strerror(errno));
        free_http(h);
        return NULL;
    }
    char why[200];
    unsigned call_threads =
        s->opts.call_threads ? s->opts.call_threads : default_call_threads();
    s->opts.call_threads = call_threads;
    /* One change worker: changes take the change lock one at a time
     * anyway (plugins.c). */
    if (!(h->calls = wxd_jobs_start(call_threads, why, sizeof why)) ||
        !(h->changes = wxd_jobs_start(1, why, sizeof why))) {
        wxd_logf(&s->log, WXD_ERROR, "%s", why);
        wxd_jobs_stop(h->calls);
        free_http(h);
        return NULL;
    }
    int rc = pthread_create(&h->guard, NULL, guard_main, h);
    if (rc != 0) {
        wxd_logf(&s->log, WXD_ERROR, "cannot start the guard thread: %s",
                 strerror(rc));
        wxd_jobs_stop(h->calls);
        wxd_jobs_stop(h->changes);
        free_http(h);
        return NULL;
    }
    h->guard_running = true;
    s->http = h;

    unsigned max_conns = fit_connections(s, s->opts.max_connections);
    s->opts.max_connections = max_conns;
    unsigned per_ip = per_ip_limit(s, max_conns);
    s->opts.max_per_ip = per_ip;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem extra[4];
    size_t nx = 0;
    if (cert_pem) {
        flags |= MHD_USE_TLS;
        extra[nx++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                              (void *)cert_pem};
        extra[nx++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                              (void *)key_pem};
    }
    if (per_ip)
        extra[nx++] = (struct MHD_OptionItem){
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)per_ip, NULL};
    extra[nx] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    /* The logger first, so that it gets the messages about the rest. */
    h->mhd = MHD_start_daemon(
        flags, 0, accept_policy, h, on_request, h,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->opts.idle_s,
        MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_ARRAY, extra,
        MHD_OPTION_END);
    if (!h->mhd) {
        s->http = NULL;
        atomic_store(&h->stopping, true);
        pthread_join(h->guard, NULL);
        wxd_jobs_stop(h->calls);
        wxd_jobs_stop(h->changes);
        free_http(h);
        return NULL;
    }
    return h;
}

void wxd_http_stats_get(wxd_server *s, wxd_http_stats *out)
{
    memset(out, 0, sizeof *out);
    wxd_http *h = s->http;
    if (!h)
        return;
    wxd_jobs_counts(h->calls, &out->call_threads, &out->calls_running,
                    &out->calls_queued);
    wxd_jobs_counts(h->changes, &out->change_threads, &out->changes_running,
                    &out->changes_queued);
}

/*
 * Draining refuses new connections through the accept policy, not with
 * MHD_quiesce_daemon: in libmicrohttpd 0.9.75 with epoll workers, the
 * quiescing thread and a worker may both remove the listening socket from
 * the worker's epoll set, and the loser aborts the process ("Failed to
 * remove listen FD from epoll set", seen in daemon/test_auth under load).
 * A connection accepted now is closed at once, which is what a client of
 * a stopping daemon sees either way.
 */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr,
                                     socklen_t len)
{
    (void)addr;
    (void)len;
    wxd_http *h = cls;
    return atomic_load(&h->quiesced) ? MHD_NO : MHD_YES;
}

void wxd_http_quiesce(wxd_http *h)
{
    /* The listening socket stays open until the stop; serve.c closes it
     * after. */
    atomic_store(&h->quiesced, true);
}

unsigned wxd_http_close_queues(wxd_http *h, uint64_t wait_until_ns)
{
    return wxd_jobs_close(h->calls, wait_until_ns) +
           wxd_jobs_close(h->changes, wait_until_ns);
}

void wxd_http_stop(wxd_http *h)
{
    if (!h)
        return;
    /* The guard first: it expires queued calls, which the stop of the
     * queues below does now. */
    atomic_store(&h->stopping, true);
    uint64_t one = 1;
    if (write(h->wakefd, &one, sizeof one) < 0) {
        /* The guard wakes within 100 ms anyway. */
    }
    pthread_join(h->guard, NULL);
    /* Every queued request is answered (and its connection resumed)
     * before libmicrohttpd stops: it refuses to stop with a connection
     * still suspended. */
    wxd_jobs_stop(h->calls);
    wxd_jobs_stop(h->changes);
    h->calls = h->changes = NULL;
    MHD_stop_daemon(h->mhd);
    h->s->http = NULL;
    free_http(h);
}
