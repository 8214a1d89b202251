/*
 * What every command prints the same way: error lines, help, JSON, exit
 * codes, signatures; and reading input files.
 */
#include "cli.h"

#include "wasmext/wat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* With --json, errors are a JSON document on stdout instead of a line on
 * stderr, so that a script reading stdout always gets one document: the
 * results, or the error. Only the first error of a run is JSON (a second
 * document would make stdout unreadable); later ones go to stderr. */
static bool json_errors;
static bool json_error_sent;

void cli_set_json_errors(bool on)
{
    json_errors = on;
}

/* {"error": {"code", "message", ["trap"], ["exit_code"], ["usage"]}}, the
 * shape of the REST daemon's errors (docs/rest.md), on stdout. Returns
 * false when it could not be made, so that the caller prints text. */
static bool put_json_error(wx_status s, const wx_error *detail,
                           const char *usage, const char *msg)
{
    json_t *e =
        json_pack("{s:s,s:s}", "code", wx_status_name(s), "message", msg);
    if (e && detail && s == WX_ETRAP && detail->trap != WX_TRAP_NONE)
        json_object_set_new(e, "trap",
                            json_string(wx_trap_name(detail->trap)));
    if (e && detail && s == WX_EEXIT)
        json_object_set_new(e, "exit_code", json_integer(detail->exit_code));
    if (e && usage)
        json_object_set_new(e, "usage", json_string(usage));
    json_t *doc = e ? json_pack("{s:o}", "error", e) : NULL;
    char *text =
        doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text)
        return false;
    puts(text);
    free(text);
    return true;
}

/* Every error goes through here: text on stderr, or JSON on stdout. */
static void report(wx_status s, const wx_error *detail, const char *cmd,
                   bool usage, const char *fmt, va_list ap)
{
    char msg[4096], where[64] = "", help[96];
    if (cmd)
        snprintf(where, sizeof where, "%s: ", cmd);
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(help, sizeof help, "wasmext help%s%s", cmd ? " " : "",
             cmd ? cmd : "");
    if (json_errors && !json_error_sent) {
        char full[sizeof msg + sizeof where];
        snprintf(full, sizeof full, "%s%s", where, msg);
        json_error_sent = true;
        if (put_json_error(s, detail, usage ? help : NULL, full))
            return;
    }
    fprintf(stderr, "wasmext: %s%s\n", where, msg);
    if (usage)
        fprintf(stderr, "Run '%s' for usage.\n", help);
}

void cli_error(wx_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(s, NULL, NULL, false, fmt, ap);
    va_end(ap);
}

void cli_error_from(const wx_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(err->status, err, NULL, false, fmt, ap);
    va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(WX_EARG, NULL, cmd, true, fmt, ap);
    va_end(ap);
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
        cli_error(WX_ENOMEM, "out of host memory");
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
        cli_error(WX_EIO, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_error(WX_EIO, "cannot read %s: not a regular file", path);
        fclose(f);
        return NULL;
    }
    /* One byte more than the size, so that reading it all ends short of
     * the buffer: a full buffer means the file grew since fstat. */
    size_t cap = (size_t)(st.st_size > 0 ? st.st_size : 0) + 1, n = 0;
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
        cli_error(WX_ENOMEM, "cannot read %s: out of host memory", path);
    } else if (ferror(f)) {
        cli_error(WX_EIO, "cannot read %s: %s", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Text: a .wat name, or (whatever the name) content that starts, after
 * white space, with "(" or a ";;" comment. Anything else goes to the
 * decoder as it is, which names what is wrong with a binary. */
static bool looks_like_text(const char *path, const uint8_t *bytes,
                            size_t len)
{
    size_t n = strlen(path);
    if (wx_wat_is_binary(bytes, len))
        return false;
    if (n > 4 && strcmp(path + n - 4, ".wat") == 0)
        return true;
    size_t i = 0;
    while (i < len && bytes[i] && strchr(" \t\r\n", bytes[i]))
        i++;
    return i < len &&
           (bytes[i] == '(' || (bytes[i] == ';' && i + 1 < len &&
                                bytes[i + 1] == ';'));
}

uint8_t *cli_read_module(const char *path, size_t *len)
{
    uint8_t *bytes = cli_read_file(path, len);
    if (!bytes || !looks_like_text(path, bytes, *len))
        return bytes;
    uint8_t *wasm = NULL;
    size_t wasm_len = 0;
    wx_error err;
    wx_error_clear(&err);
    wx_status s =
        wx_wat_to_wasm((const char *)bytes, *len, &wasm, &wasm_len, &err);
    free(bytes);
    if (s != WX_OK) {
        /* The message starts with LINE:COL, as a compiler's would. */
        cli_error(s, "%s:%s", path, err.message);
        return NULL;
    }
    *len = wasm_len;
    return wasm;
}
