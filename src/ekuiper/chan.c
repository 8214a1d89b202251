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
 * Options, as eKuiper's SDKs set them: no limit on received sizes
 * (eKuiper sends whole rows), no request resends (NNG would otherwise
 * repeat a request after a minute, which eKuiper would take for an
 * answer), reconnects from 100 ms up to 5 s (eKuiper restarts, plugin
 * updates). The send timeout bounds how long an answer waits for a
 * connection; after it the loop goes back to the handshake.
 */
#include "internal.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include <string.h>
#include <time.h>

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

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

int wxk_req_open(wxk_sock *s, const char *url, int recv_ms, int tries,
                 wxk_buf *why)
{
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
