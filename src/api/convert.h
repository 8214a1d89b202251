/*
 * The converters of include/wasmext.h at the jansson level, for the doors
 * that already hold a parsed document (the REST daemon's request bodies
 * and replies, the eKuiper adapter's messages): values and snapshots to
 * json_t and back without dumping to text and parsing again. The public
 * text converters are made from these.
 */
#ifndef WX_API_CONVERT_H
#define WX_API_CONVERT_H

#include "wasmext.h"

#include "dl_jansson.h"

/* A JSON array of arguments to values of fn's parameter types (owned by
 * *out). WX_EARG naming the argument; the count is checked first. */
wx_status wxc_values_from_json(const wx_function_info *fn, const json_t *arr,
                               wx_values *out, wx_error *err);
/* Whether `n` arguments suit fn: WX_EARG "add: expected 2 arguments, got
 * 1" otherwise. */
wx_status wxc_check_count(const wx_function_info *fn, size_t n,
                          wx_error *err);
/* The same into `out`, which has room for fn->nparams values (a row of a
 * batch, in place in the batch's argument array); on failure nothing is
 * left to free. */
wx_status wxc_row_from_json(const wx_function_info *fn, const json_t *arr,
                            wx_value *out, wx_error *err);
/* Values as a new JSON array; NULL with err set (out of memory). */
json_t *wxc_values_to_json(const wx_value *v, size_t n, wx_error *err);
/* One plugin of a snapshot as an object (docs/rest.md's shape: the
 * detail and check parts only when the snapshot has them). */
json_t *wxc_plugin_to_json(const wx_plugin_info *p, unsigned what);
/* A function's description as an object. */
json_t *wxc_function_to_json(const wx_function_info *f);
/* An export's kind as the JSON reports and the CLI write it: "func",
 * "table", "memory", "global". */
const char *wxc_kind_name(wx_externkind k);
/* "ok" or "error: <reason>". */
json_t *wxc_status_json(const wx_plugin_info *p);

#endif
