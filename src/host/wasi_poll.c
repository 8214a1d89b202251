/*
 * poll_oneoff: clock subscriptions (sleep) and readiness of descriptors.
 * Regular files, directories and the virtual stdio streams are always
 * ready, as POSIX says of files; inherited stdio and other host
 * descriptors (pipes, terminals) are polled for real with ppoll(), which
 * also sleeps until the earliest clock.
 */
#include "wasi_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* Subscriptions per call: libcs use one or two; a bound keeps a hostile
 * count from costing host memory. */
#define WXW_POLL_MAX 4096u

enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };
#define WXW_EVENT_HANGUP 1

typedef struct sub {
    uint64_t userdata;
    uint8_t tag;
    bool done;    /* event written already */
    uint64_t rel; /* clock: relative timeout in ns */
    int pollix;   /* fd: index in the pollfd array, or -1 */
} sub;

static uint64_t now_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_event(uint8_t *p, uint64_t userdata, uint32_t error,
                      uint8_t type, uint64_t nbytes, uint16_t flags)
{
    memset(p, 0, 32);
    wxw_put64(p, userdata);
    wxw_put16(p + 8, (uint16_t)error);
    p[10] = type;
    wxw_put64(p + 16, nbytes);
    wxw_put16(p + 24, flags);
}

/* Bytes readable now from a descriptor that is always ready. */
static uint64_t ready_bytes(wxw_ctx *ctx, const wxw_fd *f, uint8_t tag)
{
    if (tag != EV_FD_READ)
        return 0;
    if (f->kind == WXW_FD_STDIO)
        return ctx->in == WXW_INPUT_BUFFER ? ctx->stdin_len - ctx->stdin_pos
                                           : 0;
    struct stat st;
    off_t pos = lseek(f->host, 0, SEEK_CUR);
    if (f->kind == WXW_FD_FILE && pos >= 0 && fstat(f->host, &st) == 0 &&
        st.st_size > pos)
        return (uint64_t)(st.st_size - pos);
    return 0;
}

/* The host fd to poll for real, or -1 when the entry is always ready. */
static int pollable(const wxw_ctx *ctx, const wxw_fd *f)
{
    if (f->kind == WXW_FD_STDIO) {
        bool inherit = f->stream == 0
                           ? ctx->in == WXW_INPUT_INHERIT
                           : ctx->out[f->stream] == WXW_OUTPUT_INHERIT;
        return inherit ? f->stream : -1;
    }
    if (f->kind == WXW_FD_FILE && f->filetype != WXW_FILETYPE_REGULAR_FILE)
        return f->host;
    return -1;
}

/* Reads the subscriptions; immediate events go straight to `ev`. */
static uint32_t scan(wxw_call *c, const uint8_t *in, uint32_t n, sub *subs,
                     struct pollfd *pfds, int *npfds, uint8_t *ev,
                     uint32_t *nev, uint64_t *timeout)
{
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = in + 48 * (size_t)i;
        sub *u = &subs[i];
        u->userdata = wxw_get64(s);
        u->tag = s[8];
        u->pollix = -1;
        if (u->tag == EV_CLOCK) {
            uint32_t id = wxw_get32(s + 16);
            uint64_t t = wxw_get64(s + 24);
            bool abs = (s[40] | s[41] << 8) & 1;
            static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                            CLOCK_PROCESS_CPUTIME_ID,
                                            CLOCK_THREAD_CPUTIME_ID};
            if (id > 3) {
                put_event(ev + 32 * (size_t)(*nev)++, u->userdata, WXW_EINVAL,
                          EV_CLOCK, 0, 0);
                u->done = true;
                continue;
            }
            if (abs) {
                uint64_t now = now_ns(ids[id]);
                t = t > now ? t - now : 0;
            }
            /* UINT64_MAX means "no clock" to the waiting loop. */
            u->rel = t < UINT64_MAX ? t : UINT64_MAX - 1;
            if (u->rel < *timeout)
                *timeout = u->rel;
        } else if (u->tag == EV_FD_READ || u->tag == EV_FD_WRITE) {
            uint32_t e;
            wxw_fd *f = wxw_fd_check(c->ctx, (int32_t)wxw_get32(s + 16),
                                     WXW_RIGHT_POLL_FD_READWRITE, &e);
            int hfd = f ? pollable(c->ctx, f) : -1;
            if (!f || hfd < 0) {
                put_event(ev + 32 * (size_t)(*nev)++, u->userdata,
                          f ? WXW_ESUCCESS : e, u->tag,
                          f ? ready_bytes(c->ctx, f, u->tag) : 0, 0);
                u->done = true;
                continue;
            }
            u->pollix = *npfds;
            pfds[*npfds].fd = hfd;
            pfds[*npfds].events = u->tag == EV_FD_READ ? POLLIN : POLLOUT;
            pfds[*npfds].revents = 0;
            (*npfds)++;
        } else {
            return WXW_EINVAL;
        }
    }
    return WXW_ESUCCESS;
}

