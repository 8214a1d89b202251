/* The small C module of the cold-load and start-up benchmarks
 * (bench/coldload.py): a WASI command built with wasi-libc, whose stdio
 * makes it import five WASI functions and carry about 40 KB of code. */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
