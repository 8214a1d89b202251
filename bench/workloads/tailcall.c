/*
 * tailcall: ten million tail calls between two functions (ping and pong),
 * which the wasm build makes with return_call (-mtail-call, and musttail
 * so that clang cannot make it a plain call or a loop). Measures the cost
 * of a tail call; an engine without them runs out of stack. gcc -O2 turns
 * the native build's calls into jumps, as a tail call should be.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 10000000
#endif

#if defined(__clang__) && defined(__wasm_tail_call__)
#define WL_TAIL __attribute__((musttail))
#else
#define WL_TAIL
#endif

WL_NOINLINE static uint32_t pong(uint32_t n, uint32_t acc);

/* Two functions, not one: a compiler turns direct self-recursion into a
 * loop, whatever the source says. */
WL_NOINLINE static uint32_t ping(uint32_t n, uint32_t acc)
{
    if (n == 0)
        return acc;
    WL_TAIL return pong(n - 1, acc * 31u + n);
}

WL_NOINLINE static uint32_t pong(uint32_t n, uint32_t acc)
{
    if (n == 0)
        return acc;
    WL_TAIL return ping(n - 1, acc ^ (n << 3));
}

WL_EXPORT(run) uint32_t run(void)
{
    return ping(WL_SIZE, 1);
}
