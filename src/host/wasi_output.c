/*
 * stdout and stderr: to this process, to a callback, to nowhere, or into
 * a bounded buffer per stream that the embedder drains into its log. The
 * buffer keeps the first `limit` bytes written since the last drain and
 * counts the rest: a guest printing without end costs at most `limit`
 * bytes of host memory, and is told every byte was written so that it does
 * not retry or fail.
 */
#include "wasi_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

static void log_append(wxw_log *log, const uint8_t *data, size_t len)
{
    size_t room = log->limit - log->len;
    size_t keep = len < room ? len : room;
    if (keep && !log->buf) {
        log->buf = malloc(log->limit);
        if (!log->buf)
            keep = 0;
    }
    if (keep)
        memcpy(log->buf + log->len, data, keep);
    log->len += keep;
    log->dropped += len - keep;
}

/* writev until done or an error; returns bytes written, -1 on an error
 * before any byte. */
static ssize_t write_all(int fd, const struct iovec *iov, int niov)
{
    struct iovec local[WXW_IOV_MAX];
    memcpy(local, iov, (size_t)niov * sizeof *iov);
    struct iovec *v = local;
    size_t done = 0;
    while (niov > 0) {
        ssize_t w = writev(fd, v, niov);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)w;
        size_t left = (size_t)w;
        while (niov > 0 && left >= v->iov_len) {
            left -= v->iov_len;
            v++;
            niov--;
        }
        if (niov > 0) {
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
        /* A zero-length write with data left would spin. */
        if (w == 0 && niov > 0)
            break;
    }
    return (ssize_t)done;
}

uint32_t wxw_output_write(wxw_ctx *ctx, int stream, const struct iovec *iov,
                          int niov, size_t total, size_t *written)
{
    switch (ctx->out[stream]) {
    case WXW_OUTPUT_LOG:
        for (int i = 0; i < niov; i++)
            log_append(&ctx->log[stream], iov[i].iov_base, iov[i].iov_len);
        break;
    case WXW_OUTPUT_CALLBACK:
        for (int i = 0; i < niov; i++)
            if (iov[i].iov_len)
                ctx->on_output(ctx->ud, stream, iov[i].iov_base,
                               iov[i].iov_len);
        break;
    case WXW_OUTPUT_INHERIT: {
        ssize_t w = write_all(stream, iov, niov);
        if (w < 0)
            return wxw_errno(errno);
        *written = (size_t)w;
        return WXW_ESUCCESS;
    }
    case WXW_OUTPUT_DISCARD: break;
    }
    *written = total;
    return WXW_ESUCCESS;
}

int wxw_ctx_drain(wxw_ctx *ctx, wxw_drain_fn fn, void *ud)
{
    int n = 0;
    if (!ctx)
        return 0;
    for (int s = 1; s <= 2; s++) {
        wxw_log *log = &ctx->log[s];
        if (!log->len && !log->dropped)
            continue;
        if (fn)
            fn(ud, s, log->buf, log->len, log->dropped);
        log->len = 0;
        log->dropped = 0;
        n++;
    }
    return n;
}

void wxw_output_free(wxw_ctx *ctx)
{
    for (int s = 1; s <= 2; s++) {
        free(ctx->log[s].buf);
        ctx->log[s].buf = NULL;
    }
}
