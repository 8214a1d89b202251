/*
 * wasm3_run: the wasm3 side of the cold-load and start-up benchmarks
 * (bench/coldload.py), built by bench/wasm3.sh against a static libm3 made
 * from the pywasm3 sdist's copy of wasm3 (it includes m3_env.h, an internal
 * header, to walk the module's imports).
 *
 *   wasm3_run load FILE.wasm [REPS]
 *       Per rep, in a new runtime: m3_ParseModule + m3_LoadModule (what
 *       wasm3 does before a first call; it compiles each function lazily
 *       when first called), then m3_CompileModule (every function, as
 *       wx_module_load does). Prints "lazy BYTES WALL_MS CPU_MS MINFLT" for
 *       the first step and "coldload BYTES WALL_MS CPU_MS MINFLT" for both.
 *       Binding the imports between the two (to stubs) is not timed.
 *   wasm3_run run FILE.wasm
 *       Loads the module and calls `_start`, with the five WASI functions
 *       a C hello world needs (fd_write, fd_fdstat_get, fd_seek, fd_close,
 *       proc_exit); any other import traps when called. The exit status is
 *       proc_exit's, 0 if `_start` returns, 1 on an error or trap. Start-up
 *       is timed from outside, over whole processes.
 *
 * wasm3 reads the module's bytes in place for the module's whole life, so
 * unlike wx_module_load it never copies them.
 */
#define _POSIX_C_SOURCE 199309L
#include "loadfile.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "m3_env.h"
#include "wasm3.h"

#include "stamp.h"

#define WASI "wasi_snapshot_preview1"
#define WASI_EBADF 8
#define WASI_ESPIPE 70

/* proc_exit ends the call with this result (wasm3 compares results by
 * pointer); the code is kept beside it. */
static const char exit_result[] = "proc_exit";
static int exit_code;

/* ------------------------------------------------------------- WASI */

/* (fd, iovs, iovs_len, nwritten) -> errno */
static m3ApiRawFunction(wasi_fd_write)
{
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArg(uint32_t, iovs);
    m3ApiGetArg(uint32_t, niovs);
    m3ApiGetArgMem(uint32_t *, nwritten);
    m3ApiCheckMem(nwritten, 4);
    uint32_t total = 0;
    for (uint32_t i = 0; i < niovs; i++) {
        uint32_t *iov = m3ApiOffsetToPtr(iovs + 8 * i);
        m3ApiCheckMem(iov, 8);
        void *buf = m3ApiOffsetToPtr(iov[0]);
        m3ApiCheckMem(buf, iov[1]);
        ssize_t n = write((int)fd, buf, iov[1]);
        if (n < 0)
            m3ApiReturn(WASI_EBADF);
        total += (uint32_t)n;
    }
    *nwritten = total;
    m3ApiReturn(0);
}

/* (fd, fdstat) -> errno: the standard streams are character devices. */
static m3ApiRawFunction(wasi_fd_fdstat_get)
{
    m3ApiReturnType(uint32_t);
    m3ApiGetArg(uint32_t, fd);
    m3ApiGetArgMem(uint8_t *, st);
    m3ApiCheckMem(st, 24);
    if (fd > 2)
        m3ApiReturn(WASI_EBADF);
    memset(st, 0, 24);
    st[0] = 2;                /* filetype: character device */
    memset(st + 8, 0xFF, 16); /* every right */
    m3ApiReturn(0);
}

/* (fd, offset, whence, newoffset) -> errno: streams do not seek. */
static m3ApiRawFunction(wasi_fd_seek)
{
    m3ApiReturnType(uint32_t);
    m3ApiReturn(WASI_ESPIPE);
}

static m3ApiRawFunction(wasi_fd_close)
{
    m3ApiReturnType(uint32_t);
    m3ApiReturn(0);
}

static m3ApiRawFunction(wasi_proc_exit)
{
    m3ApiGetArg(uint32_t, code);
    exit_code = (int)code;
    m3ApiTrap(exit_result);
}

static m3ApiRawFunction(unimplemented)
{
    m3ApiTrap("wasm3_run: called an import this driver does not provide");
}

static const struct {
    const char *name, *sig;
    M3RawCall fn;
} wasi_fns[] = {
    {"fd_write", "i(iiii)", wasi_fd_write},
    {"fd_fdstat_get", "i(ii)", wasi_fd_fdstat_get},
    {"fd_seek", "i(iIii)", wasi_fd_seek},
    {"fd_close", "i(i)", wasi_fd_close},
    {"proc_exit", "v(i)", wasi_proc_exit},
};

