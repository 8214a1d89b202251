/*
 * wasm2c driver: linked with a workload translated by `wasm2c -n bm` and
 * compiled by gcc -O2 together with wabt's runtime (wasm-rt-impl.c), it
 * gives the "wasm2c" column: ahead-of-time WebAssembly with wabt's
 * guard-page bounds checks, the best a wasm engine could hope for.
 *
 *   w2c run REPS         "run CHECKSUM MS" per call of run()
 *   w2c calls N          (built with -DW2C_CALLS) N calls of add()
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bm.h"

#include "stamp.h"

int main(int argc, char **argv)
{
    long count = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    Z_bm_instance_t inst;

    wasm_rt_init();
    Z_bm_init_module();
    Z_bm_instantiate(&inst);
#ifdef W2C_CALLS
    if (argc > 1 && strcmp(argv[1], "calls") == 0) {
        uint32_t acc = 0;
        stamp t0 = now();
        for (long i = 0; i < count; i++)
            acc = Z_bmZ_add(&inst, acc, (uint32_t)i);
        stamp t1 = now();
        printf("calls %u %.3f %.3f\n", acc,
               t1.wall - t0.wall, t1.cpu - t0.cpu);
        return 0;
    }
#else
    if (argc > 1 && strcmp(argv[1], "run") == 0) {
        for (long i = 0; i < count; i++) {
            stamp t0 = now();
            uint32_t r = Z_bmZ_run(&inst);
            stamp t1 = now();
            printf("run %u %.3f %.3f\n", r,
                   t1.wall - t0.wall, t1.cpu - t0.cpu);
            fflush(stdout);
        }
        return 0;
    }
#endif
    fprintf(stderr, "usage: %s run REPS | calls N\n", argv[0]);
    return 2;
}
