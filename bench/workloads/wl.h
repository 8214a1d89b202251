/*
 * Shared support for the benchmark workloads.
 *
 * Every workload is one freestanding C file that is compiled twice: for
 * wasm32 by clang (no libc, so nothing here may call into one) and natively
 * by gcc -O2, which gives the "native" column. Each exports
 * `uint32_t run(void)` returning a checksum; run() rebuilds all of its state
 * on every call, so a driver may call it repeatedly on one instance and
 * must see the same checksum each time.
 *
 * run() takes no parameter because wabt's wasm-interp can only call exports
 * with --run-all-exports, which passes no arguments. The problem size is a
 * compile-time constant instead (WL_SIZE, set by the runner).
 */
#ifndef WL_H
#define WL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __wasm__
#define WL_EXPORT(name) __attribute__((export_name(#name)))
#else
#define WL_EXPORT(name)
#endif

#define WL_NOINLINE __attribute__((noinline))

#ifdef __wasm__
/*
 * clang lowers aggregate copies and clears to calls to memcpy and memset,
 * even when freestanding, and there is no libc to provide them. They are
 * compiled with -ffreestanding so these loops are not turned back into
 * calls to themselves.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

__attribute__((weak)) void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}
#endif

/* A small deterministic generator, so every engine sees the same input. */
static inline uint32_t wl_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Mixes a value into a running checksum (FNV-1a over the four bytes). */
static inline uint32_t wl_mix(uint32_t h, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        h ^= (v >> (8 * i)) & 0xFF;
        h *= 16777619u;
    }
    return h;
}

#define WL_FNV_INIT 2166136261u

#endif
