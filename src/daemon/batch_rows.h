/*
 * The body of a batch call, {"rows": [[...], ...]} (POST .../batch,
 * call.c), read into rows of arguments.
 *
 * The common batch is rows of numbers for a function of numbers, and
 * there jansson would cost more than everything else together (a node and
 * an allocation per number). So a body made only of numbers is read by a
 * scanner of that one shape into a flat array of i64 and f64 values (the
 * manager's exact-fit conversion then gives them their parameter types,
 * with the same refusals and messages); anything else in the body
 * (strings, objects, escapes, a number jansson would refuse) sends the
 * whole body to jansson, which then judges it as before.
 *
 * The two readers must agree: for a body the scanner accepts, jansson
 * gives the same rows, and each row the same values (after the
 * conversion to the parameter types) or the same refusal.
 * tests/fuzz/fuzz_batch_rows.c checks that on arbitrary bodies.
 *
 * Apart from the daemon (its own header, not wxd.h), so that the fuzz
 * targets and tests link it alone.
 */
#ifndef WX_DAEMON_BATCH_ROWS_H
#define WX_DAEMON_BATCH_ROWS_H

#include "wasmext.h"

#include "dl_jansson.h"
#include <stdbool.h>
#include <stddef.h>

/* The rows as read: flat values with each row's place (the scanner), or
 * jansson's document. */
typedef struct wxd_rowset {
    size_t n;
    wx_value *nums; /* the scanner's values, row after row */
    size_t *first;  /* row i's values: nums[first[i] .. first[i+1]) */
    json_t *root;   /* jansson's document, when the scanner gave up */
    const json_t *rows;
} wxd_rowset;

void wxd_rowset_free(wxd_rowset *r);

/*
 * The scanner alone: {"rows": [[numbers], ...]} and nothing else, into
 * r->nums and r->first (r->root stays NULL). False leaves the body to
 * jansson; r may then hold a part of the rows (wxd_rowset_free it).
 * `body[len]` must be a NUL (strtod stops there), as in wxd_request.
 */
bool wxd_rows_scan(const char *body, size_t len, wxd_rowset *r);

/*
 * jansson alone: r->root and r->rows. False with WX_EARG and the message
 * of the 400 in err when the body as a whole is malformed (each row is
 * judged on its own later, by wxd_row_get).
 */
bool wxd_rows_parse(const char *body, size_t len, wxd_rowset *r,
                    wx_error *err);

/* The batch body's rows: the scanner, else jansson. `body[len]` is a
 * NUL. False as wxd_rows_parse. */
bool wxd_rows_read(const char *body, size_t len, wxd_rowset *r, wx_error *err);

/*
 * What row i holds, into `vals` (room for info->nparams): the scanner's
 * i64 and f64 values as they are (the manager converts them), jansson's
 * converted to the parameter types. WX_EARG with the reason otherwise
 * (not an array, a wrong count, a value of the wrong kind). Values from
 * jansson's path are owned by the caller (wx_value_free).
 */
wx_status wxd_row_get(const wx_function_info *info, const wxd_rowset *r,
                      size_t i, wx_value *vals, wx_error *err);

/* Whether every parameter takes a number, so that the scanner's values
 * are worth trying. */
bool wxd_rows_all_numeric(const wx_function_info *info);

#endif
