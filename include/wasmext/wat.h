/*
 * The WebAssembly text format: a text module (.wat) into the bytes of the
 * same module in the binary format, which wx_module_load() then decodes
 * and validates. The text layer knows the grammar only: an error here is
 * one of spelling ("unknown operator", "unexpected token", "undefined
 * label $l", "constant out of range"), reported as WX_EMALFORMED with a
 * message that starts with LINE:COL; whether the module is valid stays
 * the engine's question (docs/design.md, "The text format").
 */
#ifndef WASMEXT_WAT_H
#define WASMEXT_WAT_H

#include "wasmext/engine.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Converts `len` bytes of text: a `(module ...)` form (with an optional
 * $name; also the script forms `(module binary "...")` and `(module quote
 * "...")`), or a module's fields without the `(module` around them. On
 * success *out is a malloc'd binary module of *out_len bytes (the caller
 * frees it with free()). On failure returns WX_EMALFORMED (or WX_ENOMEM),
 * *out is NULL and err->message reads "LINE:COL: what is wrong".
 */
WX_API wx_status wx_wat_to_wasm(const char *text, size_t len, uint8_t **out,
                                size_t *out_len, wx_error *err);

/* True if `bytes` look like a binary module (they start with "\0asm"),
 * false if they should be read as text. */
WX_API bool wx_wat_is_binary(const uint8_t *bytes, size_t len);

/*
 * The reader of script files (.wast), first step: it cuts a script into
 * its top-level commands. A plain struct the caller keeps (on the stack):
 * where the next command is looked for, and the line and line start
 * there, so that reading a script is one pass over it.
 */
typedef struct wx_wast_reader {
    const char *text;
    size_t len;
    size_t pos;        /* where the next command is looked for */
    size_t line_start; /* offset of the line that holds pos */
    uint32_t line;     /* of pos, counting from 1 */
} wx_wast_reader;

/* A reader at the start of `text`. */
WX_API void wx_wast_reader_init(wx_wast_reader *r, const char *text,
                                size_t len);

/*
 * The next top-level S-expression: skips white space and comments, sets
 * *start and *end (one past its closing parenthesis) and *line (its
 * first line, as the spec's JSON scripts number commands), moves the
 * reader past it and returns true; false at the end of the text, or with
 * err set (WX_EMALFORMED, "LINE:COL: ...") when the text is not a
 * sequence of balanced S-expressions (the reader then stays at the end).
 */
WX_API bool wx_wast_next(wx_wast_reader *r, size_t *start, size_t *end,
                         uint32_t *line, wx_error *err);

#ifdef __cplusplus
}
#endif

#endif
