/*
 * The minimal SP endpoint (see rawsp.h). One read system call per message
 * in the common case (whatever is there is read into a buffer and framed
 * from it), one writev per message sent.
 */
#define _GNU_SOURCE /* accept4 */
#include "rawsp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* Larger messages are refused: the benchmark's are tiny. */
#define RAWSP_MAX_MSG (64u << 20)
/* NNG's limit on hops; a longer backtrace is malformed. */
#define RAWSP_MAX_HOPS 8

/* Buffered input: bytes [at, end) of data are read and not yet framed. */
typedef struct rawsp_rd {
    size_t at, end, cap;
    char data[];
} rdbuf;

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void set_timeouts(int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int fail(int err)
{
    errno = err;
    return -1;
}

/* Writes all of iov, retrying on short writes. */
static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t k = writev(fd, iov, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail(errno == EAGAIN ? ETIMEDOUT : errno);
        }
        while (n > 0 && (size_t)k >= iov->iov_len) {
            k -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + k;
            iov->iov_len -= (size_t)k;
        }
    }
    return 0;
}

/* Makes `need` bytes available at rd->data + rd->at. */
static int fill(int fd, rdbuf **rdp, size_t need)
{
    rdbuf *rd = *rdp;
    if (rd->end - rd->at >= need)
        return 0;
    if (rd->at > 0) {
        memmove(rd->data, rd->data + rd->at, rd->end - rd->at);
        rd->end -= rd->at;
        rd->at = 0;
    }
    if (need > rd->cap) {
        size_t cap = rd->cap;
        while (cap < need)
            cap *= 2;
        rdbuf *n = realloc(rd, sizeof *rd + cap);
        if (!n)
            return fail(ENOMEM);
        n->cap = cap;
        *rdp = rd = n;
    }
    while (rd->end < need) {
        ssize_t k = read(fd, rd->data + rd->end, rd->cap - rd->end);
        if (k == 0)
            return fail(ECONNRESET);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail(errno == EAGAIN ? ETIMEDOUT : errno);
        }
        rd->end += (size_t)k;
    }
    return 0;
}

static int exchange_headers(rawsp *s, uint16_t proto, uint16_t peer)
{
    uint8_t mine[8] = {0, 'S', 'P', 0, (uint8_t)(proto >> 8), (uint8_t)proto,
                       0, 0};
    struct iovec iov = {mine, sizeof mine};
    if (write_all(s->fd, &iov, 1) != 0 || fill(s->fd, &s->rd, 8) != 0)
        return -1;
    rdbuf *rd = s->rd;
    const uint8_t *h = (const uint8_t *)rd->data + rd->at;
    if (h[0] != 0 || h[1] != 'S' || h[2] != 'P' || h[3] != 0 || h[6] != 0 ||
        h[7] != 0 || (uint16_t)(h[4] << 8 | h[5]) != peer)
        return fail(EPROTO);
    rd->at += 8;
    return 0;
}

static int init(rawsp *s, int fd, uint16_t proto, int timeout_ms)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->proto = proto;
    s->timeout_ms = timeout_ms;
    rdbuf *rd = malloc(sizeof *rd + 4096);
    if (!rd)
        return fail(ENOMEM);
    rd->at = rd->end = 0;
    rd->cap = 4096;
    s->rd = rd;
    set_timeouts(fd, timeout_ms);
    return 0;
}

int rawsp_listen(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return fail(ENAMETOOLONG);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(fd, 8) != 0) {
        int e = errno;
        close(fd);
        return fail(e);
    }
    return fd;
}

int rawsp_accept(rawsp *s, int lfd, uint16_t proto, uint16_t peer,
                 int timeout_ms)
{
    set_timeouts(lfd, timeout_ms);
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return fail(errno == EAGAIN ? ETIMEDOUT : errno);
    if (init(s, fd, proto, timeout_ms) != 0) {
        close(fd);
        return -1;
    }
    if (exchange_headers(s, proto, peer) != 0) {
        int e = errno;
        rawsp_close(s);
        return fail(e);
    }
    return 0;
}

