/*
 * wxbench: the benchmark driver for our engine, the "ours" column.
 *
 *   wxbench run FILE.wasm [REPS [EXPORT]]
 *       Loads and instantiates once, then calls EXPORT (default "run", a
 *       () -> i32 function) REPS times; prints "run CHECKSUM MS" per call.
 *   wxbench calls FILE.wasm [N]
 *       N calls of the export add(i32, i32) through wx_call from a C loop,
 *       each result fed into the next call; prints "calls CHECKSUM MS"
 *       (the total; the runner divides by N).
 *   wxbench load FILE.wasm [REPS]
 *       REPS times wx_module_load (decode + validate + compile) and
 *       wx_module_free; prints "load BYTES MS" per load, the free untimed.
 *
 * Only the measured operation sits between the two clock readings, as in
 * the other drivers (bench/drivers/), so the columns compare like with
 * like. Errors go to stderr with the engine's message and exit status 1.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasmext/engine.h"

typedef struct file_buf {
    uint8_t *data;
    size_t len;
} file_buf;

#include "drivers/stamp.h"

static int read_file(const char *path, file_buf *out)
{
    FILE *f = fopen(path, "rb");
    long len;
    if (!f) {
        perror(path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto fail_close;
    out->len = (size_t)len;
    out->data = malloc(out->len ? out->len : 1);
    if (!out->data)
        goto fail_close;
    if (fread(out->data, 1, out->len, f) != out->len)
        goto fail_free;
    fclose(f);
    return 0;

fail_free:
    free(out->data);
fail_close:
    fprintf(stderr, "%s: cannot read\n", path);
    fclose(f);
    return -1;
}

static void report(const char *what, const wx_error *err)
{
    fprintf(stderr, "wxbench: %s: %s: %s", what, wx_status_name(err->status),
            err->message);
    if (err->status == WX_ETRAP)
        fprintf(stderr, " (trap %s in function %u at offset %u)",
                wx_trap_name(err->trap), err->func_index, err->offset);
    fputc('\n', stderr);
}

/* Loads and instantiates `buf`; returns the instance and its module. */
static wx_instance *open_instance(const file_buf *buf, wx_module **mod)
{
    wx_error err;
    wx_instance *inst;
    wx_error_clear(&err);
    *mod = wx_module_load(buf->data, buf->len, NULL, &err);
    if (!*mod) {
        report("load", &err);
        return NULL;
    }
    inst = wx_instantiate(*mod, NULL, NULL, &err);
    if (!inst) {
        report("instantiate", &err);
        wx_module_free(*mod);
        return NULL;
    }
    return inst;
}

static wx_wasm_func *find_func(wx_instance *inst, const char *name)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    if (!f)
        fprintf(stderr, "wxbench: no exported function \"%s\"\n", name);
    return f;
}

static int bench_run(wx_instance *inst, long reps, const char *name)
{
    wx_wasm_func *f = find_func(inst, name);
    wx_error err;
    wx_wasm_val result;
    if (!f)
        return 1;
    wx_error_clear(&err);
    for (long i = 0; i < reps; i++) {
        stamp t0 = now();
        wx_status st = wx_call(f, NULL, 0, &result, 1, &err);
        stamp t1 = now();
        if (st != WX_OK) {
            report(name, &err);
            return 1;
        }
        printf("run %u %.3f %.3f\n", (uint32_t)result.of.i32,
               t1.wall - t0.wall, t1.cpu - t0.cpu);
        fflush(stdout);
    }
    return 0;
}

static int bench_calls(wx_instance *inst, long n)
{
    wx_wasm_func *f = find_func(inst, "add");
    wx_error err;
    wx_wasm_val args[2], result;
    uint32_t acc = 0;
    stamp t0, t1;
    if (!f)
        return 1;
    wx_error_clear(&err);
    /* Each result is the next call's argument: a chain of dependent calls,
     * as a host loop that uses the results would make. */
    t0 = now();
    for (long i = 0; i < n; i++) {
        args[0] = wx_wasm_i32((int32_t)acc);
        args[1] = wx_wasm_i32((int32_t)i);
        if (wx_call(f, args, 2, &result, 1, &err) != WX_OK) {
            report("add", &err);
            return 1;
        }
        acc = (uint32_t)result.of.i32;
    }
    t1 = now();
    printf("calls %u %.3f %.3f\n", acc,
           t1.wall - t0.wall, t1.cpu - t0.cpu);
    return 0;
}

static int bench_load(const file_buf *buf, long reps)
{
    wx_error err;
    wx_error_clear(&err);
    for (long i = 0; i < reps; i++) {
        stamp t0 = now();
        wx_module *m = wx_module_load(buf->data, buf->len, NULL, &err);
        stamp t1 = now();
        if (!m) {
            report("load", &err);
            return 1;
        }
        wx_module_free(m);
        printf("load %zu %.3f %.3f\n", buf->len,
               t1.wall - t0.wall, t1.cpu - t0.cpu);
        fflush(stdout);
    }
    return 0;
}

static int usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s run FILE.wasm [REPS [EXPORT]]\n"
            "       %s calls FILE.wasm [N]\n"
            "       %s load FILE.wasm [REPS]\n",
            prog, prog, prog);
    return 2;
}

int main(int argc, char **argv)
{
    const char *mode, *name;
    long count;
    file_buf buf;
    wx_module *mod;
    wx_instance *inst;
    int rc;

    if (argc < 3)
        return usage(argv[0]);
    mode = argv[1];
    count = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
    name = argc > 4 ? argv[4] : "run";
    if (strcmp(mode, "run") && strcmp(mode, "calls") && strcmp(mode, "load"))
        return usage(argv[0]);
    if (read_file(argv[2], &buf) != 0)
        return 1;

    if (strcmp(mode, "load") == 0) {
        rc = bench_load(&buf, count);
        free(buf.data);
        return rc;
    }
    inst = open_instance(&buf, &mod);
    free(buf.data);
    if (!inst)
        return 1;
    if (strcmp(mode, "run") == 0)
        rc = bench_run(inst, count, name);
    else
        rc = bench_calls(inst, count);
    wx_instance_free(inst);
    wx_module_free(mod);
    return rc;
}
