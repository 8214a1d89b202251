/*
 * The watchdog thread (see watchdog.h): scan every source, sleep until the
 * earliest deadline or period, repeat.
 */
#include "watchdog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct wxv_wd_source {
    wxv_wd_source *next, *prev;
    wxv_scan_fn scan;
    void *ctx;
    uint64_t period_ns;
};

struct wxv_watchdog {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a source was added, or stop was asked */
    pthread_t thread;
    atomic_uint refs;
    /* The thread exists (set once, under the lock; read without it by
     * wxv_watchdog_start's quick look). */
    atomic_bool started;
    bool stop;
    wxv_wd_source *sources; /* doubly linked, unordered */
};

/* One pass over the sources; returns when the thread should wake next. */
static uint64_t scan_all(wxv_watchdog *wd)
{
    uint64_t now = wxv_now_ns(), next = UINT64_MAX;
    for (wxv_wd_source *s = wd->sources; s; s = s->next) {
        uint64_t d = s->scan(s->ctx, now);
        uint64_t period_end = now + s->period_ns;
        if (d > period_end)
            d = period_end;
        if (d < next)
            next = d;
    }
    return next;
}

static void *watchdog_main(void *arg)
{
    wxv_watchdog *wd = arg;
    pthread_mutex_lock(&wd->lock);
    while (!wd->stop) {
        uint64_t next = scan_all(wd);
        if (next == UINT64_MAX) {
            pthread_cond_wait(&wd->wake, &wd->lock);
        } else {
            struct timespec ts = wxv_timespec_from_ns(next);
            pthread_cond_timedwait(&wd->wake, &wd->lock, &ts);
        }
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

wxv_watchdog *wxv_watchdog_new(wx_error *err)
{
    wxv_watchdog *wd = calloc(1, sizeof *wd);
    if (!wd) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    atomic_init(&wd->refs, 1);
    /* Deadlines are CLOCK_MONOTONIC times, so the sleep must be too: a
     * wall-clock jump must neither fire nor delay a timeout. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&wd->lock, NULL);

    return wd;
}

wx_status wxv_watchdog_start(wxv_watchdog *wd, wx_error *err)
{
    if (atomic_load_explicit(&wd->started, memory_order_acquire))
        return WX_OK;
    pthread_mutex_lock(&wd->lock);
    int rc = 0;
    if (!atomic_load_explicit(&wd->started, memory_order_relaxed)) {
        rc = pthread_create(&wd->thread, NULL, watchdog_main, wd);
        if (rc == 0)
            atomic_store_explicit(&wd->started, true, memory_order_release);
    }
    pthread_mutex_unlock(&wd->lock);
    if (rc != 0)
        return wx_error_set(err, WX_EHOST,
                            "cannot start the watchdog thread: %s",
                            strerror(rc));
    return WX_OK;
}

bool wxv_watchdog_started(wxv_watchdog *wd)
{
    return atomic_load_explicit(&wd->started, memory_order_acquire);
}

void wxv_watchdog_retain(wxv_watchdog *wd)
{
    atomic_fetch_add_explicit(&wd->refs, 1, memory_order_relaxed);
}

void wxv_watchdog_release(wxv_watchdog *wd)
{
    if (!wd ||
        atomic_fetch_sub_explicit(&wd->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_lock(&wd->lock);
    wd->stop = true;
    pthread_cond_signal(&wd->wake);
    pthread_mutex_unlock(&wd->lock);
    if (atomic_load_explicit(&wd->started, memory_order_acquire))
        pthread_join(wd->thread, NULL);

    /* Sources still present belong to owners that forgot to remove them;
     * free the nodes so that at least nothing leaks. */
    while (wd->sources) {
        wxv_wd_source *s = wd->sources;
        wd->sources = s->next;
        free(s);
    }
    pthread_cond_destroy(&wd->wake);
    pthread_mutex_destroy(&wd->lock);
    free(wd);
}

wxv_wd_source *wxv_watchdog_add(wxv_watchdog *wd, wxv_scan_fn scan,
                                void *ctx, uint64_t period_ns, wx_error *err)
{
    if (!period_ns) {
        wx_error_set(err, WX_EARG, "watchdog source without a period");
        return NULL;
    }
    wxv_wd_source *s = calloc(1, sizeof *s);
    if (!s) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    s->scan = scan;
    s->ctx = ctx;
    s->period_ns = period_ns;
    pthread_mutex_lock(&wd->lock);
    s->next = wd->sources;
    if (wd->sources)
        wd->sources->prev = s;
    wd->sources = s;
    /* The thread may be sleeping for longer than the new period. */
    pthread_cond_signal(&wd->wake);
    pthread_mutex_unlock(&wd->lock);
    return s;
}

void wxv_watchdog_remove(wxv_watchdog *wd, wxv_wd_source *src)
{
    if (!src)
        return;
    pthread_mutex_lock(&wd->lock);
    if (src->prev)
        src->prev->next = src->next;
    else
        wd->sources = src->next;
    if (src->next)
        src->next->prev = src->prev;
    pthread_mutex_unlock(&wd->lock);
    free(src);
}
