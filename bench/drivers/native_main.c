/*
 * Native driver: linked with one workload compiled by gcc -O2, it gives the
 * "native" column, the limit every engine is measured against.
 *
 *   native run REPS      calls run() REPS times: "run CHECKSUM MS" each
 *   native calls N       N calls of add() through a function pointer:
 *                        "calls CHECKSUM TOTAL_MS"
 *
 * The output protocol is the same for every driver (see bench.py).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Weak, so that one driver serves both the run() workloads and add(). */
__attribute__((weak)) uint32_t run(void);
__attribute__((weak)) int32_t add(int32_t a, int32_t b);

#include "stamp.h"

static int bench_run(long reps)
{
    if (!run) {
        fprintf(stderr, "native: this workload has no run()\n");
        return 1;
    }
    for (long i = 0; i < reps; i++) {
        stamp t0 = now();
        uint32_t r = run();
        stamp t1 = now();
        printf("run %u %.3f %.3f\n", r,
               t1.wall - t0.wall, t1.cpu - t0.cpu);
        fflush(stdout);
    }
    return 0;
}

static int bench_calls(long n)
{
    /* Through a volatile pointer, so the compiler must make every call
     * instead of inlining add() or folding the loop. */
    int32_t (*volatile fn)(int32_t, int32_t) = add;
    uint32_t acc = 0;
    if (!add) {
        fprintf(stderr, "native: this workload has no add()\n");
        return 1;
    }
    stamp t0 = now();
    for (long i = 0; i < n; i++)
        acc = (uint32_t)fn((int32_t)acc, (int32_t)i);
    stamp t1 = now();
    printf("calls %u %.3f %.3f\n", acc,
           t1.wall - t0.wall, t1.cpu - t0.cpu);
    return 0;
}

int main(int argc, char **argv)
{
    long count = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        return bench_run(count);
    if (argc > 1 && strcmp(argv[1], "calls") == 0)
        return bench_calls(count);
    fprintf(stderr, "usage: %s run REPS | calls N\n", argv[0]);
    return 2;
}
