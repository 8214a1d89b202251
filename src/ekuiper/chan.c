/*
 * The plugin's NNG sockets (PROTOCOL.md 2.2, 2.4, 2.12).
 *
 * Every channel the plugin opens for functions is a REQ0 socket dialling a
 * REP0 socket that eKuiper listens on, with the roles inverted: eKuiper
 * sends its commands and calls as *replies*, and the plugin sends each
 * answer as its next *request*. A channel is primed by the request
 * `handshake`, and the same request is the keepalive: after each receive
 * timeout (5 s idle) the plugin sends `handshake` again. A new request
 * abandons the previous one, and NNG drops replies to abandoned requests,
 * which is what lets eKuiper resynchronise after a lost or late message:
 * it treats any answer starting with 'h' as stale and sends its message
 * again.
 *
 * Options, as eKuiper's SDKs set them: no limit on received sizes in NNG
 * (eKuiper sends whole rows; a message over wxk_max_msg is answered with
 * an error unparsed, see there, but NNG must receive it: an NNG limit
 * would drop the connection, and on the new one NNG sends our last
 * request again, which eKuiper would take for the answer to the message
 * it lost, the previous row's result for this row). No request resends (NNG would otherwise
 * repeat a request after a minute, which eKuiper would take for an
 * answer), reconnects from 100 ms up to 5 s (eKuiper restarts, plugin
 * updates). The send timeout bounds how long an answer waits for a
 * connection; after it the loop goes back to the handshake.
 */
#include "internal.h"

#include "dl_nng.h" /* NNG, loaded on first need */

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEND_TIMEOUT_MS 5000
#define DIAL_RETRY_MS 100

static nng_socket sock_of(const wxk_sock *s)
{
    nng_socket n;
    n.id = s->id;
    return n;
}

void wxk_url_control(wxk_buf *out, const char *plugin)
{
    wxk_buf_reset(out);
    wxk_buf_addf(out, "ipc:///tmp/plugin_%s.ipc", plugin);
}

void wxk_url_func(wxk_buf *out, const char *symbol)
{
    wxk_buf_reset(out);
    wxk_buf_addf(out, "ipc:///tmp/func_%s.ipc", symbol);
}

static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s || n == 0)
        return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    /* An eighth of SIZE_MAX at most, far beyond any row. */
    if (*end || n > (SIZE_MAX / 8) >> shift)
        return 0;
    return (size_t)(n << shift);
}

size_t wxk_max_msg(void)
{
    static _Atomic size_t cached;
    size_t n = atomic_load(&cached);
    if (n)
        return n;
    const char *env = getenv(WXK_MAX_MSG_ENV);
    n = env && *env ? parse_size(env) : 0;
    if (n < 65536) {
        if (env && *env)
            fprintf(stderr,
                    "wasmext: %s=\"%.64s\" is not a size of at "
                    "least 64K (e.g. 16M); using %u bytes\n",
                    WXK_MAX_MSG_ENV, env, WX_DEFAULT_EKUIPER_MAX_MSG);
        n = WX_DEFAULT_EKUIPER_MAX_MSG;
    }
    atomic_store(&cached, n);
    return n;
}

