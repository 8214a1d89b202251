/*
 * What the framework costs per call: add(i32, i32) and fib(20) through
 * wx_fn_call (wasm values on a resolved handle), the same with the handle
 * resolved by name for each call (wx_fn_get), the doors' text paths by
 * name (wx_fn_get + wx_fn_describe + wx_values_from_json or _from_argv +
 * wx_fn_call_values + wx_values_to_json or _to_text, what a REST request
 * or a command line costs), wx_fn_call_values (typed values on a
 * handle, the way in for every ABI) and JSON on a handle described once
 * (a door that caches handles), against wx_call on a private instance,
 * from 1 and 2 threads.
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
 *
 * Then a bindgen call: echo(String) -> String of 100 bytes on the
 * hand-written guest bindgen.wasm (tests/guests/bindgen.wat, in GUEST_DIR
 * too) through wx_fn_call_values, on a handle and resolved by name for
 * each call, against the same
 * seven guest calls made raw with wx_call by a host that checks nothing
 * (allocate the params block and the argument, echo, deallocate the
 * result, its triples, the descriptor and the params block): in brackets,
 * what the framework adds to the guest's own work. It runs 1/4 as many
 * calls.
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
    VALS,  /* wx_fn_get + wx_fn_call */
    JSON,  /* by name, JSON text in and out */
    ARGV,  /* by name, command-line text in and out */
    FNVAL, /* wx_fn_call_values */
    JSONFN, /* JSON text in and out on a handle described once */
} mode;

static const char *const mode_names[] = {
    "wx_call (raw)",     "wx_fn_call",   "get + wx_fn_call",
    "json by name",      "argv by name", "wx_fn_call_values",
    "json on a handle"};

/* Each thread writes its own job: cache-line aligned so that two threads'
 * jobs never share a line (false sharing would make the threads look as if
 * they contended inside the framework). */
