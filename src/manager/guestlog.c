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
 * ("[guest car info] ...") instead of the stream. A line written during a
 * call names the function after the plugin, "[guest car.upper stdout]"
 * (escaped as the text is: an export name may hold any byte), so a log
 * reader sees which function wrote it; lines written while an instance
 * is made or freed have none (wxm_guest_fn). The
 * counters are the plugin's, across updates; wx_manager_plugins reports them
 * and the daemon's /metrics exports them.
 *
 * The last WX_GUEST_LOG_KEEP lines logged are also kept, raw (at most
 * WX_GUEST_LINE_MAX bytes each) with their function, level and time, for
 * wx_manager_guest_log: a daemon's log may be far away or rotated, and
 * the REST API and `wasmext logs` show a plugin's lines without it.
 */
#include "manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

_Thread_local const char *wxm_guest_fn;

struct wxm_logline {
    uint64_t seq, cut;
    int64_t time_ms;
    const char *tag;  /* static: a stream's name or an Extism level */
    const char *func; /* in the same block, or NULL */
    size_t len;
    uint8_t text[];
};

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
    for (uint32_t i = 0; g->keep && i < g->keep_count; i++)
        free(g->keep[(g->keep_start + i) % WX_GUEST_LOG_KEEP]);
    free(g->keep);
    pthread_mutex_destroy(&g->lock);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A copy of a line to keep (its text already within WX_GUEST_LINE_MAX),
 * or NULL when memory is short: the line is still logged, not kept. */
static wxm_logline *logline_new(const char *func, const char *tag,
                                const uint8_t *line, size_t len,
                                uint64_t cut)
{
    size_t fl = func ? strlen(func) + 1 : 0;
    wxm_logline *l = malloc(sizeof *l + len + fl);
    if (!l)
        return NULL;
    l->cut = cut;
    l->tag = tag;
    l->len = len;
    memcpy(l->text, line, len);
    l->func = func ? memcpy(l->text + len, func, fl) : NULL;
    return l;
}

/* Puts `l` in the ring under g->lock; returns the line it pushed out
 * (free it after unlocking), or NULL. */
