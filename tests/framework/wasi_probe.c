/*
 * A WASI reactor for test_wasi.c, built by clang --target=wasm32-wasi
 * -mexec-model=reactor: its functions read what the plugin config's
 * "wasi" object grants (a file of a preopened directory, the environment,
 * the arguments) and answer with numbers the test checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int initialized;

/* Run by _initialize: shows that the pool initialises each instance. */
__attribute__((constructor)) static void setup(void)
{
    initialized = 1;
}

/* The number in /data/value.txt plus the length of $GREETING (40 and "hi"
 * give 42); -1 if the file cannot be read, -2 without GREETING, -3 before
 * _initialize. */
__attribute__((export_name("probe"))) int probe(void)
{
    if (!initialized)
        return -3;
    FILE *f = fopen("/data/value.txt", "r");
    if (!f)
        return -1;
    char buf[32] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *greeting = getenv("GREETING");
    if (!greeting)
        return -2;
    return atoi(buf) + (int)strlen(greeting);
}

/* The errno of opening a file above the preopened directory (76,
 * ENOTCAPABLE), or 0 if that wrongly worked. */
__attribute__((export_name("escape"))) int escape(void)
{
    FILE *f = fopen("/data/../secret.txt", "r");
    if (f) {
        fclose(f);
        return 0;
    }
    return errno;
}

/* argc, plus 100 if argv[0] is "wasiplug" (the plugin's name); -1 if
 * the arguments cannot be read. */
__attribute__((export_name("nargs"))) int nargs(void)
{
    __wasi_size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size) != 0 || argc == 0)
        return -1;
    char *buf = malloc(size);
    char **argv = malloc(argc * sizeof *argv);
    int r = -1;
    if (buf && argv && __wasi_args_get((uint8_t **)argv, (uint8_t *)buf) == 0)
        r = (int)argc + (strcmp(argv[0], "wasiplug") == 0 ? 100 : 0);
    free(argv);
    free(buf);
    return r;
}
