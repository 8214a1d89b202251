/*
 * A WASI reactor for the per-instance context tests: `_initialize` (from
 * wasi-libc's crt1-reactor) runs the constructor once; the exports show
 * which context the instance sees and exit through proc_exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int initialized;

__attribute__((constructor)) static void init(void)
{
    initialized++;
}

/* How many times the constructor ran (1 after _initialize). */
__attribute__((export_name("inits"))) int inits(void)
{
    return initialized;
}

/* argc of this instance's context, straight from WASI. */
__attribute__((export_name("argc"))) int argc_of(void)
{
    __wasi_size_t argc = 0, size = 0;
    if (__wasi_args_sizes_get(&argc, &size) != 0)
        return -1;
    return (int)argc;
}

/* Prints a line naming the instance's first argument. */
__attribute__((export_name("hello"))) int hello(void)
{
    __wasi_size_t argc = 0, size = 0;
    if (__wasi_args_sizes_get(&argc, &size) != 0 || argc == 0)
        return -1;
    char **argv = malloc(argc * sizeof *argv);
    char *buf = malloc(size);
    if (!argv || !buf || __wasi_args_get((uint8_t **)argv, (uint8_t *)buf))
        return -1;
    printf("hello from %s\n", argv[0]);
    fflush(stdout);
    free(argv);
    free(buf);
    return 0;
}

/* Opens a file of the instance's preopen and keeps it: per-instance fd
 * tables give every instance the same first number. */
__attribute__((export_name("open_keep"))) int open_keep(void)
{
    FILE *f = fopen("/data/file.txt", "r");
    return f ? fileno(f) : -1;
}

__attribute__((export_name("quit"))) void quit(int code)
{
    exit(code);
}
