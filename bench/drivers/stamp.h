/*
 * The benchmark drivers' clock (ours, native, wasm2c): wall time, which
 * the table reports, and this thread's CPU time, which tells the runner
 * whether the machine was busy; both in ms.
 */
#ifndef WX_BENCH_STAMP_H
#define WX_BENCH_STAMP_H

#include <time.h>

typedef struct stamp {
    double wall, cpu;
} stamp;

static inline double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline stamp now(void)
{
    stamp s;
    s.wall = clock_ms(CLOCK_MONOTONIC);
    s.cpu = clock_ms(CLOCK_THREAD_CPUTIME_ID);
    return s;
}

#endif