/*
 * Waits for the polled fds or until `timeout` ns after `start`
 * (UINT64_MAX: no clock). The wait is cut in slices of WXW_WAIT_SLICE_NS
 * between which the caller's interrupt flag is read: a timeout (the
 * watchdog interrupts the instance) then ends the call with
 * WXW_INTERRUPTED instead of letting a long sleep hold it. A slice that
 * ends early is not an event: the caller's loop waits again.
 */
static uint32_t poll_wait(const wxw_call *c, struct pollfd *pfds, int npfds,
                          uint64_t timeout, uint64_t start)
{
    wx_instance *inst = c->host ? wx_host_instance(c->host) : NULL;
    for (;;) {
        if (inst && wx_instance_interrupted(inst))
            return WXW_INTERRUPTED;
        struct timespec ts, *tp = NULL;
        uint64_t left = UINT64_MAX;
        if (timeout != UINT64_MAX) {
            uint64_t spent = now_ns(CLOCK_MONOTONIC) - start;
            left = spent < timeout ? timeout - spent : 0;
        }
        bool sliced = inst && left > WXW_WAIT_SLICE_NS;
        if (sliced)
            left = WXW_WAIT_SLICE_NS;
        if (left != UINT64_MAX) {
            ts.tv_sec = (time_t)(left / 1000000000u);
            ts.tv_nsec = (long)(left % 1000000000u);
            tp = &ts;
        }
        int r = ppoll(pfds, (nfds_t)npfds, tp, NULL);
        if (r > 0 || (r == 0 && !sliced))
            return WXW_ESUCCESS;
        if (r < 0 && errno != EINTR)
            return wxw_errno(errno);
    }
}

uint32_t wxw_wait_readable(const wxw_call *c, int host_fd)
{
    struct pollfd p = {.fd = host_fd, .events = POLLIN};
    /* Hang-up and errors end the wait too: the read then says what. */
    return poll_wait(c, &p, 1, UINT64_MAX, now_ns(CLOCK_MONOTONIC));
}

static void collect(uint32_t n, sub *subs, const struct pollfd *pfds,
                    uint64_t start, uint8_t *ev, uint32_t *nev)
{
    uint64_t spent = now_ns(CLOCK_MONOTONIC) - start;
    for (uint32_t i = 0; i < n; i++) {
        sub *u = &subs[i];
        if (u->done)
            continue;
        if (u->tag == EV_CLOCK) {
            if (spent >= u->rel)
                put_event(ev + 32 * (size_t)(*nev)++, u->userdata,
                          WXW_ESUCCESS, EV_CLOCK, 0, 0);
            continue;
        }
        short r = pfds[u->pollix].revents;
        if (!r)
            continue;
        uint32_t e = r & POLLNVAL ? WXW_EBADF
                     : (r & POLLERR) && !(r & (POLLIN | POLLOUT))
                         ? WXW_EIO
                         : WXW_ESUCCESS;
        int avail = 0;
        if (u->tag == EV_FD_READ && (r & POLLIN) &&
            ioctl(pfds[u->pollix].fd, FIONREAD, &avail) != 0)
            avail = 0;
        put_event(ev + 32 * (size_t)(*nev)++, u->userdata, e, u->tag,
                  avail > 0 ? (uint64_t)avail : 0,
                  r & POLLHUP ? WXW_EVENT_HANGUP : 0);
    }
}

uint32_t wxw_fn_poll_oneoff(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t n = WXW_U32(a[2]), nev_ptr = WXW_U32(a[3]);
    const uint8_t *in = wxw_mem(c, WXW_U32(a[0]), 48 * (uint64_t)n);
    uint8_t *out = wxw_mem(c, WXW_U32(a[1]), 32 * (uint64_t)n);
    if (!in || !out || !wxw_mem_ok(c, nev_ptr, 4))
        return WXW_EFAULT;
    if (n == 0 || n > WXW_POLL_MAX)
        return WXW_EINVAL;
    /* Events are built apart and copied out at the end: the guest's
     * input and output arrays may overlap. */
    sub *subs = calloc(n, sizeof *subs);
    struct pollfd *pfds = calloc(n, sizeof *pfds);
    uint8_t *ev = malloc(32 * (size_t)n);
    uint32_t e = WXW_ENOMEM, nev = 0;
    if (!subs || !pfds || !ev)
        goto done;
    int npfds = 0;
    uint64_t timeout = UINT64_MAX, start = now_ns(CLOCK_MONOTONIC);
    if ((e = scan(c, in, n, subs, pfds, &npfds, ev, &nev, &timeout)))
        goto done;
    if (nev) {
        /* Something is ready already: only look at the others. */
        if (npfds && (e = poll_wait(c, pfds, npfds, 0, start)))
            goto done;
        collect(n, subs, pfds, start, ev, &nev);
    }
    /* Otherwise wait until something happens: ppoll may wake a little
     * before a clock is due, and libcs expect an event when they asked
     * for a sleep. */
    while (!nev) {
        if ((npfds || timeout != UINT64_MAX) &&
            (e = poll_wait(c, pfds, npfds, timeout, start)))
            goto done;
        collect(n, subs, pfds, start, ev, &nev);
    }
    memcpy(out, ev, 32 * (size_t)nev);
    e = wxw_store32(c, nev_ptr, nev);
done:
    free(subs);
    free(pfds);
    free(ev);
    return e;
}
