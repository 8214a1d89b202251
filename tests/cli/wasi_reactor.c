/*
 * A WASI reactor for test_wasi.sh (clang -mexec-model=reactor): its
 * constructor, run by `_initialize`, sets the state `answer` reports, so
 * `wasmext run FILE answer` shows that `_initialize` ran first.
 */
#include <stdio.h>

static int base;

__attribute__((constructor)) static void setup(void)
{
    base = 40;
}

__attribute__((export_name("answer"))) int answer(int add)
{
    printf("answering\n");
    fflush(stdout);
    return base + add;
}
