/*
 * Guest output as log lines (wasi.stdout/stderr "log", the default): each
 * line a guest writes becomes one line on our stderr,
 *
 *   [guest car stdout] the guest's text, escaped
 *
 * written with one write(2). The prefix names the plugin and no guest text
 * comes before it, and the text has every control character escaped
 * (\n, \r, \t, \\, other C0, DEL and C1 as \xNN, invalid UTF-8 bytes as
 * \xNN), so a guest can neither forge a line of the daemon's log nor break
 * a log viewer's terminal. Lines are cut at WX_GUEST_LINE_MAX bytes (the
 * WASI host keeps no more of a line: "[+N bytes cut]" says what went),
 * and each plugin may log at most `rate` bytes of text a second (one
 * second windows): lines past that are dropped and counted, and the first
 * line of a later window is preceded by a notice of what was dropped.
 * Extism plugins' log calls come the same way, tagged with their level
 * ("[guest car info] ...") instead of the stream. The
 * counters are the plugin's, across updates; wx_manager_plugins reports them
 * and the daemon's /metrics exports them.
 */
#include "manager.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void wxm_guestlog_init(wxm_guestlog *g, uint32_t rate)
{
    pthread_mutex_init(&g->lock, NULL);
    g->rate = rate ? rate : WX_DEFAULT_GUEST_LOG_RATE;
    g->fd = 2;
}

void wxm_guestlog_destroy(wxm_guestlog *g)
{
    pthread_mutex_destroy(&g->lock);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. Overlong
 * forms, surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

size_t wxm_guestlog_escape(const uint8_t *in, size_t len, char *out,
                           size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    /* Each input byte takes at most 4 output bytes ("\xNN"). */
    for (size_t i = 0; i < len && o + 4 < size;) {
        uint8_t c = in[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out[o++] = (char)c;
            i++;
            continue;
        }
        size_t u = c >= 0x80 ? utf8_len(in + i, len - i) : 0;
        /* U+0080..U+009F (C1 controls) are escaped like C0. */
        if (u > 0 && !(u == 2 && c == 0xC2 && in[i + 1] < 0xA0)) {
            if (o + u >= size)
                break;
            memcpy(out + o, in + i, u);
            o += u;
            i += u;
            continue;
        }
        out[o++] = '\\';
        switch (c) {
        case '\\': out[o++] = '\\'; break;
        case '\n': out[o++] = 'n'; break;
        case '\r': out[o++] = 'r'; break;
        case '\t': out[o++] = 't'; break;
        default:
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        i++;
    }
    out[o] = '\0';
    return o;
}

static void write_line(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return; /* a closed stderr is not the guest's problem */
        s += w;
        n -= (size_t)w;
    }
}

void wxm_guestlog_line(wxm_guestlog *g, const char *plugin, int fd,
                       const uint8_t *line, size_t len, uint64_t cut)
{
    wxm_guestlog_tagged(g, plugin, fd == 1 ? "stdout" : "stderr", line, len,
                        cut);
}

void wxm_guestlog_tagged(wxm_guestlog *g, const char *plugin,
                         const char *tag, const uint8_t *line, size_t len,
                         uint64_t cut)
{
    /* The escaped text (4 bytes an input byte at most), the prefix and
     * the notes. */
    char buf[4 * WX_GUEST_LINE_MAX + 256];
    char notice[256];
    size_t nn = 0;
    uint64_t cost = len + cut;

    pthread_mutex_lock(&g->lock);
    uint64_t now = now_ns();
    if (now - g->window_start >= 1000000000u) {
        g->window_start = now;
        g->window_bytes = 0;
    }
    /* A line is logged whole or not at all; an empty line costs one byte
     * (its newline), so that a flood of them is bounded too. */
    uint64_t charge = len ? len : 1;
    bool keep = g->window_bytes + charge <= g->rate;
    if (keep) {
        g->window_bytes += charge;
        if (g->pending_lines) {
            nn = (size_t)snprintf(
                notice, sizeof notice,
                "[guest %s] %llu lines (%llu bytes) of output dropped: "
                "over %u bytes a second\n",
                plugin, (unsigned long long)g->pending_lines,
                (unsigned long long)g->pending_bytes, g->rate);
            g->pending_lines = g->pending_bytes = 0;
        }
    } else {
        g->pending_lines++;
        g->pending_bytes += cost;
    }
    pthread_mutex_unlock(&g->lock);

    if (!keep) {
        atomic_fetch_add_explicit(&g->dropped_lines, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&g->dropped_bytes, cost,
                                  memory_order_relaxed);
        return;
    }
    atomic_fetch_add_explicit(&g->lines, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g->bytes, len, memory_order_relaxed);
    if (cut) {
        atomic_fetch_add_explicit(&g->cut_lines, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&g->cut_bytes, cut, memory_order_relaxed);
    }
    if (nn >= sizeof notice)
        nn = sizeof notice - 1;
    if (nn)
        write_line(g->fd, notice, nn);
    int n = snprintf(buf, sizeof buf, "[guest %s %s] ", plugin, tag);
    size_t o = n > 0 ? (size_t)n : 0;
    if (len > WX_GUEST_LINE_MAX) { /* the WASI host keeps no more */
        cut += len - WX_GUEST_LINE_MAX;
        len = WX_GUEST_LINE_MAX;
    }
    o += wxm_guestlog_escape(line, len, buf + o, sizeof buf - o - 64);
    if (cut)
        o += (size_t)snprintf(buf + o, sizeof buf - o, " [+%llu bytes cut]",
                              (unsigned long long)cut);
    buf[o++] = '\n';
    write_line(g->fd, buf, o);
}

void wxm_guestlog_read(const wxm_guestlog *g, wxm_guestlog_stats *out)
{
    out->lines = atomic_load_explicit(&g->lines, memory_order_relaxed);
    out->bytes = atomic_load_explicit(&g->bytes, memory_order_relaxed);
    out->dropped_lines =
        atomic_load_explicit(&g->dropped_lines, memory_order_relaxed);
    out->dropped_bytes =
        atomic_load_explicit(&g->dropped_bytes, memory_order_relaxed);
    out->cut_lines = atomic_load_explicit(&g->cut_lines, memory_order_relaxed);
    out->cut_bytes = atomic_load_explicit(&g->cut_bytes, memory_order_relaxed);
    out->rate = g->rate;
    out->line_max = WX_GUEST_LINE_MAX;
}
