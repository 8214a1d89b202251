/*
 * What the cold-load drivers (coldload.c, wasi_run.c, wasm3_run.c) share:
 * reading the module file whole, and the process's minor page faults,
 * which tell how much of a load was first touches of memory.
 */
#ifndef WX_BENCH_LOADFILE_H
#define WX_BENCH_LOADFILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

/* The file's bytes (malloc'd) and length, or NULL after a message that
 * starts with `who`. */
static inline uint8_t *read_file(const char *who, const char *path,
                                 size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;
    if (!f) {
        perror(path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    data = malloc(n ? (size_t)n : 1);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n)
        goto fail;
    fclose(f);
    *len = (size_t)n;
    return data;

fail:
    fprintf(stderr, "%s: %s: cannot read\n", who, path);
    free(data);
    fclose(f);
    return NULL;
}

/* The process's: the drivers have one thread, and RUSAGE_THREAD is
 * Linux-only. */
static inline long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

#endif
