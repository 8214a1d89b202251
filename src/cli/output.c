/*
 * What every command prints the same way: error lines, help, JSON, exit
 * codes, signatures; and reading input files.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmext: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmext: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "Run 'wasmext help%s%s' for usage.\n", cmd ? " " : "",
            cmd ? cmd : "");
    return CLI_EXIT_USAGE;
}

int cli_print_help(const cli_command *c)
{
    fputs(c->help, stdout);
    return CLI_EXIT_OK;
}

int cli_exit_code(wx_status s)
{
    switch (s) {
    case WX_OK: return CLI_EXIT_OK;
    case WX_EARG:
    case WX_ENOPLUGIN:
    case WX_ENOEXPORT:
    case WX_EMALFORMED:
    case WX_EINVALID:
    case WX_EUNLINKABLE:
    case WX_EEXIST:
    case WX_EIO: return CLI_EXIT_USAGE;
    default: return CLI_EXIT_FAILED;
    }
}

int cli_print_json(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    if (!text) {
        cli_error("out of host memory");
        return CLI_EXIT_FAILED;
    }
    puts(text);
    free(text);
    return CLI_EXIT_OK;
}

/* Appends "a, b" style lists of value types. */
static size_t put_types(char *buf, size_t size, size_t at, uint32_t n,
                        const wx_valtype *types)
{
    for (uint32_t i = 0; i < n && at < size; i++) {
        int k = snprintf(buf + at, size - at, "%s%s", i ? ", " : "",
                         wx_valtype_name(types[i]));
        if (k < 0)
            break;
        at += (size_t)k;
    }
    return at < size ? at : size - 1;
}

void cli_signature(const wx_functype *t, char *buf, size_t size)
{
    if (size < 16) {
        if (size)
            buf[0] = '\0';
        return;
    }
    size_t at = 0;
    buf[at++] = '(';
    at = put_types(buf, size, at, t->nparams, t->params);
    at += (size_t)snprintf(buf + at, size - at, ") -> (");
    if (at < size)
        at = put_types(buf, size, at, t->nresults, t->results);
    if (at + 1 < size) {
        buf[at++] = ')';
        buf[at] = '\0';
    }
}

uint8_t *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_error("cannot read %s: not a regular file", path);
        fclose(f);
        return NULL;
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size : 1, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        /* The file grew since fstat: keep reading. */
        uint8_t *more = realloc(buf, cap * 2);
        if (!more) {
            free(buf);
            buf = NULL;
        } else {
            buf = more;
            cap *= 2;
        }
    }
    if (!buf) {
        cli_error("cannot read %s: out of host memory", path);
    } else if (ferror(f)) {
        cli_error("cannot read %s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}
