/*
 * What the framework costs per call: add(i32, i32) and fib(20) through
 * wx_fn_call (the typed path: a resolved handle), wx_call_vals (typed, by
 * name), wx_call_json and wx_call_argv, against wx_call on a private
 * instance, from 1 and 2 threads.
 *
 *   framework_bench_manager GUEST_DIR [CALLS_PER_THREAD]
 *
 * GUEST_DIR holds math.wasm (the build puts it in tests/framework/guests).
 * Built with the tests, never run by ctest: the figures depend on the
 * machine. The registry lives in a temporary directory removed at the end.
 *
 * Each figure is the best of five rounds. "cpu" is the CPU time of the
 * calling threads per call (summed over threads): what a call costs, even
 * on a loaded machine. In brackets: cpu minus raw wx_call's, the
 * framework's overhead. fib(20) runs 1/500 as many calls.
 */
#include "wasmext.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef enum mode {
    RAW,   /* wx_call on the thread's own instance */
    TYPED, /* wx_fn_call */
    VALS,  /* wx_call_vals */
    JSON,  /* wx_call_json */
    ARGV,  /* wx_call_argv */
} mode;

static const char *const mode_names[] = {"wx_call (raw)", "wx_fn_call",
                                         "wx_call_vals", "wx_call_json",
                                         "wx_call_argv"};

typedef struct job {
    mode mode;
    bool fib;
    wx_manager *m;
    wx_fn *fn;
    wx_instance *inst;
    long calls;
    int bad;
    uint64_t cpu_ns;
} job;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int32_t expect(const job *j, long i)
{
    return j->fib ? 6765 : (int32_t)(i & 0xffff) + 1;
}

static void *run(void *arg)
{
    job *j = arg;
    wx_error err;
    const char *name = j->fib ? "fib" : "add";
    wx_func *f = j->inst ? wx_instance_func(j->inst, name) : NULL;
    size_t nargs = j->fib ? 1 : 2;
    uint64_t t0 = thread_cpu_ns();
    for (long i = 0; i < j->calls; i++) {
        int32_t a = j->fib ? 20 : (int32_t)(i & 0xffff);
        wx_val args[2] = {wx_val_i32(a), wx_val_i32(1)}, r[1];
        wx_status s;
        int32_t got = 0;
        char *out = NULL;
        switch (j->mode) {
        case RAW:
            s = wx_call(f, args, nargs, r, 1, &err);
            got = r[0].of.i32;
            break;
        case TYPED:
            s = wx_fn_call(j->fn, args, nargs, r, 1, &err);
            got = r[0].of.i32;
            break;
        case VALS:
            s = wx_call_vals(j->m, NULL, name, args, nargs, r, 1, &err);
            got = r[0].of.i32;
            break;
        case JSON: {
            char in[32];
            snprintf(in, sizeof in, j->fib ? "[%d]" : "[%d,1]", a);
            s = wx_call_json(j->m, NULL, name, in, &out, &err);
            got = out ? atoi(out + 1) : 0;
            break;
        }
        default: {
            char a0[16];
            snprintf(a0, sizeof a0, "%d", a);
            const char *argv[2] = {a0, "1"};
            s = wx_call_argv(j->m, NULL, name, (int)nargs, argv, &out, &err);
            got = out ? atoi(out) : 0;
            break;
        }
        }
        wx_free(out);
        j->bad += s != WX_OK || got != expect(j, i);
    }
    j->cpu_ns = thread_cpu_ns() - t0;
    return NULL;
}

typedef struct figure {
    double cpu, wall; /* ns per call */
} figure;

static figure measure(job *jobs, int n)
{
    figure best = {1e30, 1e30};
    for (int round = 0; round < 5; round++) {
        pthread_t t[2];
        uint64_t t0 = now_ns(), cpu = 0;
        long total = 0;
        for (int i = 0; i < n; i++)
            pthread_create(&t[i], NULL, run, &jobs[i]);
        for (int i = 0; i < n; i++) {
            pthread_join(t[i], NULL);
            total += jobs[i].calls;
            cpu += jobs[i].cpu_ns;
            if (jobs[i].bad)
                fprintf(stderr, "warning: %d failed or wrong calls\n",
                        jobs[i].bad);
            jobs[i].bad = 0;
        }
        double wall = (double)(now_ns() - t0) / (double)total;
        double c = (double)cpu / (double)total;
        best.cpu = c < best.cpu ? c : best.cpu;
        best.wall = wall < best.wall ? wall : best.wall;
    }
    return best;
}

static wx_instance *instance(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/math.wasm", dir);
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
    wx_instance *inst = m ? wx_instantiate(m, NULL, NULL, &err) : NULL;
    if (!inst) {
        fprintf(stderr, "%s: %s\n", path, err.message);
        exit(2);
    }
    return inst; /* the module lives until exit */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR [CALLS_PER_THREAD]\n", argv[0]);
        return 2;
    }
    long calls = argc > 2 ? atol(argv[2]) : 1000000;
    char dir[] = "/tmp/wxfw-bench.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    char db[64], cfg[1024];
    snprintf(db, sizeof db, "%s/r.db", dir);
    snprintf(cfg, sizeof cfg,
             "{\"name\":\"math\",\"instance_num\":2,"
             "\"vm_config\":{\"path\":\"%s/math.wasm\"},"
             "\"functions\":[\"add\",\"fib\"]}",
             argv[1]);
    wx_error err;
    wx_manager *m = wx_manager_open(db, NULL, &err);
    if (!m || wx_manager_add(m, cfg, NULL, &err) != WX_OK) {
        fprintf(stderr, "manager: %s\n", err.message);
        return 2;
    }
    wx_fn *fn[2] = {wx_fn_get(m, NULL, "add", &err),
                    wx_fn_get(m, NULL, "fib", &err)};
    wx_instance *inst[2] = {instance(argv[1]), instance(argv[1])};

    printf("%ld calls per thread (fib(20): %ld); ns per call, in brackets "
           "cpu minus raw wx_call's\n",
           calls, calls / 500);
    for (int fib = 0; fib < 2; fib++) {
        for (int threads = 1; threads <= 2; threads++) {
            figure raw = {0, 0};
            for (int md = RAW; md <= ARGV; md++) {
                job j[2];
                for (int t = 0; t < threads; t++)
                    j[t] = (job){(mode)md, fib,     m,
                                 fn[fib],  inst[t], fib ? calls / 500 : calls,
                                 0,        0};
                figure f = measure(j, threads);
                if (md == RAW)
                    raw = f;
                char what[80];
                snprintf(what, sizeof what, "%s, %d thread%s: %s",
                         fib ? "fib(20)" : "add", threads,
                         threads > 1 ? "s" : "", mode_names[md]);
                printf("%-40s cpu %9.1f ns (%+8.1f)  wall %9.1f ns  "
                       "%6.2f M calls/s/thread\n",
                       what, f.cpu, f.cpu - raw.cpu, f.wall, 1e3 / f.cpu);
            }
        }
    }
    wx_fn_free(fn[0]);
    wx_fn_free(fn[1]);
    wx_manager_close(m);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    return system(rm) == 0 ? 0 : 1;
}