int rawsp_connect(rawsp *s, const char *path, uint16_t proto, uint16_t peer,
                  int timeout_ms)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return fail(ENAMETOOLONG);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        init(s, fd, proto, timeout_ms) != 0) {
        int e = errno;
        close(fd);
        return fail(e);
    }
    if (exchange_headers(s, proto, peer) != 0) {
        int e = errno;
        rawsp_close(s);
        return fail(e);
    }
    return 0;
}

void rawsp_close(rawsp *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->rd);
    s->rd = NULL;
    free(s->buf);
    s->buf = NULL;
}

/* One framed message: its payload, copied to s->buf (NUL-terminated). */
static int recv_frame(rawsp *s, size_t *len)
{
    rdbuf **rdp = &s->rd;
    if (fill(s->fd, rdp, 9) != 0)
        return -1;
    const uint8_t *h = (const uint8_t *)(*rdp)->data + (*rdp)->at;
    if (h[0] != 1)
        return fail(EPROTO);
    uint64_t n = get_be64(h + 1);
    if (n > RAWSP_MAX_MSG)
        return fail(EMSGSIZE);
    if (fill(s->fd, rdp, 9 + (size_t)n) != 0)
        return -1;
    if (s->cap < n + 1) {
        char *b = realloc(s->buf, n + 1);
        if (!b)
            return fail(ENOMEM);
        s->buf = b;
        s->cap = n + 1;
    }
    rdbuf *rd = *rdp;
    memcpy(s->buf, rd->data + rd->at + 9, n);
    s->buf[n] = '\0';
    rd->at += 9 + (size_t)n;
    *len = (size_t)n;
    return 0;
}

int rawsp_recv(rawsp *s, const char **body, size_t *len)
{
    for (;;) {
        size_t n;
        if (recv_frame(s, &n) != 0)
            return -1;
        const uint8_t *p = (const uint8_t *)s->buf;
        size_t hop = 0;
        /* The backtrace: 4-byte words up to the one with the high bit
         * set (the request id; the others are pipe ids of devices). */
        for (;;) {
            if (n < hop + 4 || hop / 4 >= RAWSP_MAX_HOPS)
                return fail(EPROTO);
            hop += 4;
            if (p[hop - 4] & 0x80)
                break;
        }
        if (s->proto == RAWSP_REQ0) {
            uint32_t id = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                          (uint32_t)p[2] << 8 | p[3];
            if (hop != 4 || id != s->last_id)
                continue; /* an answer to an abandoned request */
        } else {
            memcpy(s->trace, p, hop);
            s->trace_len = hop;
        }
        *body = s->buf + hop;
        *len = n - hop;
        return 0;
    }
}

int rawsp_send(rawsp *s, const void *body, size_t len)
{
    uint8_t head[9], id[4];
    struct iovec iov[3];
    iov[0].iov_base = head;
    iov[0].iov_len = sizeof head;
    if (s->proto == RAWSP_REQ0) {
        uint32_t v = ((s->last_id + 1) & 0x7fffffffu) | 0x80000000u;
        s->last_id = v;
        id[0] = (uint8_t)(v >> 24);
        id[1] = (uint8_t)(v >> 16);
        id[2] = (uint8_t)(v >> 8);
        id[3] = (uint8_t)v;
        iov[1].iov_base = id;
        iov[1].iov_len = 4;
    } else {
        if (s->trace_len == 0)
            return fail(EPROTO);
        iov[1].iov_base = s->trace;
        iov[1].iov_len = s->trace_len;
        s->trace_len = 0; /* one answer per request */
    }
    iov[2].iov_base = (void *)body;
    iov[2].iov_len = len;
    head[0] = 1;
    put_be64(head + 1, iov[1].iov_len + len);
    return write_all(s->fd, iov, 3);
}

int rawsp_exchange(rawsp *s, const char *msg, size_t msg_len, const char **ans,
                   size_t *len)
{
    if (s->trace_len == 0 && rawsp_recv(s, ans, len) != 0)
        return -1; /* the handshake, dropped */
    for (;;) {
        if (rawsp_send(s, msg, msg_len) != 0 || rawsp_recv(s, ans, len) != 0)
            return -1;
        if (*len == 0 || (*ans)[0] != 'h')
            return 0;
        s->stale++;
    }
}
