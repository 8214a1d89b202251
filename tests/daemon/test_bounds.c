/*
 * The HTTP side is bounded (docs/rest.md, *Limits*), against hostile
 * clients on raw sockets:
 *
 * - request bodies held at once, over all connections, are capped by
 *   --max-inflight-body: uploads that stall just short of their end hold
 *   the budget, the next big upload gets 503, small requests still pass,
 *   and the budget comes back when the stalled clients go;
 * - a client trickling its request (the request line, the headers or
 *   the body, a byte every 300 ms) cannot extend its deadline: 200 such
 *   clients are all cut off, and /healthz answers meanwhile;
 * - --max-connections caps the connections, and near it the slowest
 *   are cut off so that a health probe still gets in;
 * - two different Content-Length headers, or one with a
 *   Transfer-Encoding, are refused with 400.
 *
 * No wall-clock assertion: waits are bounded generously and the test
 * counts what happened.
 */
#include "check.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static rt_daemon d;

static bool wait_metric_at_least(const char *name, double want,
                                 int timeout_ms)
{
    long end = rt_now_ms() + timeout_ms;
    while (rt_now_ms() < end) {
        if (rt_metric(&d, name) >= want)
            return true;
        usleep(20000);
    }
    return false;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Reads one response (until the headers and Content-Length bytes, the
 * close, or 10 s); its status, the body in `body`. */
static long read_response(int fd, char *body, size_t size)
{
    char buf[8192];
    size_t n = 0;
    long end = rt_now_ms() + 10000;
    body[0] = '\0';
    while (n + 1 < sizeof buf && rt_now_ms() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t k = recv(fd, buf + n, sizeof buf - n - 1, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
        buf[n] = '\0';
        char *hdr_end = strstr(buf, "\r\n\r\n");
        const char *cl = strstr(buf, "\r\nContent-Length: ");
        if (hdr_end && cl &&
            n >= (size_t)(hdr_end + 4 - buf) + strtoul(cl + 18, NULL, 10))
            break;
    }
    buf[n] = '\0';
    char *b = strstr(buf, "\r\n\r\n");
    snprintf(body, size, "%s", b ? b + 4 : "");
    return strncmp(buf, "HTTP/1.", 7) == 0 ? strtol(buf + 9, NULL, 10) : 0;
}

/* ------------------------------------------------------- body budget */

#define BIG 900000 /* under --max-body 1000000; two fill --max-inflight */

/* Opens a connection that announces a BIG body and sends all of it but
 * the last 1000 bytes. */
static int stall_upload(void)
{
    int fd = rt_connect(&d);
    if (fd < 0)
        return -1;
    char head[256];
    int n = snprintf(head, sizeof head,
                     "POST /functions/nope HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %d\r\n\r\n",
                     d.port, BIG);
    char *body = malloc(BIG);
    memset(body, ' ', BIG);
    bool ok = send_all(fd, head, (size_t)n) &&
              send_all(fd, body, BIG - 1000);
    free(body);
    if (!ok) {
        close(fd);
        return -1;
    }
    return fd;
}

static void test_body_budget(void)
{
    CHECK(rt_start(&d, rt_tmp("budget.db"), "--max-body", "1000000",
                   "--max-inflight-body", "2000000", (char *)NULL));
    CHECK(rt_metric(&d, "wasmext_http_body_bytes_max") == 2000000);
    int a = stall_upload(), b = stall_upload();
    CHECK(a >= 0 && b >= 0);
    /* Both are (nearly) in: the budget is nearly spent. */
    CHECK_MSG(wait_metric_at_least("wasmext_http_body_bytes_held", 1700000,
                                   10000),
              "held: %g", rt_metric(&d, "wasmext_http_body_bytes_held"));
    CHECK(rt_metric(&d, "wasmext_http_body_bytes_held") <= 2000000);

    /* A third big upload that waits for 100 Continue is refused before
     * it sends anything. */
    int c = rt_connect(&d);
    CHECK(c >= 0);
    char head[256], body[2048];
    int n = snprintf(head, sizeof head,
                     "POST /functions/nope HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Content-Type: application/json\r\n"
                     "Expect: 100-continue\r\nContent-Length: %d\r\n\r\n",
                     d.port, BIG);
    CHECK(send_all(c, head, (size_t)n));
    long st = read_response(c, body, sizeof body);
    CHECK_MSG(st == 503, "status %ld: %s", st, body);
    CHECK(strstr(body, "\"busy\"") && strstr(body, "--max-inflight-body"));
    close(c);

    /* One that just sends its body is read, dropped and refused. */
    char *big = malloc(BIG);
    memset(big, ' ', BIG);
    rt_resp r = rt_req_raw(&d, "POST", "/functions/nope", "application/json",
                           big, BIG, false);
    CHECK_STATUS(r, 503);
    CHECK(strcmp(rt_code(&r), "busy") == 0 && r.retry_after[0]);
    rt_free(&r);
    /* Chunked, without a length announced: refused as bytes come. */
    r = rt_req_raw(&d, "POST", "/functions/nope", "application/json", big,
                   BIG, true);
    CHECK_STATUS(r, 503);
    rt_free(&r);

    /* Small requests are not held up by the spent budget. */
    int ok = 0;
    for (int i = 0; i < 10; i++) {
        r = rt_req(&d, "POST", "/functions/nope", "{\"args\": [1, 2]}");
        ok += r.status == 404;
        rt_free(&r);
        r = rt_req(&d, "GET", "/healthz", NULL);
        ok += r.status == 200;
        rt_free(&r);
    }
    CHECK_MSG(ok == 20, "%d of 20 small requests answered", ok);
    CHECK(rt_metric(&d, "wasmext_http_refused_total{reason="
                        "\"body_budget\"}") >= 3);

    /* The stalled clients go: their bodies are given back, and a big
     * upload passes again (to its handler: 404, no such function). */
    close(a);
    close(b);
    long end = rt_now_ms() + 10000;
    while (rt_metric(&d, "wasmext_http_body_bytes_held") != 0 &&
           rt_now_ms() < end)
        usleep(20000);
    CHECK(rt_metric(&d, "wasmext_http_body_bytes_held") == 0);
    memcpy(big, "{\"args\": []}", 12);
    r = rt_req_raw(&d, "POST", "/functions/nope", "application/json", big,
                   BIG, false);
    CHECK_STATUS(r, 404);
    rt_free(&r);
    free(big);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
}

/* ------------------------------------------------------ tricklers */

#define TRICKLERS 200

typedef struct trickler {
    int fd;
    const char *text; /* sent a byte at a time, cycling */
    size_t at;
    bool closed;
} trickler;

/* One round: every open connection gets one byte; those the daemon
 * closed are counted. */
static int trickle_round(trickler *t, int n)
{
    int closed = 0;
    for (int i = 0; i < n; i++) {
        if (t[i].closed) {
            closed++;
            continue;
        }
        char buf[512];
        ssize_t k;
        while ((k = recv(t[i].fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
            /* a 408: the connection closes after it */
        }
        bool gone = k == 0 || (k < 0 && errno != EAGAIN &&
                               errno != EWOULDBLOCK);
        if (!gone) {
            char c = t[i].text[t[i].at];
            t[i].at = t[i].text[t[i].at + 1] ? t[i].at + 1 : 0;
            gone = send(t[i].fd, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
                   errno != EAGAIN && errno != EWOULDBLOCK;
        }
        if (gone) {
            t[i].closed = true;
            close(t[i].fd);
            closed++;
        }
    }
    return closed;
}

static void test_tricklers(void)
{
    CHECK(rt_start(&d, rt_tmp("trickle.db"), "--request-timeout", "2",
                   "--idle-timeout", "3", (char *)NULL));
    static char line[2048], headers[256], body_head[256];
    /* A request line that never ends. */
    snprintf(line, sizeof line, "GET /healthz?");
    memset(line + 13, 'a', sizeof line - 14);
    line[sizeof line - 1] = '\0';
    snprintf(headers, sizeof headers,
             "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: ",
             d.port);
    snprintf(body_head, sizeof body_head,
             "POST /functions/nope HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Content-Type: application/json\r\nContent-Length: 100000\r\n"
             "\r\n",
             d.port);
    trickler *t = calloc(TRICKLERS, sizeof *t);
    int opened = 0;
    for (int i = 0; i < TRICKLERS; i++) {
        t[i].fd = rt_connect(&d);
        if (t[i].fd < 0) {
            t[i].closed = true;
            continue;
        }
        opened++;
        /* A third each: the request line, the headers, the body. */
        if (i % 3 == 0) {
            t[i].text = line;
        } else if (i % 3 == 1) {
            CHECK(send_all(t[i].fd, headers, strlen(headers)));
            t[i].text = "abcdefgh";
        } else {
            CHECK(send_all(t[i].fd, body_head, strlen(body_head)));
            t[i].text = "          ";
        }
    }
    CHECK_MSG(opened == TRICKLERS, "%d of %d connections opened", opened,
              TRICKLERS);
    trickle_round(t, TRICKLERS);

    /* While they trickle, /healthz answers, each probe on a fresh
     * connection and bounded by 2 s. */
    rt_set_timeout_ms(2000);
    int ok = 0;
    for (int i = 0; i < 20; i++) {
        rt_thread_done();
        rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
        ok += r.status == 200;
        rt_free(&r);
        if (i % 5 == 4)
            trickle_round(t, TRICKLERS);
    }
    rt_set_timeout_ms(60000);
    CHECK_MSG(ok == 20, "/healthz answered %d of 20 times with %d slow "
              "clients connected", ok, TRICKLERS);

    /* A byte every 300 ms from each, until the daemon has cut them all
     * off (their deadlines are 2 and 3 s; libmicrohttpd's idle timeout
     * alone would never cut them). */
    int closed = 0;
    long end = rt_now_ms() + 40000;
    while ((closed = trickle_round(t, TRICKLERS)) < TRICKLERS &&
           rt_now_ms() < end)
        usleep(300000);
    CHECK_MSG(closed == TRICKLERS, "%d of %d slow clients cut off", closed,
              TRICKLERS);
    /* (A body byte that arrives after the deadline, before the guard's
     * sweep closes the connection, gets 408; either way it ends.) */
    for (int i = 0; i < TRICKLERS; i++)
        if (!t[i].closed)
            close(t[i].fd);
    free(t);
    CHECK(rt_metric(&d, "wasmext_http_refused_total{reason=\"deadline\"}") >=
          TRICKLERS);

    /* A keep-alive client that pauses between requests (within
     * --idle-timeout) is not cut off. */
    rt_thread_done();
    for (int i = 0; i < 3; i++) {
        rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
        CHECK_STATUS(r, 200);
        rt_free(&r);
        usleep(1000000);
    }
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
}

/* ------------------------------------------------------ connections */

/* Opens connection i of a slow client: its request head, never ended. */
static int slow_head(void)
{
    int fd = rt_connect(&d);
    if (fd < 0)
        return -1;
    char head[160];
    int n = snprintf(head, sizeof head,
                     "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "X-Slow: ",
                     d.port);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    send(fd, head, (size_t)n, MSG_NOSIGNAL);
    return fd;
}

/* Reopens the slow connections the daemon closed; how many it closed. */
static int refill(int *fds, int n)
{
    int closed = 0;
    for (int i = 0; i < n; i++) {
        char buf[256];
        ssize_t k = fds[i] < 0 ? 0 : recv(fds[i], buf, sizeof buf, 0);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            if (fds[i] >= 0) {
                close(fds[i]);
                closed++;
            }
            fds[i] = slow_head();
        }
    }
    return closed;
}

static void test_connection_limit(void)
{
    /* 60 slow clients against 40 connections, with deadlines far off
     * (60 s): only the shedding of the slowest near the limit lets a
     * health probe in. libmicrohttpd stops accepting at the limit, so
     * without it the probes would wait in the backlog for a minute. */
    CHECK(rt_start(&d, rt_tmp("conns.db"), "--max-connections", "40",
                   "--request-timeout", "60", "--idle-timeout", "60",
                   (char *)NULL));
    CHECK(rt_metric(&d, "wasmext_http_connections_max") == 40);
    rt_thread_done();
    int fds[60];
    for (int i = 0; i < 60; i++)
        fds[i] = slow_head();
    usleep(1500000);
    int ok = 0, closed = 0;
    rt_set_timeout_ms(5000);
    for (int i = 0; i < 10; i++) {
        closed += refill(fds, 60);
        rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
        ok += r.status == 200;
        rt_free(&r);
        rt_thread_done();
    }
    rt_set_timeout_ms(60000);
    CHECK_MSG(ok == 10, "/healthz answered %d of 10 times with 60 slow "
              "clients and 40 connections", ok);
    CHECK_MSG(closed > 0, "no slow client was cut off");
    for (int i = 0; i < 60; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    CHECK(rt_metric(&d, "wasmext_http_refused_total{reason=\"shed\"}") > 0);
    CHECK(rt_metric(&d, "wasmext_http_connections") <= 40);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
}

/* ---------------------------------------------------------- framing */

static long raw_status(const char *extra_headers, const char *body,
                       char *out, size_t size)
{
    char req[1024];
    snprintf(req, sizeof req,
             "POST /functions/nope HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Content-Type: application/json\r\n%s"
             "Connection: close\r\n\r\n%s",
             d.port, extra_headers, body);
    long st;
    char *resp = rt_raw(&d, req, strlen(req), &st);
    snprintf(out, size, "%s", resp);
    free(resp);
    return st;
}

static void test_framing(void)
{
    CHECK(rt_start(&d, rt_tmp("framing.db"), (char *)NULL));
    char out[2048];
    long st = raw_status("Content-Length: 5\r\nContent-Length: 7\r\n",
                         "{}{}{}{", out, sizeof out);
    CHECK_MSG(st == 400 && strstr(out, "conflicting Content-Length"),
              "%s", out);
    st = raw_status("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
                    "2\r\n{}\r\n0\r\n\r\n", out, sizeof out);
    CHECK_MSG(st == 400 && strstr(out, "Transfer-Encoding"), "%s", out);
    /* The same length twice is one length (RFC 9110 8.6). */
    st = raw_status("Content-Length: 2\r\nContent-Length: 2\r\n", "{}", out,
                    sizeof out);
    CHECK_MSG(st == 404, "%s", out);
    /* libmicrohttpd refuses a list of lengths itself. */
    st = raw_status("Content-Length: 2, 7\r\n", "{}", out, sizeof out);
    CHECK_MSG(st == 400, "%s", out);
    rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    test_framing();
    test_body_budget();
    test_connection_limit();
    test_tricklers();
    return rt_finish(CHECK_DONE());
}
