/*
 * fib: naive doubly recursive Fibonacci. Almost nothing but calls, returns
 * and a compare, so it measures the cost of a guest-to-guest call.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 32
#endif

/* Kept out of line (and the argument opaque) so no compiler can turn the
 * recursion into a loop or a closed form; every engine makes every call. */
WL_NOINLINE static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

WL_EXPORT(run) uint32_t run(void)
{
    return fib(WL_SIZE);
}
