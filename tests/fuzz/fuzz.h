/*
 * Shared by the fuzz targets of the framework's parsers (fuzz_*.c): a
 * property check that stops the run. libFuzzer takes the abort as a
 * crash and keeps the input in its artifacts; replay.c (the same targets
 * without libFuzzer, in every build) fails the test.
 */
#ifndef WX_FUZZ_FUZZ_H
#define WX_FUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                 \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: property violated: %s: ", __FILE__,       \
                    __LINE__, #cond);                                         \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            abort();                                                          \
        }                                                                     \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
