/*
 * A WASI command for test_wasi.sh, built at test time with clang
 * --target=wasm32-wasi. The first argument picks what it does, so one
 * guest covers arguments, exit codes, files and refusals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies a file to stdout, or prints the errno that stopped it (the
 * WASI errno: wasi-libc uses the same numbers). */
static int cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("errno %d\n", errno);
        return 3;
    }
    char buf[256];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stdout);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "hello";
    if (strcmp(what, "hello") == 0) {
        printf("hello, world: %d args:", argc);
        for (int i = 0; i < argc; i++)
            printf(" [%s]", argv[i]);
        printf("\n");
        fprintf(stderr, "to stderr\n");
        return 0;
    }
    if (strcmp(what, "exit") == 0 && argc > 2)
        exit(atoi(argv[2]));
    if (strcmp(what, "cat") == 0 && argc > 2)
        return cat(argv[2]);
    if (strcmp(what, "env") == 0 && argc > 2) {
        const char *v = getenv(argv[2]);
        printf("%s=%s\n", argv[2], v ? v : "(unset)");
        return 0;
    }
    if (strcmp(what, "echo") == 0) {
        int c;
        while ((c = getchar()) != EOF)
            putchar(c);
        return 0;
    }
    if (strcmp(what, "spin") == 0) {
        volatile unsigned n = 0;
        for (;;)
            n++;
    }
    fprintf(stderr, "unknown request %s\n", what);
    return 2;
}
