/*
 * Calls per second of one Extism plugin function through the framework's
 * C API (wx_fn_call_values), for bench/extism.py, which puts the figure
 * next to Extism's own runtime on the same .wasm:
 *
 *   extism_bench CONFIG.json FUNC INPUT SECONDS
 *
 * Registers the plugin in an in-memory registry, checks one call, then
 * calls for SECONDS of CPU time and prints "calls N cpu_s S" and the
 * last output. Exit 1 with the error when a call fails.
 */
#include "wasmext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr,
                "usage: extism_bench CONFIG.json FUNC INPUT SECONDS\n");
        return 2;
    }
    wx_error err;
    wx_manager *m = wx_manager_open(WX_REGISTRY_MEMORY, NULL, &err);
    if (!m || wx_manager_add_file(m, argv[1], &err) != WX_OK) {
        fprintf(stderr, "extism_bench: %s\n", err.message);
        return 1;
    }
    wx_fn *fn = wx_fn_get(m, NULL, argv[2], &err);
    if (!fn) {
        fprintf(stderr, "extism_bench: %s\n", err.message);
        return 1;
    }
    wx_value arg = wx_value_string(argv[3], strlen(argv[3]));
    double seconds = atof(argv[4]), start = cpu_now(), now = start;
    long calls = 0;
    wx_values res = {0};
    int rc = 0;
    while (now - start < seconds) {
        /* A batch between clock reads, so the clock costs nothing. */
        for (int i = 0; i < 256; i++, calls++) {
            wx_values_free(&res);
            if (wx_fn_call_values(fn, &arg, 1, &res, &err) != WX_OK) {
                fprintf(stderr, "extism_bench: call %ld: %s\n", calls,
                        err.message);
                rc = 1;
                goto done;
            }
        }
        now = cpu_now();
    }
    printf("calls %ld cpu_s %.6f\n", calls, now - start);
    if (res.count)
        printf("output %.*s\n", (int)res.values[0].of.buf.len,
               res.values[0].of.buf.data);
done:
    wx_values_free(&res);
    wx_fn_free(fn);
    wx_manager_close(m);
    return rc;
}
