/*
 * stdout and stderr: to this process, to a callback (at every write, or
 * line by line), to nowhere, or into
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

/*
 * Lines mode: bytes up to a newline join the stream's line (what passes
 * line_max is counted as cut); each newline hands the line over and
 * starts the next. The buffer is the line's, so a guest's half-written
 * line never mixes with another instance's.
 */
static void lines_append(wxw_ctx *ctx, int stream, const uint8_t *data,
                         size_t len)
{
    wxw_log *line = &ctx->log[stream];
    while (len) {
        const uint8_t *nl = memchr(data, '\n', len);
        size_t part = nl ? (size_t)(nl - data) : len;
        size_t room = line->limit - line->len;
        size_t keep = part < room ? part : room;
        if (keep && !line->buf) {
            line->buf = malloc(line->limit);
            if (!line->buf)
                keep = 0;
        }
        if (keep)
            memcpy(line->buf + line->len, data, keep);
        line->len += keep;
        line->dropped += part - keep;
        if (!nl)
            return;
        ctx->on_line(ctx->ud, stream, line->buf, line->len, line->dropped,
                     true);
        line->len = 0;
        line->dropped = 0;
        data += part + 1;
        len -= part + 1;
    }
}

/* writev until done or an error; returns bytes written, -1 on an error
 * before any byte. Consumes iov (advanced past what a short write wrote)
 * rather than a copy of it on the stack. */
static ssize_t write_all(int fd, struct iovec *iov, int niov)
{
    struct iovec *v = iov;
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

uint32_t wxw_output_write(wxw_ctx *ctx, int stream, struct iovec *iov,
                          int niov, size_t total, size_t *written)
{
    switch (ctx->out[stream]) {
    case WXW_OUTPUT_LOG:
        for (int i = 0; i < niov; i++)
            log_append(&ctx->log[stream], iov[i].iov_base, iov[i].iov_len);
        break;
    case WXW_OUTPUT_LINES:
        for (int i = 0; i < niov; i++)
            lines_append(ctx, stream, iov[i].iov_base, iov[i].iov_len);
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
        if (ctx->out[s] != WXW_OUTPUT_LOG || (!log->len && !log->dropped))
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
        /* The last line had no newline: it is still output. */
        wxw_log *line = &ctx->log[s];
        if (ctx->out[s] == WXW_OUTPUT_LINES && (line->len || line->dropped))
            ctx->on_line(ctx->ud, s, line->buf, line->len, line->dropped,
                         false);
        free(ctx->log[s].buf);
        ctx->log[s].buf = NULL;
    }
}