void wxk_oversized(wxk_buf *out, size_t len, bool json)
{
    wxk_buf_reset(out);
    wxk_buf_addf(out,
                 "%smessage of %zu bytes is over this plugin's limit of %zu "
                 "bytes (%s)%s",
                 json ? "{\"state\":false,\"result\":\"" : "error: ", len,
                 wxk_max_msg(), WXK_MAX_MSG_ENV, json ? "\"}" : "");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int wxk_req_open(wxk_sock *s, const char *url, int recv_ms, int tries,
                 wxk_buf *why)
{
    wx_error dl;
    wx_error_clear(&dl);
    if (wxdl_nng_load(&dl) != WX_OK) {
        wxk_buf_reset(why);
        wxk_buf_addf(why, "%s", dl.message);
        return NNG_ENOTSUP;
    }
    nng_socket n;
    int rv = nng_req0_open(&n);
    if (rv != 0) {
        wxk_buf_reset(why);
        wxk_buf_addf(why, "cannot open a REQ socket: %s", nng_strerror(rv));
        return rv;
    }
    s->id = n.id;
    const char *opt = NNG_OPT_RECVMAXSZ;
    if ((rv = nng_socket_set_size(n, opt, 0)) == 0 &&
        (rv = nng_socket_set_ms(n, opt = NNG_OPT_REQ_RESENDTIME,
                                NNG_DURATION_INFINITE)) == 0 &&
        (rv = nng_socket_set_ms(n, opt = NNG_OPT_RECVTIMEO, recv_ms)) == 0 &&
        (rv = nng_socket_set_ms(n, opt = NNG_OPT_SENDTIMEO,
                                SEND_TIMEOUT_MS)) == 0 &&
        (rv = nng_socket_set_ms(n, opt = NNG_OPT_RECONNMINT, 100)) == 0 &&
        (rv = nng_socket_set_ms(n, opt = NNG_OPT_RECONNMAXT, 5000)) == 0) {
        /* A synchronous dial fails at once when nobody listens (or the
         * socket file is a stale one): retry, eKuiper may be about to
         * listen. Once connected, NNG redials by itself. */
        for (int i = 0; i < (tries > 0 ? tries : 1); i++) {
            if (i)
                sleep_ms(DIAL_RETRY_MS);
            rv = nng_dial(n, url, NULL, 0);
            if (rv == 0)
                return 0;
            if (rv != NNG_ECONNREFUSED && rv != NNG_ENOENT &&
                rv != NNG_ETIMEDOUT && rv != NNG_ECONNSHUT)
                break;
        }
        wxk_buf_reset(why);
        wxk_buf_addf(why, "cannot dial %s: %s", url, nng_strerror(rv));
    } else {
        wxk_buf_reset(why);
        wxk_buf_addf(why, "cannot set %s: %s", opt, nng_strerror(rv));
    }
    nng_close(n);
    s->id = 0;
    return rv;
}

void wxk_req_close(wxk_sock *s)
{
    if (s->id)
        nng_close(sock_of(s));
}

/* Sends a request; false once the socket is closed. Other failures (no
 * connection within the send timeout) are left to the receive that
 * follows, which then reports a protocol-state error. */
static bool send_req(nng_socket n, const char *data, size_t len)
{
    return nng_send(n, (void *)data, len, 0) != NNG_ECLOSED;
}

wxk_next wxk_req_next(wxk_sock *s, const char *reply, size_t reply_len,
                      void **msg, size_t *len)
{
    nng_socket n = sock_of(s);
    if (!reply) {
        reply = WXK_HANDSHAKE;
        reply_len = strlen(WXK_HANDSHAKE);
    }
    if (!send_req(n, reply, reply_len))
        return WXK_NEXT_CLOSED;
    for (;;) {
        char *buf;
        size_t sz;
        int rv = nng_recv(n, &buf, &sz, NNG_FLAG_ALLOC);
        if (rv == 0) {
            *msg = buf;
            *len = sz;
            return WXK_NEXT_MSG;
        }
        if (rv == NNG_ECLOSED)
            return WXK_NEXT_CLOSED;
        /* Idle (timeout), or no request outstanding (the send failed):
         * the keepalive handshake. Anything else is unexpected; pause so
         * that it cannot become a busy loop. */
        if (rv != NNG_ETIMEDOUT && rv != NNG_ESTATE)
            sleep_ms(DIAL_RETRY_MS);
        if (!send_req(n, WXK_HANDSHAKE, strlen(WXK_HANDSHAKE)))
            return WXK_NEXT_CLOSED;
    }
}

void wxk_msg_free(void *msg, size_t len)
{
    nng_free(msg, len);
}

/* ------------------------------------------------- callback-driven server */

/*
 * Why callbacks. A message reaching a REQ socket passes through NNG's
 * poller thread and two hops on its task queue (the frame's header, then
 * its body) before the protocol hands it over; a thread blocked in
 * nng_recv is then woken for it. Each hop is a thread wake-up, and on a
 * small machine they, not the call, are the cost of an Exec
 * (docs/ekuiper.md, Performance). Here the answer is computed in the
 * receive callback itself, on the task-queue thread that completed the
 * receive, and sent from there: the last wake-up leaves the critical path.
 *
 * The order is NNG's: the receive is posted from the send's completion,
 * never before it (in NNG 1.5 a REQ receive that times out while its
 * request still waits for a connection frees the request under the
 * pending send). The reply comes long after that completion, so waiting
 * for it costs no latency. The message received is reused for the answer:
 * a call allocates nothing of ours.
 *
 * NNG's task queue has twice as many threads as CPUs and runs all of
 * NNG's own work. A long call (up to its timeout) must not take them all,
 * so at most budget->max calls (one per CPU by default) run on them at a
 * time, across the process's channels; past that, the message goes to the
 * server's own thread, which answers it and sends as the callback would.
 */
struct wxk_server {
    nng_socket sock;
    nng_aio *recv_aio, *send_aio, *pause_aio;
    wxk_answer_fn answer;
    void *arg;
    wxk_inline *budget;
    wxk_buf out; /* the answer being sent; one message at a time */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    nng_msg *job; /* under lock: a message for the worker */
    bool quit;    /* under lock */
    pthread_t worker;
};

static const char oom_answer[] =
    "{\"state\":false,\"result\":\"out of host memory\"}";

/* Sends `text` as the next request, in `m` (a message to reuse, or NULL).
 * The send's completion posts the receive. */
static void server_send(wxk_server *srv, nng_msg *m, const char *text,
                        size_t len)
{
    if (!m && nng_msg_alloc(&m, 0) != 0) {
        nng_sleep_aio(DIAL_RETRY_MS, srv->pause_aio);
        return;
    }
    nng_msg_clear(m);
    if (nng_msg_append(m, text, len) != 0) {
        nng_msg_free(m);
        nng_sleep_aio(DIAL_RETRY_MS, srv->pause_aio);
        return;
    }
    nng_aio_set_msg(srv->send_aio, m);
    nng_send_aio(srv->sock, srv->send_aio);
}

static void server_handshake(wxk_server *srv, nng_msg *m)
{
    server_send(srv, m, WXK_HANDSHAKE, strlen(WXK_HANDSHAKE));
}

/* Answers `m` and sends the answer in it. */
static void server_answer(wxk_server *srv, nng_msg *m)
{
    if (nng_msg_len(m) > wxk_max_msg())
        wxk_oversized(&srv->out, nng_msg_len(m), true);
    else
        srv->answer(srv->arg, nng_msg_body(m), nng_msg_len(m), &srv->out);
    if (srv->out.oom)
        server_send(srv, m, oom_answer, sizeof oom_answer - 1);
    else
        server_send(srv, m, srv->out.data, srv->out.len);
}

static void on_sent(void *arg)
{
    wxk_server *srv = arg;
    int rv = nng_aio_result(srv->send_aio);
    if (rv == 0) {
        nng_recv_aio(srv->sock, srv->recv_aio);
        return;
    }
    nng_msg *m = nng_aio_get_msg(srv->send_aio);
    nng_aio_set_msg(srv->send_aio, NULL);
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
        nng_msg_free(m);
        return;
    }
    /* No connection within the send timeout: the answer is lost, and
     * eKuiper will resend its message after our handshake. Anything
     * else is unexpected: pause so that it cannot become a busy loop. */
    if (rv == NNG_ETIMEDOUT) {
        server_handshake(srv, m);
    } else {
        nng_msg_free(m);
        nng_sleep_aio(DIAL_RETRY_MS, srv->pause_aio);
    }
}

