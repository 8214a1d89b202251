/*
 * What a pool costs per call: add(i32, i32) through wx_call on a private
 * instance, against wxv_pool_call_index / wxv_pool_call (checkout, call,
 * return), with and without a timeout armed, from 1 and 2 threads.
 *
 *   vm_bench_pool GUEST_DIR [CALLS_PER_THREAD]
 *
 * GUEST_DIR holds add.wasm (the build puts it in tests/vm/guests). Built
 * with the tests, never run by ctest: the figures depend on the machine.
 *
 * Each figure is the best of five rounds. "cpu" is the CPU time the calling
 * threads spent per call (summed over threads): it is what a call costs,
 * and stays meaningful on a shared, loaded machine. "wall" is elapsed time
 * over all calls of all threads, so two threads that scale perfectly halve
 * it; it is only meaningful on an idle machine.
 */
#include "pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum mode {
    RAW,        /* wx_call on the thread's own instance */
    POOL_INDEX, /* wxv_pool_call_index */
    POOL_NAME,  /* wxv_pool_call */
} mode;

typedef struct job {
    mode mode;
    wxv_pool *pool;
    wx_instance *inst;
    uint32_t index;
    long calls;
    int bad;
    uint64_t cpu_ns; /* the thread's CPU time for its calls */
} job;

static wx_module *load(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/add.wasm", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    static uint8_t bytes[1 << 16];
    size_t len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    wx_error err;
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    if (!m) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        exit(2);
    }
    return m;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *run(void *arg)
{
    job *j = arg;
    wx_error err;
    uint64_t t0 = thread_cpu_ns();
    wx_wasm_func *f = j->inst ? wx_instance_func(j->inst, "add") : NULL;
    for (long i = 0; i < j->calls; i++) {
        wx_wasm_val args[2] = {wx_wasm_i32((int32_t)i), wx_wasm_i32(1)}, r[1];
        wx_status s;
        switch (j->mode) {
        case RAW: s = wx_call(f, args, 2, r, 1, &err); break;
        case POOL_INDEX:
            s = wxv_pool_call_index(j->pool, j->index, args, 2, r, 1, NULL,
                                    &err);
            break;
        default:
            s = wxv_pool_call(j->pool, "add", args, 2, r, 1, &err);
            break;
        }
        j->bad += s != WX_OK || r[0].of.i32 != (int32_t)i + 1;
    }
    j->cpu_ns = thread_cpu_ns() - t0;
    return NULL;
}

typedef struct figure {
    double cpu, wall; /* ns per call */
} figure;

/* Runs `n` threads of jobs[0..n), best of five rounds. */
static figure measure(job *jobs, int n)
{
    figure best = {1e30, 1e30};
    for (int round = 0; round < 5; round++) {
        pthread_t t[8];
        uint64_t t0 = wxv_now_ns(), cpu = 0;
        for (int i = 0; i < n; i++)
            pthread_create(&t[i], NULL, run, &jobs[i]);
        long total = 0;
        for (int i = 0; i < n; i++) {
            pthread_join(t[i], NULL);
            total += jobs[i].calls;
            cpu += jobs[i].cpu_ns;
            if (jobs[i].bad)
                fprintf(stderr, "warning: %d wrong results\n", jobs[i].bad);
        }
        double wall = (double)(wxv_now_ns() - t0) / (double)total;
        double c = (double)cpu / (double)total;
        if (c < best.cpu)
            best.cpu = c;
        if (wall < best.wall)
            best.wall = wall;
    }
    return best;
}

static wxv_pool *pool(wx_module *m, uint32_t n, uint32_t timeout_ms,
                      wxv_watchdog *wd)
{
    wxv_pool_opts o = {.instance_num = n, .timeout_ms = timeout_ms,
                       .watchdog = wd};
    wx_error err;
    wxv_pool *p = wxv_pool_new(m, NULL, &o, &err);
    if (!p) {
        fprintf(stderr, "pool: %s\n", err.message);
        exit(2);
    }
    return p;
}

static void report(const char *what, figure f, figure base)
{
    printf("%-46s cpu %6.1f ns (%+6.1f)  wall %6.1f ns\n", what, f.cpu,
           f.cpu - base.cpu, f.wall);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR [CALLS_PER_THREAD]\n", argv[0]);
        return 2;
    }
    long calls = argc > 2 ? atol(argv[2]) : 2000000;
    wx_module *m = load(argv[1]);
    wx_error err;
    wxv_watchdog *wd = wxv_watchdog_new(&err);
    wx_instance *inst[2] = {wx_instantiate(m, NULL, NULL, &err),
                            wx_instantiate(m, NULL, NULL, &err)};
    wxv_pool *p1 = pool(m, 1, 0, NULL), *p2 = pool(m, 2, 0, NULL);
    wxv_pool *p1t = pool(m, 1, 5000, wd), *p2t = pool(m, 2, 5000, wd);
    wxv_pool *q1 = pool(m, 1, 0, NULL), *q2 = pool(m, 1, 0, NULL);
    uint32_t idx;
    wxv_pool_func_index(p1, "add", &idx, NULL);

    printf("add(i32,i32), %ld calls per thread; in brackets: cpu minus "
           "raw wx_call's\n", calls);
    job j[2];
    j[0] = (job){RAW, NULL, inst[0], 0, calls, 0, 0};
    figure raw1 = measure(j, 1);
    report("1 thread: wx_call", raw1, raw1);
    j[0] = (job){POOL_INDEX, p1, NULL, idx, calls, 0, 0};
    report("1 thread: wxv_pool_call_index", measure(j, 1), raw1);
    j[0] = (job){POOL_NAME, p1, NULL, idx, calls, 0, 0};
    report("1 thread: wxv_pool_call (by name)", measure(j, 1), raw1);
    j[0] = (job){POOL_INDEX, p1t, NULL, idx, calls, 0, 0};
    report("1 thread: wxv_pool_call_index, timeout armed", measure(j, 1),
           raw1);

    j[0] = (job){RAW, NULL, inst[0], 0, calls, 0, 0};
    j[1] = (job){RAW, NULL, inst[1], 0, calls, 0, 0};
    figure raw2 = measure(j, 2);
    report("2 threads: wx_call, own instances", raw2, raw2);
    j[0] = (job){POOL_INDEX, p2, NULL, idx, calls, 0, 0};
    j[1] = (job){POOL_INDEX, p2, NULL, idx, calls, 0, 0};
    report("2 threads: one pool of 2, call_index", measure(j, 2), raw2);
    j[0] = (job){POOL_INDEX, p2t, NULL, idx, calls, 0, 0};
    j[1] = (job){POOL_INDEX, p2t, NULL, idx, calls, 0, 0};
    report("2 threads: one pool of 2, call_index, timeout", measure(j, 2),
           raw2);
    j[0] = (job){POOL_INDEX, q1, NULL, idx, calls, 0, 0};
    j[1] = (job){POOL_INDEX, q2, NULL, idx, calls, 0, 0};
    report("2 threads: a pool of 1 each, call_index", measure(j, 2), raw2);

    wxv_pool_release(p1);
    wxv_pool_release(p2);
    wxv_pool_release(p1t);
    wxv_pool_release(p2t);
    wxv_pool_release(q1);
    wxv_pool_release(q2);
    wxv_watchdog_release(wd);
    wx_instance_free(inst[0]);
    wx_instance_free(inst[1]);
    wx_module_free(m);
    return 0;
}
