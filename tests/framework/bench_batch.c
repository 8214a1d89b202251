/*
 * What a row costs in a batch (wx_fn_call_batch) next to a call of its
 * own: add(i32, i32) through wx_fn_call (bare wasm values),
 * wx_fn_call_values (typed values, the way in for every ABI) and
 * wx_fn_call_batch with batches of 1, 16, 256 and 4096 rows, on the
 * plugin without fuel metering and on one with limits.fuel (which adds
 * the fuel histogram's bookkeeping, and for batches a checkout per
 * call instead of the pool's call path), one thread.
 *
 *   framework_bench_batch GUEST_DIR [ROWS]
 *
 * GUEST_DIR holds math.wasm. Built with the tests, never run by ctest.
 * Each figure is the best of five rounds of ROWS rows (default 2000000),
 * in CPU time of the calling thread per row; every result is checked.
 */
#include "wasmext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long bad;

static void single_bare(wx_fn *fn, long rows)
{
    for (long i = 0; i < rows; i++) {
        wx_wasm_val a[2] = {wx_wasm_i32((int32_t)i), wx_wasm_i32(1)}, r;
        if (wx_fn_call(fn, a, 2, &r, 1, NULL) != WX_OK ||
            r.of.i32 != (int32_t)i + 1)
            bad++;
    }
}

static void single_typed(wx_fn *fn, long rows)
{
    for (long i = 0; i < rows; i++) {
        wx_value a[2] = {wx_value_i32((int32_t)i), wx_value_i32(1)};
        wx_values out;
        if (wx_fn_call_values(fn, a, 2, &out, NULL) != WX_OK ||
            out.values[0].of.i != (int32_t)i + 1)
            bad++;
        wx_values_free(&out);
    }
}

/* The rows' arguments are made once (a caller has its rows in hand);
 * only the batch calls are timed. */
static wx_value *args_of(long rows)
{
    wx_value *a = malloc((size_t)rows * 2 * sizeof *a);
    for (long i = 0; i < rows; i++) {
        a[2 * i] = wx_value_i32((int32_t)i);
        a[2 * i + 1] = wx_value_i32(1);
    }
    return a;
}

static void batches(wx_fn *fn, const wx_value *args, long rows, long size)
{
    for (long at = 0; at < rows; at += size) {
        long n = rows - at < size ? rows - at : size;
        wx_batch_result r;
        if (wx_fn_call_batch(fn, args + 2 * at, (size_t)n, 2, &r, NULL) !=
            WX_OK) {
            bad += n;
            continue;
        }
        for (long i = 0; i < n; i++)
            if (r.rows[i].status != WX_OK ||
                r.rows[i].values[0].of.i != (int32_t)(at + i) + 1)
                bad++;
        wx_batch_result_free(&r);
    }
}

typedef enum { BARE, TYPED, BATCH } way;

static double best_of_5(wx_fn *fn, way w, const wx_value *args, long rows,
                        long size)
{
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        uint64_t t0 = cpu_ns();
        if (w == BARE)
            single_bare(fn, rows);
        else if (w == TYPED)
            single_typed(fn, rows);
        else
            batches(fn, args, rows, size);
        double ns = (double)(cpu_ns() - t0) / (double)rows;
        best = ns < best ? ns : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GUEST_DIR [ROWS]\n", argv[0]);
        return 2;
    }
    long rows = argc > 2 ? atol(argv[2]) : 2000000;
    char dir[] = "/tmp/wxfw-bench.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    char db[64], cfg[1024];
    snprintf(db, sizeof db, "%s/r.db", dir);
    wx_error err;
    wx_manager *m = wx_manager_open(db, NULL, &err);
    const char *extra[] = {"", ",\"limits\":{\"fuel\":1000000}"};
    snprintf(cfg, sizeof cfg,
             "{\"name\":\"plain\",\"vm_config\":{\"path\":\"%s/math.wasm\"},"
             "\"functions\":[\"add\"]}",
             argv[1]);
    if (!m || wx_manager_add(m, cfg, NULL, &err) != WX_OK) {
        fprintf(stderr, "manager: %s\n", err.message);
        return 1;
    }
    wx_value *args = args_of(rows);
    printf("add(i32, i32), %ld rows per round, one thread; CPU ns per row "
           "(best of 5)\n",
           rows);
    for (int p = 0; p < 2; p++) {
        if (p == 1) {
            /* The same function, metered: replace the plugin. */
            snprintf(cfg, sizeof cfg,
                     "{\"name\":\"plain\",\"vm_config\":{\"path\":"
                     "\"%s/math.wasm\"},\"functions\":[\"add\"]%s}",
                     argv[1], extra[1]);
            if (wx_manager_update(m, cfg, NULL, &err) != WX_OK) {
                fprintf(stderr, "update: %s\n", err.message);
                return 1;
            }
        }
        const char *label = p ? "fuel" : "nofuel";
        wx_fn *fn = wx_fn_get(m, "plain", "add", &err);
        printf("batch_row %s wx_fn_call ns/row=%.1f\n", label,
               best_of_5(fn, BARE, args, rows, 0));
        printf("batch_row %s wx_fn_call_values ns/row=%.1f\n", label,
               best_of_5(fn, TYPED, args, rows, 0));
        static const long sizes[] = {1, 16, 256, 4096};
        for (int k = 0; k < 4; k++)
            printf("batch_row %s wx_fn_call_batch(%ld) ns/row=%.1f\n", label,
                   sizes[k], best_of_5(fn, BATCH, args, rows, sizes[k]));
        wx_fn_free(fn);
    }
    free(args);
    wx_manager_close(m);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    if (bad)
        fprintf(stderr, "%ld failed or wrong rows\n", bad);
    return bad ? 1 : 0;
}