typedef struct job {
    _Alignas(64) mode mode;
    bool fib;
    wx_manager *m;
    wx_fn *fn;
    wx_instance *inst;
    long calls;
    int bad;
    uint64_t cpu_ns;
    struct echo_guest *guest; /* the bindgen echo's raw calls */
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

/* ------------------------------------------------------ calls by name */

/* A handle resolved for the one call, as a caller that keeps none does. */
static wx_status call_vals(wx_manager *m, const char *name,
                           const wx_wasm_val *args, size_t nargs, wx_wasm_val *r,
                           wx_error *err)
{
    wx_fn *fn = wx_fn_get(m, NULL, name, err);
    if (!fn)
        return err->status;
    wx_status s = wx_fn_call(fn, args, nargs, r, 1, err);
    wx_fn_free(fn);
    return s;
}

static wx_status call_values(wx_manager *m, const char *plugin,
                             const char *name, const wx_value *args,
                             size_t nargs, wx_values *out, wx_error *err)
{
    out->count = 0;
    wx_fn *fn = wx_fn_get(m, plugin, name, err);
    if (!fn)
        return err->status;
    wx_status s = wx_fn_call_values(fn, args, nargs, out, err);
    wx_fn_free(fn);
    return s;
}

/* JSON text through a handle whose description the caller keeps: what a
 * door that caches handles pays per request. */
static wx_status json_on(wx_fn *fn, const wx_function_info *info,
                         const char *json, char **out, wx_error *err)
{
    wx_values in, res = {0};
    wx_status s = wx_values_from_json(info, json, strlen(json), &in, err);
    if (s == WX_OK)
        s = wx_fn_call_values(fn, in.values, in.count, &res, err);
    if (s == WX_OK && !(*out = wx_values_to_json(res.values, res.count, err)))
        s = err->status;
    wx_values_free(&in);
    wx_values_free(&res);
    return s;
}

/*
 * What a door does for one request: resolve the name, read the types,
 * convert the arguments (JSON text `json`, else `argc` command-line
 * words), call, and write the results as JSON or lines of text in *out
 * (wx_free).
 */
static wx_status call_text(wx_manager *m, const char *name, const char *json,
                           int argc, const char *const *argv, char **out,
                           wx_error *err)
{
    *out = NULL;
    wx_function_info info;
    wx_fn *fn = wx_fn_get(m, NULL, name, err);
    if (!fn)
        return err->status;
    wx_values in = {0}, res = {0};
    wx_status s = wx_fn_describe(fn, &info, err);
    if (s == WX_OK)
        s = json ? wx_values_from_json(&info, json, strlen(json), &in, err)
                 : wx_values_from_argv(&info, argc, argv, &in, err);
    if (s == WX_OK)
        s = wx_fn_call_values(fn, in.values, in.count, &res, err);
    if (s == WX_OK) {
        *out = json ? wx_values_to_json(res.values, res.count, err)
                    : wx_values_to_text(res.values, res.count, 0, err);
        if (!*out)
            s = err->status;
    }
    wx_values_free(&in);
    wx_values_free(&res);
    wx_fn_free(fn);
    return s;
}

/* -------------------------------------------------------- bindgen echo */

static const char TEXT[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "0123456789abcdefghijklmnopqrstuvwxyzAB";
#define TEXT_LEN 100u
_Static_assert(sizeof TEXT == TEXT_LEN + 1, "100 bytes");

typedef enum echo_mode {
    ECHO_RAW,    /* the seven guest calls with wx_call */
    ECHO_FN,     /* wx_fn_call_values */
    ECHO_BYNAME, /* wx_fn_get + wx_fn_call_values */
} echo_mode;

static const char *const echo_names[] = {
    "7 guest calls (raw)", "wx_fn_call_values", "get + wx_fn_call_values"};

static bool call_i32(wx_wasm_func *f, uint32_t a, uint32_t b, size_t nargs,
                     uint32_t *r, wx_error *err)
{
    wx_wasm_val args[2] = {wx_wasm_i32((int32_t)a), wx_wasm_i32((int32_t)b)}, res;
    if (wx_call(f, args, nargs, &res, r ? 1 : 0, err) != WX_OK)
        return false;
    if (r)
        *r = (uint32_t)res.of.i32;
    return true;
}

static uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* A thread's own bindgen instance and the exports a raw echo calls. */
typedef struct echo_guest {
    wx_wasm_func *alloc, *dealloc, *echo;
    wx_memory *mem;
} echo_guest;

static echo_guest echo_guest_of(wx_instance *inst)
{
    echo_guest g = {wx_instance_func(inst, "allocate"),
                    wx_instance_func(inst, "deallocate"),
                    wx_instance_func(inst, "echo"), NULL};
    wx_extern mem;
    if (wx_instance_export(inst, "memory", &mem))
        g.mem = mem.of.memory;
    if (!g.alloc || !g.dealloc || !g.echo || !g.mem) {
        fprintf(stderr, "bindgen.wasm: missing exports\n");
        exit(2);
    }
    return g;
}

/* One echo made raw; the result lands in `out` (TEXT_LEN bytes). */
static bool raw_echo(const echo_guest *g, char *out, wx_error *err)
{
    uint32_t pp, arg, r;
    if (!call_i32(g->alloc, 8, 0, 1, &pp, err) ||
        !call_i32(g->alloc, TEXT_LEN, 0, 1, &arg, err))
        return false;
    uint8_t *base = wx_memory_data(g->mem);
    memcpy(base + arg, TEXT, TEXT_LEN);
    uint32_t rec[2] = {arg, TEXT_LEN};
    memcpy(base + pp, rec, 8);
    if (!call_i32(g->echo, pp, 1, 2, &r, err))
        return false;
    base = wx_memory_data(g->mem);
    uint32_t triples = le32(base + r + 1);
    uint32_t vptr = le32(base + triples), size = le32(base + triples + 8);
    memcpy(out, base + vptr, size < TEXT_LEN ? size : TEXT_LEN);
    return call_i32(g->dealloc, vptr, size, 2, NULL, err) &&
           call_i32(g->dealloc, triples, 12, 2, NULL, err) &&
           call_i32(g->dealloc, r, 9, 2, NULL, err) &&
           call_i32(g->dealloc, pp, 8, 2, NULL, err);
}

static void *run_echo(void *arg)
{
    job *j = arg;
    wx_error err;
    wx_value in = wx_value_string(TEXT, TEXT_LEN);
    uint64_t t0 = thread_cpu_ns();
    for (long i = 0; i < j->calls; i++) {
        char out[TEXT_LEN];
        bool ok;
        if (j->mode == (mode)ECHO_RAW) {
            ok = raw_echo(j->guest, out, &err) &&
                 memcmp(out, TEXT, TEXT_LEN) == 0;
        } else {
            wx_values res;
            wx_status s =
                j->mode == (mode)ECHO_FN
                    ? wx_fn_call_values(j->fn, &in, 1, &res, &err)
                    : call_values(j->m, "bg", "echo", &in, 1, &res, &err);
            ok = s == WX_OK && res.count == 1 &&
                 res.values[0].of.buf.len == TEXT_LEN &&
                 memcmp(res.values[0].of.buf.data, TEXT, TEXT_LEN) == 0;
            wx_values_free(&res);
        }
        j->bad += !ok;
    }
    j->cpu_ns = thread_cpu_ns() - t0;
    return NULL;
}

/* ------------------------------------------------------------ numbers */

static void *run(void *arg)
{
    job *j = arg;
    wx_error err;
    const char *name = j->fib ? "fib" : "add";
    wx_wasm_func *f = j->inst ? wx_instance_func(j->inst, name) : NULL;
    size_t nargs = j->fib ? 1 : 2;
    wx_function_info info;
    if (j->mode == JSONFN && wx_fn_describe(j->fn, &info, &err) != WX_OK) {
        j->bad = (int)j->calls;
        return NULL;
    }
    uint64_t t0 = thread_cpu_ns();
    for (long i = 0; i < j->calls; i++) {
        int32_t a = j->fib ? 20 : (int32_t)(i & 0xffff);
        wx_wasm_val args[2] = {wx_wasm_i32(a), wx_wasm_i32(1)}, r[1];
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
            s = call_vals(j->m, name, args, nargs, r, &err);
            got = r[0].of.i32;
            break;
        case JSON:
        case JSONFN: {
            char in[32];
            snprintf(in, sizeof in, j->fib ? "[%d]" : "[%d,1]", a);
            s = j->mode == JSON
                    ? call_text(j->m, name, in, 0, NULL, &out, &err)
                    : json_on(j->fn, &info, in, &out, &err);
            got = out ? atoi(out + 1) : 0;
            break;
        }
        case FNVAL: {
            wx_value in[2] = {wx_value_i32(a), wx_value_i32(1)};
            wx_values res;
            s = wx_fn_call_values(j->fn, in, nargs, &res, &err);
            got = res.count == 1 ? (int32_t)res.values[0].of.i : 0;
            wx_values_free(&res);
            break;
        }
        default: {
            char a0[16];
            snprintf(a0, sizeof a0, "%d", a);
            const char *argv[2] = {a0, "1"};
            s = call_text(j->m, name, NULL, (int)nargs, argv, &out, &err);
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

static figure measure(job *jobs, int n, void *(*body)(void *))
{
    figure best = {1e30, 1e30};
    for (int round = 0; round < 5; round++) {
        pthread_t t[2];
        uint64_t t0 = now_ns(), cpu = 0;
        long total = 0;
        for (int i = 0; i < n; i++)
            pthread_create(&t[i], NULL, body, &jobs[i]);
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

static wx_instance *instance(const char *dir, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    /* Never freed, as the module (which may keep pointing into them). */
    uint8_t *bytes = malloc(1 << 16);
    size_t len = bytes ? fread(bytes, 1, 1 << 16, f) : 0;
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
    snprintf(cfg, sizeof cfg,
             "{\"name\":\"bg\",\"instance_num\":2,"
             "\"vm_config\":{\"path\":\"%s/bindgen.wasm\"},"
             "\"functions\":[{\"name\":\"echo\",\"abi\":\"bindgen\","
             "\"params\":[\"string\"],\"results\":[\"string\"]}]}",
             argv[1]);
    if (wx_manager_add(m, cfg, NULL, &err) != WX_OK) {
        fprintf(stderr, "manager: %s\n", err.message);
        return 2;
    }
    wx_fn *fn[2] = {wx_fn_get(m, NULL, "add", &err),
                    wx_fn_get(m, NULL, "fib", &err)};
    wx_fn *echo = wx_fn_get(m, "bg", "echo", &err);
    wx_instance *inst[2] = {instance(argv[1], "math.wasm"),
                            instance(argv[1], "math.wasm")};
    echo_guest bg[2] = {echo_guest_of(instance(argv[1], "bindgen.wasm")),
                        echo_guest_of(instance(argv[1], "bindgen.wasm"))};

    printf("%ld calls per thread (fib(20): %ld); ns per call, in brackets "
           "cpu minus raw wx_call's\n",
           calls, calls / 500);
    for (int fib = 0; fib < 2; fib++) {
        for (int threads = 1; threads <= 2; threads++) {
            figure raw = {0, 0};
            for (int md = RAW; md <= JSONFN; md++) {
                job j[2];
                for (int t = 0; t < threads; t++)
                    j[t] = (job){(mode)md, fib,     m,
                                 fn[fib],  inst[t], fib ? calls / 500 : calls,
                                 0,        0,       NULL};
                figure f = measure(j, threads, run);
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
    printf("bindgen echo(100-byte string): %ld calls per thread; in "
           "brackets cpu minus the same 7 guest calls made raw\n",
           calls / 4);
    for (int threads = 1; threads <= 2; threads++) {
        figure raw = {0, 0};
        for (int md = ECHO_RAW; md <= ECHO_BYNAME; md++) {
            job j[2];
            for (int t = 0; t < threads; t++)
                j[t] = (job){(mode)md,  false, m, echo,  NULL,
                             calls / 4, 0,     0, &bg[t]};
            figure f = measure(j, threads, run_echo);
            if (md == ECHO_RAW)
                raw = f;
            char what[96];
            snprintf(what, sizeof what,
                     "bindgen echo(100-byte string), %d thread%s: %s", threads,
                     threads > 1 ? "s" : "", echo_names[md]);
            printf("%-64s cpu %9.1f ns (%+8.1f)  wall %9.1f ns  "
                   "%6.2f M calls/s/thread\n",
                   what, f.cpu, f.cpu - raw.cpu, f.wall, 1e3 / f.cpu);
        }
    }
    wx_fn_free(echo);
    wx_fn_free(fn[0]);
    wx_fn_free(fn[1]);
    wx_manager_close(m);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    return system(rm) == 0 ? 0 : 1;
}