static wxm_logline *keep_line(wxm_guestlog *g, wxm_logline *l)
{
    if (!g->keep) {
        g->keep = calloc(WX_GUEST_LOG_KEEP, sizeof *g->keep);
        if (!g->keep)
            return l;
    }
    /* Time and number under the lock, so that they agree in order. */
    l->seq = ++g->seq;
    l->time_ms = now_ms();
    uint32_t at = (g->keep_start + g->keep_count) % WX_GUEST_LOG_KEEP;
    if (g->keep_count < WX_GUEST_LOG_KEEP) {
        g->keep[at] = l;
        g->keep_count++;
        return NULL;
    }
    wxm_logline *out = g->keep[g->keep_start];
    g->keep[g->keep_start] = l;
    g->keep_start = (g->keep_start + 1) % WX_GUEST_LOG_KEEP;
    return out;
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

void wxm_guestlog_line(wxm_guestlog *g, const char *plugin, const char *func,
                       int fd, const uint8_t *line, size_t len, uint64_t cut)
{
    wxm_guestlog_tagged(g, plugin, func, fd == 1 ? "stdout" : "stderr", line,
                        len, cut);
}

/* "[guest car.upper stdout] " into buf (the function escaped, and cut
 * to a sane length: it is a label, not the line). */
static size_t prefix(char *buf, size_t size, const char *plugin,
                     const char *func, const char *tag)
{
    char fn[256];
    if (func)
        wxm_guestlog_escape((const uint8_t *)func, strlen(func), fn,
                            sizeof fn);
    int n = snprintf(buf, size, "[guest %s%s%s %s] ", plugin, func ? "." : "",
                     func ? fn : "", tag);
    return n > 0 ? (size_t)n : 0;
}

void wxm_guestlog_tagged(wxm_guestlog *g, const char *plugin,
                         const char *func, const char *tag,
                         const uint8_t *line, size_t len, uint64_t cut)
{
    /* The escaped text (4 bytes an input byte at most), the prefix and
     * the notes. */
    char buf[4 * WX_GUEST_LINE_MAX + 512];
    char notice[256];
    size_t nn = 0;
    uint64_t cost = len + cut;
    /* What is shown and kept: the WASI host keeps no more of a line, and
     * an Extism log call is cut alike. */
    size_t shown = len > WX_GUEST_LINE_MAX ? WX_GUEST_LINE_MAX : len;
    uint64_t shown_cut = cut + (len - shown);
    /* Made before the lock, and freed if the line is dropped: a rate
     * check should not wait on malloc. */
    wxm_logline *l = logline_new(func, tag, line, shown, shown_cut);
    wxm_logline *gone = NULL;

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
        if (l)
            gone = keep_line(g, l);
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
        gone = l;
    }
    pthread_mutex_unlock(&g->lock);
    free(gone);

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
    size_t o = prefix(buf, sizeof buf, plugin, func, tag);
    o += wxm_guestlog_escape(line, shown, buf + o, sizeof buf - o - 64);
    if (shown_cut)
        o += (size_t)snprintf(buf + o, sizeof buf - o, " [+%llu bytes cut]",
                              (unsigned long long)shown_cut);
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

/* ----------------------------------------------------- the kept lines */

/*
 * Copies the kept lines into `out`, escaped, in one block (under the lock:
 * at most WX_GUEST_LOG_KEEP lines of WX_GUEST_LINE_MAX bytes, a few
 * hundred microseconds at worst, and only when someone asks).
 */
static wx_status snapshot(wxm_guestlog *g, wx_guest_log *out, wx_error *err)
{
    pthread_mutex_lock(&g->lock);
    uint32_t n = g->keep_count;
    size_t size = n * sizeof(wx_guest_line);
    for (uint32_t i = 0; i < n; i++) {
        const wxm_logline *l =
            g->keep[(g->keep_start + i) % WX_GUEST_LOG_KEEP];
        size += 4 * l->len + 1 + (l->func ? strlen(l->func) + 1 : 0);
    }
    char *mem = n ? malloc(size) : NULL;
    if (n && !mem) {
        pthread_mutex_unlock(&g->lock);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    wx_guest_line *lines = (wx_guest_line *)mem;
    char *p = mem + n * sizeof(wx_guest_line);
    for (uint32_t i = 0; i < n; i++) {
        const wxm_logline *l =
            g->keep[(g->keep_start + i) % WX_GUEST_LOG_KEEP];
        wx_guest_line *d = &lines[i];
        d->seq = l->seq;
        d->time_ms = l->time_ms;
        d->level = l->tag;
        d->cut = l->cut;
        d->text = p;
        p += wxm_guestlog_escape(l->text, l->len, p, 4 * l->len + 1) + 1;
        d->function = NULL;
        if (l->func) {
            size_t fl = strlen(l->func) + 1;
            d->function = memcpy(p, l->func, fl);
            p += fl;
        }
    }
    out->count = n;
    out->lines = lines;
    out->bound = WX_GUEST_LOG_KEEP;
    out->logged = g->seq;
    out->mem_ = mem;
    pthread_mutex_unlock(&g->lock);
    return WX_OK;
}

wx_status wx_manager_guest_log(wx_manager *m, const char *plugin,
                               wx_guest_log *out, wx_error *err)
{
    wx_error_clear(err);
    if (!out)
        return wx_error_set(err, WX_EARG, "wx_manager_guest_log: no output");
    memset(out, 0, sizeof *out);
    if (!m || !plugin)
        return wx_error_set(err, WX_EARG,
                            "wx_manager_guest_log: no manager or plugin name");
    pthread_rwlock_rdlock(&m->table_lock);
    wxm_plugin *p = wxm_find_plugin(m, plugin);
    if (p)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    pthread_rwlock_unlock(&m->table_lock);
    if (!p)
        return wx_error_set(err, WX_ENOPLUGIN,
                            "plugin \"%s\" is not registered", plugin);
    wx_status s = snapshot(&p->glog, out, err);
    wxm_plugin_release(p);
    return s;
}

void wx_guest_log_free(wx_guest_log *log)
{
    if (!log)
        return;
    free(log->mem_);
    memset(log, 0, sizeof *log);
}
