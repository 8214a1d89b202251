/*
 * The watchdog: one thread that stops guest calls running past their
 * deadline, shared by every pool of a process component (the manager
 * creates one and hands it to each pool), so a timeout costs no thread per
 * call and no timer system call per call.
 *
 * The watchdog knows nothing about pools. It keeps a list of sources; a
 * source is a scan function that fires whatever has expired (e.g. calls
 * wx_instance_interrupt) and tells when its next deadline falls. The thread
 * sleeps until the earliest deadline of all sources, but never longer than
 * a source's period: a source promises that every deadline it will ever
 * report is at least `period_ns` after the moment it is armed, so waking
 * once per period is enough to learn about deadlines armed while the
 * thread slept, without the arming thread having to signal it.
 *
 * Scans run with the watchdog's lock held, which is what makes
 * wxv_watchdog_remove() a barrier: once it returns, the source's scan
 * function is not running and never will be again. A scan function must
 * therefore not call back into the watchdog.
 *
 * Thread-safe. Reference-counted: wxv_watchdog_new() returns one
 * reference; the thread is stopped and joined when the last one goes.
 */
#ifndef WASMEXT_VM_WATCHDOG_H
#define WASMEXT_VM_WATCHDOG_H

#include "wasmext/engine.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct wxv_watchdog wxv_watchdog;
typedef struct wxv_wd_source wxv_wd_source;

/*
 * Fires everything of `ctx` whose deadline is at or before `now_ns` and
 * returns the earliest deadline still pending (UINT64_MAX: none). Runs on
 * the watchdog thread with the watchdog's lock held.
 */
typedef uint64_t (*wxv_scan_fn)(void *ctx, uint64_t now_ns);

/*
 * A watchdog without its thread yet: the thread is made by the first
 * wxv_watchdog_start, i.e. when the first deadline is about to be armed.
 * A one-shot command whose calls are unbounded (`wasmext run` without
 * --timeout-ms) never pays for a thread (about a tenth of its start-up).
 * Errors: WX_ENOMEM.
 */
wxv_watchdog *wxv_watchdog_new(wx_error *err);
/* Makes the thread if it is not running yet; cheap once it is (one atomic
 * load). Call it before arming a deadline. Errors: WX_EHOST if no thread
 * can be created. */
wx_status wxv_watchdog_start(wxv_watchdog *wd, wx_error *err);
/* Whether the thread has been made (for tests and statistics). */
bool wxv_watchdog_started(wxv_watchdog *wd);
void wxv_watchdog_retain(wxv_watchdog *wd);
void wxv_watchdog_release(wxv_watchdog *wd);

/* Adds a source (see above for the meaning of period_ns, which must not be
 * 0). Returns NULL with WX_ENOMEM. */
wxv_wd_source *wxv_watchdog_add(wxv_watchdog *wd, wxv_scan_fn scan,
                                void *ctx, uint64_t period_ns,
                                wx_error *err);
/* Removes and frees a source; after it returns, `scan` is not running and
 * will not run again for this source. */
void wxv_watchdog_remove(wxv_watchdog *wd, wxv_wd_source *src);

static inline uint64_t wxv_ns_from_timespec(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* For pthread_cond_timedwait on a CLOCK_MONOTONIC condition variable. */
static inline struct timespec wxv_timespec_from_ns(uint64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    return ts;
}

/* Times of the watchdog and of everything armed for it: CLOCK_MONOTONIC in
 * nanoseconds (never 0 in practice, which lets 0 mean "not armed"). */
static inline uint64_t wxv_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return wxv_ns_from_timespec(ts);
}

/*
 * The same clock read cheaply (about 9 ns instead of 40 on our machines)
 * but lagging by up to its resolution, wxv_coarse_res_ns(): good for
 * arming deadlines per call, as long as the resolution is added to them so
 * that they never fall early on the precise clock.
 */
static inline uint64_t wxv_coarse_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return wxv_ns_from_timespec(ts);
}

static inline uint64_t wxv_coarse_res_ns(void)
{
    struct timespec ts;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return 10000000u; /* a generous guess: 10 ms */
    return wxv_ns_from_timespec(ts);
}

#endif
