/*
 * coldload: one wx_module_load (decode + validate + compile) in a fresh
 * process, the case of a command or a daemon that loads a plugin once.
 * bench/coldload.py runs it in many processes and takes medians; a second
 * load in the same process (REPS > 1) shows the warm figure beside it.
 *
 *   coldload FILE.wasm [REPS]
 *
 * Prints, per load, "coldload BYTES WALL_MS CPU_MS MINFLT": the wall and
 * thread CPU time of wx_module_load alone, and the minor page faults it
 * took (fresh memory the load touched: the figure that a copy of the input
 * shows up in). The file is read before the clock starts, as an embedder
 * holds the bytes before it calls the engine; the module is freed after
 * the clock stops. Built by the bench script against libwxengine.a only,
 * so the process carries none of the framework's libraries.
 */
#define _POSIX_C_SOURCE 199309L
#include "loadfile.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "wasmext/engine.h"

#include "stamp.h"

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes;
    long reps = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    if (argc < 2 || argc > 3 || reps < 1) {
        fprintf(stderr, "usage: %s FILE.wasm [REPS]\n", argv[0]);
        return 2;
    }
    if (!(bytes = read_file("coldload", argv[1], &len)))
        return 1;
    /* The first read of the clock maps the vDSO's data page: a fault
     * that belongs to no load (wasm3_run does the same). */
    (void)now();
    for (long i = 0; i < reps; i++) {
        wx_error err;
        wx_error_clear(&err);
        long f0 = minor_faults();
        stamp t0 = now();
        wx_module *m = wx_module_load(bytes, len, NULL, &err);
        stamp t1 = now();
        long f1 = minor_faults();
        if (!m) {
            fprintf(stderr, "coldload: %s: %s: %s\n", argv[1],
                    wx_status_name(err.status), err.message);
            return 1;
        }
        wx_module_free(m);
        printf("coldload %zu %.3f %.3f %ld\n", len, t1.wall - t0.wall,
               t1.cpu - t0.cpu, f1 - f0);
    }
    free(bytes);
    return 0;
}