/* Binds every imported function: the WASI ones above, the rest to a stub
 * (m3_CompileModule fails on a call to an unbound import). */
static M3Result link_imports(IM3Module m)
{
    for (u32 i = 0; i < m->numFunctions; i++) {
        IM3Function f = &m->functions[i];
        const char *mod = f->import.moduleUtf8, *name = f->import.fieldUtf8;
        if (!mod || !name)
            continue;
        const char *sig = NULL;
        M3RawCall fn = unimplemented;
        for (size_t k = 0; k < sizeof wasi_fns / sizeof wasi_fns[0]; k++)
            if (!strcmp(mod, WASI) && !strcmp(name, wasi_fns[k].name))
                sig = wasi_fns[k].sig, fn = wasi_fns[k].fn;
        M3Result r = m3_LinkRawFunction(m, mod, name, sig, fn);
        if (r)
            return r;
    }
    return m3Err_none;
}

/* ------------------------------------------------------------ modes */

static int fail(const char *what, M3Result r)
{
    fprintf(stderr, "wasm3_run: %s: %s\n", what, r);
    return 1;
}

static int bench_load(IM3Environment env, const uint8_t *bytes, size_t len,
                      long reps)
{
    /* The first read of the clock maps the vDSO's data page: a fault
     * that belongs to no load (coldload.c does the same). */
    (void)now();
    for (long i = 0; i < reps; i++) {
        IM3Runtime rt = m3_NewRuntime(env, 64 * 1024, NULL);
        IM3Module m;
        M3Result r;
        if (!rt)
            return fail("runtime", "out of memory");
        long f0 = minor_faults();
        stamp t0 = now();
        if ((r = m3_ParseModule(env, &m, bytes, (uint32_t)len)))
            return fail("parse", r);
        if ((r = m3_LoadModule(rt, m)))
            return fail("load", r);
        stamp t1 = now();
        long f1 = minor_faults();
        if ((r = link_imports(m)))
            return fail("link", r);
        long f2 = minor_faults();
        stamp t2 = now();
        if ((r = m3_CompileModule(m)))
            return fail("compile", r);
        stamp t3 = now();
        long f3 = minor_faults();
        printf("lazy %zu %.3f %.3f %ld\n", len, t1.wall - t0.wall,
               t1.cpu - t0.cpu, f1 - f0);
        printf("coldload %zu %.3f %.3f %ld\n", len,
               (t1.wall - t0.wall) + (t3.wall - t2.wall),
               (t1.cpu - t0.cpu) + (t3.cpu - t2.cpu), (f1 - f0) + (f3 - f2));
        m3_FreeRuntime(rt);
    }
    return 0;
}

static int run_start(IM3Environment env, const uint8_t *bytes, size_t len)
{
    IM3Runtime rt = m3_NewRuntime(env, 64 * 1024, NULL);
    IM3Module m;
    IM3Function start;
    M3Result r;
    if (!rt)
        return fail("runtime", "out of memory");
    if ((r = m3_ParseModule(env, &m, bytes, (uint32_t)len)))
        return fail("parse", r);
    if ((r = m3_LoadModule(rt, m)))
        return fail("load", r);
    if ((r = link_imports(m)))
        return fail("link", r);
    if ((r = m3_FindFunction(&start, rt, "_start")))
        return fail("_start", r);
    r = m3_CallV(start);
    fflush(stdout);
    if (r == exit_result)
        return exit_code;
    if (r)
        return fail("_start", r);
    return 0;
}

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes;
    int rc;
    if (argc < 3 || (strcmp(argv[1], "load") && strcmp(argv[1], "run"))) {
        fprintf(stderr,
                "usage: %s load FILE.wasm [REPS]\n"
                "       %s run FILE.wasm\n",
                argv[0], argv[0]);
        return 2;
    }
    if (!(bytes = read_file("wasm3_run", argv[2], &len)))
        return 1;
    IM3Environment env = m3_NewEnvironment();
    if (!env)
        return fail("environment", "out of memory");
    if (!strcmp(argv[1], "load"))
        rc = bench_load(env, bytes, len,
                        argc > 3 ? strtol(argv[3], NULL, 10) : 1);
    else
        rc = run_start(env, bytes, len);
    /* Exit without freeing, as a command does. */
    return rc;
}
