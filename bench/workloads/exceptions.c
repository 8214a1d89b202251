/*
 * exceptions: the checksum of exceptions.wat (the wasm build of this
 * workload, a million throws from a callee caught by its caller), computed
 * without exceptions: the native column checks the engines' results, its
 * time is not the cost of a throw.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 1000000
#endif

WL_EXPORT(run) uint32_t run(void)
{
    uint32_t acc = 0;
    for (uint32_t i = 0; i < WL_SIZE; i++)
        acc = (acc ^ (i * 31u)) * 3u;
    return acc;
}
