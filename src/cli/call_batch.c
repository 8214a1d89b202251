/*
 * `wasmext call --batch [PLUGIN.]FUNC`: rows as NDJSON on stdin (one JSON
 * array of arguments a line), one line out per row, in order: its
 * results as a JSON array, or its error object naming the line.
 *
 * Rows go to the manager as batches (wx_fn_call_batch: one instance for
 * the batch, no per-row allocation for numbers). A batch is what stdin
 * holds when the reader would have to wait, capped at BATCH_ROWS lines:
 * a file or a fast pipe gives full batches, and a producer that writes a
 * line now and then gets each answer before it writes the next, instead
 * of waiting for a batch to fill.
 */
#include "cli.h"

#include "convert.h"
#include "wasmext.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_ROWS 4096u

/* stdin by lines, read with read(2) so that whether more is ready can be
 * asked of the descriptor (stdio's buffer would hide it). */
typedef struct lines {
    char *buf;
    size_t start, len, cap; /* unread bytes: buf[start .. len) */
    bool eof;
    int error; /* errno of a failed read (eof is then set too) */
    unsigned long number; /* of the last line returned, from 1 */
} lines;

/* Whether a read would return at once (data or end of file). */
static bool input_ready(void)
{
    struct pollfd p = {.fd = 0, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* Reads more of stdin; false at end of file or on an error. */
static bool fill(lines *in)
{
    if (in->start) {
        memmove(in->buf, in->buf + in->start, in->len - in->start);
        in->len -= in->start;
        in->start = 0;
    }
    if (in->cap - in->len < 4096) {
        size_t cap = in->cap ? in->cap * 2 : 65536;
        char *b = realloc(in->buf, cap);
        if (!b)
            return false;
        in->buf = b;
        in->cap = cap;
    }
    for (;;) {
        /* One byte stays free: next_line ends a last line without a
         * newline with a NUL there. */
        ssize_t n = read(0, in->buf + in->len, in->cap - in->len - 1);
        if (n > 0) {
            in->len += (size_t)n;
            return true;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            in->error = errno;
        in->eof = true;
        return false;
    }
}

/* The next line (NUL-terminated in place, without its newline), or NULL
 * at the end. `may_wait`: false returns NULL rather than block when no
 * whole line is buffered and stdin has nothing ready (*waits set). */
static char *next_line(lines *in, bool may_wait, bool *waits, size_t *len)
{
    *waits = false;
    for (;;) {
        char *at = in->buf + in->start;
        size_t avail = in->len - in->start;
        char *nl = avail ? memchr(at, '\n', avail) : NULL;
        if (nl || (in->eof && avail)) {
            size_t n = nl ? (size_t)(nl - at) : avail;
            at[n] = '\0'; /* over the newline, or in the spare room */
            in->start += nl ? n + 1 : n;
            in->number++;
            *len = n;
            return at;
        }
        if (in->eof)
            return NULL;
        if (!may_wait && !input_ready()) {
            *waits = true;
            return NULL;
        }
        if (!fill(in) && !in->eof)
            return NULL; /* out of memory: ends the input */
    }
}

/* One batch in the making: the rows' arguments, row after row, and for
 * each line its place (a row of the batch, or an error already made). */
typedef struct pending {
    wx_value *vals;
    size_t nrows;
    size_t nlines;
    unsigned long line_no[BATCH_ROWS];
    char *refused[BATCH_ROWS]; /* NULL: the line is the next row */
} pending;

static void put_json_line(json_t *j)
{
    char *text =
        j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)
          : NULL;
    json_decref(j);
    puts(text ? text : "{\"error\":{\"code\":\"nomem\",\"message\":"
                       "\"out of host memory\"}}");
    free(text);
}

/* The error object of line `no` (the shape of --json errors and of the
 * REST daemon's). */
static json_t *line_error(unsigned long no, wx_status s, const wx_error *e)
{
    char msg[sizeof e->message + 32];
    snprintf(msg, sizeof msg, "line %lu: %s", no,
             e && e->message[0] ? e->message : wx_status_message(s));
    json_t *o = json_pack("{s:s,s:s}", "code", wx_status_name(s), "message",
                          msg);
    if (!o) /* a message quoting bytes that are not UTF-8 */
        o = json_pack("{s:s,s:s}", "code", wx_status_name(s), "message",
                      "(message not UTF-8)");
    if (o && s == WX_ETRAP && e && e->trap != WX_TRAP_NONE)
        json_object_set_new(o, "trap", json_string(wx_trap_name(e->trap)));
    if (o && s == WX_EEXIT && e)
        json_object_set_new(o, "exit_code", json_integer(e->exit_code));
    return o ? json_pack("{s:o}", "error", o) : NULL;
}

static char *error_text(unsigned long no, wx_status s, const wx_error *e)
{
    json_t *j = line_error(no, s, e);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return text ? text : strdup("{\"error\":{\"code\":\"nomem\"}}");
}

/* Reads one line into the pending batch: its arguments, or its error. */
static void take_line(pending *p, const wx_function_info *info,
                      unsigned long no, const char *text, size_t len)
{
    wx_error e;
    json_error_t je;
    size_t k = p->nlines++;
    p->line_no[k] = no;
    p->refused[k] = NULL;
    json_t *row = json_loadb(text, len, JSON_DECODE_ANY, &je);
    wx_status s;
    if (!row)
        s = wx_error_set(&e, WX_EARG, "invalid JSON at column %d: %s",
                         je.column, je.text);
    else
        s = wxc_row_from_json(info, row, p->vals + p->nrows * info->nparams,
                              &e);
    json_decref(row);
    if (s == WX_OK)
        p->nrows++;
    else
        p->refused[k] = error_text(no, s, &e);
}

/* Runs the pending rows and prints every pending line's answer; the
 * number of lines that failed. WX_OK, or the batch's own error (then
 * nothing is printed). */
static wx_status flush(pending *p, wx_fn *fn, const wx_function_info *info,
                       size_t *failed, wx_error *err)
{
    wx_batch_result r;
    wx_status s = wx_fn_call_batch(fn, p->vals, p->nrows, info->nparams, &r,
                                   err);
    if (s == WX_OK) {
        size_t k = 0;
        for (size_t i = 0; i < p->nlines; i++) {
            if (p->refused[i]) {
                puts(p->refused[i]);
                (*failed)++;
                continue;
            }
            const wx_batch_row *row = &r.rows[k++];
            if (row->status != WX_OK) {
                put_json_line(line_error(p->line_no[i], row->status,
                                         row->error));
                (*failed)++;
                continue;
            }
            wx_error e;
            put_json_line(wxc_values_to_json(row->values, row->count, &e));
        }
        fflush(stdout);
    }
    wx_batch_result_free(&r);
    for (size_t i = 0; i < p->nrows * info->nparams; i++)
        wx_value_free(&p->vals[i]);
    for (size_t i = 0; i < p->nlines; i++)
        free(p->refused[i]);
    p->nrows = p->nlines = 0;
    return s;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Reads and runs every row of stdin. */
static int run_rows(wx_fn *fn, const wx_function_info *info, const char *db)
{
    pending *p = calloc(1, sizeof *p);
    lines in = {0};
    if (p)
        p->vals = malloc(BATCH_ROWS * (info->nparams ? info->nparams : 1) *
                         sizeof *p->vals);
    if (!p || !p->vals) {
        free(p);
        cli_error(WX_ENOMEM, "out of host memory");
        return CLI_EXIT_FAILED;
    }
    size_t failed = 0;
    wx_error err;
    wx_status s = WX_OK;
    for (;;) {
        bool waits;
        size_t len;
        char *line = next_line(&in, p->nlines == 0, &waits, &len);
        if (line) {
            if (!blank(line, len))
                take_line(p, info, in.number, line, len);
            if (p->nlines < BATCH_ROWS)
                continue;
        }
        if (p->nlines && (s = flush(p, fn, info, &failed, &err)) != WX_OK)
            break;
        if (!line && !waits)
            break;
    }
    int rc = CLI_EXIT_OK;
    if (s != WX_OK) {
        cli_error_in_registry(&err, db);
        rc = cli_exit_code(s);
    } else if (in.error || !in.eof) {
        cli_error(WX_EIO, "reading stdin: %s",
                  in.error ? strerror(in.error) : "out of host memory");
        rc = CLI_EXIT_FAILED;
    } else if (failed) {
        rc = CLI_EXIT_FAILED;
    }
    free(in.buf);
    free(p->vals);
    free(p);
    return rc;
}

int cli_call_batch(struct wx_manager *m, const char *db, const char *func)
{
    wx_error err;
    wx_error_clear(&err);
    wx_fn *fn = wx_fn_get(m, NULL, func, &err);
    wx_function_info info;
    wx_status s = fn ? wx_fn_describe(fn, &info, &err) : err.status;
    int rc;
    if (s != WX_OK) {
        cli_error_in_registry(&err, db);
        rc = cli_exit_code(s);
    } else {
        rc = run_rows(fn, &info, db);
    }
    wx_fn_free(fn);
    return rc;
}