static void on_pause(void *arg)
{
    wxk_server *srv = arg;
    if (nng_aio_result(srv->pause_aio) == 0)
        server_handshake(srv, NULL);
}

static void on_recv(void *arg)
{
    wxk_server *srv = arg;
    int rv = nng_aio_result(srv->recv_aio);
    if (rv == 0) {
        nng_msg *m = nng_aio_get_msg(srv->recv_aio);
        nng_aio_set_msg(srv->recv_aio, NULL);
        if (atomic_fetch_add(&srv->budget->now, 1) < srv->budget->max) {
            server_answer(srv, m);
            atomic_fetch_sub(&srv->budget->now, 1);
            return;
        }
        atomic_fetch_sub(&srv->budget->now, 1);
        pthread_mutex_lock(&srv->lock);
        srv->job = m;
        pthread_cond_signal(&srv->wake);
        pthread_mutex_unlock(&srv->lock);
        return;
    }
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
        return;
    /* Idle for the keepalive period (timeout), or no request outstanding:
     * the keepalive handshake. A lost connection (NNG resets the request)
     * or anything else: the same after a pause. */
    if (rv == NNG_ETIMEDOUT || rv == NNG_ESTATE)
        server_handshake(srv, NULL);
    else
        nng_sleep_aio(DIAL_RETRY_MS, srv->pause_aio);
}

static void *server_worker(void *arg)
{
    wxk_server *srv = arg;
    for (;;) {
        pthread_mutex_lock(&srv->lock);
        while (!srv->job && !srv->quit)
            pthread_cond_wait(&srv->wake, &srv->lock);
        nng_msg *m = srv->job;
        srv->job = NULL;
        pthread_mutex_unlock(&srv->lock);
        if (!m)
            return NULL;
        server_answer(srv, m);
    }
}

void wxk_inline_init(wxk_inline *in)
{
    atomic_init(&in->now, 0);
    const char *env = getenv(WXK_INLINE_ENV);
    char *end;
    long n = env && *env ? strtol(env, &end, 10) : -1;
    if (n < 0 || n > 1024 || *end != '\0') {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        n = n < 1 ? 1 : n > 1024 ? 1024 : n;
    }
    in->max = (int)n;
}

int wxk_server_start(wxk_server **out, const wxk_sock *s, wxk_answer_fn answer,
                     void *arg, wxk_inline *budget, wxk_buf *why)
{
    wxk_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        wxk_control_error(why, "out of memory");
        return NNG_ENOMEM;
    }
    srv->sock = sock_of(s);
    srv->answer = answer;
    srv->arg = arg;
    srv->budget = budget;
    wxk_buf_init(&srv->out);
    int rv;
    if ((rv = nng_aio_alloc(&srv->recv_aio, on_recv, srv)) != 0 ||
        (rv = nng_aio_alloc(&srv->send_aio, on_sent, srv)) != 0 ||
        (rv = nng_aio_alloc(&srv->pause_aio, on_pause, srv)) != 0)
        goto fail;
    /* The socket's timeouts: the keepalive period, the send timeout. */
    nng_aio_set_timeout(srv->recv_aio, NNG_DURATION_DEFAULT);
    nng_aio_set_timeout(srv->send_aio, NNG_DURATION_DEFAULT);
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->wake, NULL);
    if (pthread_create(&srv->worker, NULL, server_worker, srv) != 0) {
        pthread_cond_destroy(&srv->wake);
        pthread_mutex_destroy(&srv->lock);
        rv = NNG_ENOMEM;
        goto fail;
    }
    server_handshake(srv, NULL);
    *out = srv;
    return 0;
fail:
    wxk_control_error(why, "cannot start serving: %s", nng_strerror(rv));
    nng_aio_free(srv->recv_aio);
    nng_aio_free(srv->send_aio);
    nng_aio_free(srv->pause_aio);
    free(srv);
    return rv;
}

void wxk_server_free(wxk_server *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->lock);
    srv->quit = true;
    pthread_cond_signal(&srv->wake);
    pthread_mutex_unlock(&srv->lock);
    pthread_join(srv->worker, NULL);
    /* With the socket closed every operation ends at once, and a stopped
     * aio takes no new one: the chain of callbacks ends here. */
    nng_aio_stop(srv->pause_aio);
    nng_aio_stop(srv->recv_aio);
    nng_aio_stop(srv->send_aio);
    nng_msg *left[] = {nng_aio_get_msg(srv->recv_aio),
                       nng_aio_get_msg(srv->send_aio), srv->job};
    for (size_t i = 0; i < sizeof left / sizeof left[0]; i++)
        if (left[i])
            nng_msg_free(left[i]);
    nng_aio_free(srv->recv_aio);
    nng_aio_free(srv->send_aio);
    nng_aio_free(srv->pause_aio);
    pthread_cond_destroy(&srv->wake);
    pthread_mutex_destroy(&srv->lock);
    wxk_buf_free(&srv->out);
    free(srv);
}
