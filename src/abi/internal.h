/*
 * What the files of src/abi share and nobody else needs: numbers on their
 * way to a typed value, error messages with the argument's name, text
 * encodings (UTF-8, base64, hex), and guest-memory helpers for the ABIs.
 * Internal names start with wxai_.
 */
#ifndef WASMEXT_ABI_INTERNAL_H
#define WASMEXT_ABI_INTERNAL_H

#include "abi.h"
#include "value.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ numbers */

/* A number as its source gave it, before the exact-fit check. */
typedef enum wxai_numkind {
    WXAI_NUM_INT,   /* a signed integer */
    WXAI_NUM_UINT,  /* an unsigned integer (above INT64_MAX, say) */
    WXAI_NUM_FLOAT, /* a double */
} wxai_numkind;

typedef struct wxai_num {
    wxai_numkind kind;
    union {
        int64_t i;
        uint64_t u;
        double f;
    } of;
} wxai_num;

/* The exact-fit rule (see value.h): a number into a numeric, bool-free
 * type (integers, floats, char). Refusals say "<what>: <n> does not fit
 * <t> exactly". */
wx_status wxai_num_to_value(wxa_type t, wxai_num n, const char *what,
                            wxa_value *out, wx_error *err);
/* The number as a message shows it ("3.5", "1099511627776"). */
void wxai_num_format(wxai_num n, char *buf, size_t cap);
/* Shortest text that reads back as the same double / float. */
void wxai_format_f64(double d, char *buf, size_t cap);
void wxai_format_f32(float f, char *buf, size_t cap);

/* A value of vector type `t` with room for `n` elements (count n, the
 * elements unset) for a decoder to fill with wxai_vec_put. */
wx_status wxai_vec_new(wxa_type t, size_t n, wxa_value *out, wx_error *err);
/* Stores integer value `e` (of the element type) as element i of `v`. */
void wxai_vec_put(wxa_value *v, size_t i, const wxa_value *e);

/* Sets `err` to "<what>: <message>" (just the message when what is NULL)
 * and returns `s`. */
wx_status wxai_fail(wx_error *err, wx_status s, const char *what,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Puts `prefix` before err's message (cutting the end if need be). */
void wxai_prefix_error(wx_error *err, const char *prefix);

/* ------------------------------------------------------------ encodings */

/* Decodes one UTF-8 scalar value at s[0..len); returns the number of
 * bytes it takes, or 0 if the bytes there are not valid UTF-8. */
size_t wxai_utf8_decode(const uint8_t *s, size_t len, uint32_t *scalar);
/* Encodes a scalar value; returns 1..4 bytes, 0 if it is not one. */
size_t wxai_utf8_encode(uint32_t scalar, char out[4]);
bool wxai_is_scalar(uint64_t v);
bool wxai_utf8_valid(const uint8_t *s, size_t len);

/* A malloc'd, NUL-terminated encoding; NULL when out of memory. */
char *wxai_base64_encode(const uint8_t *data, size_t len);
char *wxai_hex_encode(const uint8_t *data, size_t len);
/* Decodes into a malloc'd buffer (NUL-terminated, not counted);
 * false with *out NULL if the text is not valid (or out of memory,
 * with *oom set). */
bool wxai_base64_decode(const char *text, size_t len, uint8_t **out,
                        size_t *out_len, bool *oom);
bool wxai_hex_decode(const char *text, size_t len, uint8_t **out,
                     size_t *out_len, bool *oom);

/* ------------------------------------------------------ guest helpers */

/* A guest's linear memory as the ABIs use it: re-read after every guest
 * call, since a call may grow (and so move) it. */
typedef struct wxai_mem {
    wx_memory *mem;
    uint8_t *base;
    uint64_t size;
} wxai_mem;

/* The memory exported as "memory", else memory 0; NULL if none. */
wx_memory *wxai_guest_memory(wx_instance *inst);
void wxai_mem_refresh(wxai_mem *m);
/* Whether [ptr, ptr+len) lies inside the memory. */
bool wxai_mem_has(const wxai_mem *m, uint64_t ptr, uint64_t len);
uint32_t wxai_le32(const uint8_t *p);
void wxai_put_le32(uint8_t *p, uint32_t v);

/* After the guest's allocator `name` returned `ptr` for `size` bytes:
 * refreshes the memory view (the allocator may have grown memory) and
 * checks that the buffer lies in memory ("allocate(8) returned 65530,
 * outside memory (65536 bytes)") and, if `null_fails`, that the allocator
 * did not return 0 for a non-empty buffer. WX_EABI otherwise. */
wx_status wxai_check_alloc(wxai_mem *m, const char *name, uint32_t size,
                           uint32_t ptr, bool null_fails, wx_error *err);

/* Calls a guest function of up to three i32 parameters and at most one i32
 * result and stores the result if it has one; the error names the call
 * ("in allocate(24): ..."). */
wx_status wxai_call_i32(wx_wasm_func *f, const char *name, const uint32_t *args,
                        size_t nargs, uint32_t *result, wx_error *err);
/* The same for a function whose type the caller has made sure of (a
 * helper checked when the function was bound or found): no type checks,
 * `err` must not be NULL and is written only on failure. */
wx_status wxai_call_known(wx_wasm_func *f, const char *name, uint32_t a0,
                          uint32_t a1, size_t nargs, uint32_t *result,
                          wx_error *err);

/* ------------------------------------------------------------ exports */

/* The exports a call reaches; wxa_fn.exports_ holds their indices in this
 * order. */
typedef enum wxai_export_slot {
    WXAI_X_FUNC,    /* fn->name */
    WXAI_X_MEMORY,  /* bindgen: "memory" */
    WXAI_X_ALLOC,   /* bindgen: allocate (i32) -> i32 */
    WXAI_X_DEALLOC, /* bindgen: deallocate (i32, i32) -> () */
} wxai_export_slot;

typedef struct wxai_exports {
    wx_wasm_func *func;            /* NULL: not exported */
    wx_memory *mem;           /* bindgen: "memory", else memory 0 */
    wx_wasm_func *alloc, *dealloc; /* bindgen: NULL if missing or mistyped */
} wxai_exports;

/* Records in fn->exports_ where its exports sit in m (after a successful
 * check against m). */
void wxai_exports_bind(const wx_module *m, wxa_fn *fn);
/* Finds fn's exports on inst: through the recorded indices if inst is an
 * instance of the module fn was bound to, else by name, keeping only
 * helpers of the right type. */
void wxai_exports_find(wx_instance *inst, const wxa_fn *fn, wxai_exports *x);

/* The wasm type a value type travels as in the numeric and cstring ABIs
 * (i8..u32, bool, char -> i32; i64, u64 -> i64; f32; f64); false for
 * strings, bytes, json and vectors. */
bool wxai_wasm_type(wxa_type t, wx_valtype *out);
/* The value type a wasm type means when nothing is declared. */
bool wxai_default_type(wx_valtype vt, wxa_type *out);
/* The numeric ABI's wider view: as wxai_default_type, and a v128 is
 * `bytes` (its 16 bytes in memory order), any reference `json` (a
 * description of the handle; only null goes in). The other ABIs keep
 * wxai_default_type, as bytes and json travel through memory there. */
bool wxai_numeric_default_type(wx_valtype vt, wxa_type *out);
/* Whether value type t travels as wasm type vt in the numeric ABI. */
bool wxai_numeric_fits(wxa_type t, wx_valtype vt);
/* Result `index` (0-based) as the value type `t`, checking it fits (an
 * i32 300 is no u8): WX_EABI "result <index+1>: ..." otherwise. */
wx_status wxai_from_wasm(wx_wasm_val w, wxa_type t, uint32_t index, wxa_value *out,
                         wx_error *err);

/* Converts argument i (0-based) to the declared type t, naming it
 * "argument i+1". A value already of type t is copied shallowly and
 * *owned is false; otherwise *out is a new value to free. */
wx_status wxai_arg(const wxa_value *arg, size_t i, wxa_type t, wxa_value *out,
                   bool *owned, wx_error *err);

/* "(i32, i32) -> i32" */
void wxai_format_functype(const wx_functype *t, char *buf, size_t cap);

/* The ABIs. */
wx_status wxai_numeric_check(const wx_module *m, const wxa_fn *fn,
                             const wx_functype *t, const char *where,
                             wx_error *err);
wx_status wxai_numeric_call(wx_instance *inst, wx_wasm_func *f, const wxa_fn *fn,
                            const wxa_value *args, size_t nargs,
                            wxa_results *out, wx_error *err);
wx_status wxai_bindgen_check(const wx_module *m, const wxa_fn *fn,
                             const wx_functype *t, const char *where,
                             wx_error *err);
wx_status wxai_bindgen_call(wx_instance *inst, const wxai_exports *x,
                            const wxa_fn *fn, const wxa_value *args,
                            size_t nargs, wxa_results *out, wx_error *err);
wx_status wxai_cstring_check(const wx_module *m, const wxa_fn *fn,
                             const wx_functype *t, const char *where,
                             wx_error *err);
wx_status wxai_cstring_call(wx_instance *inst, wx_wasm_func *f, const wxa_fn *fn,
                            const wxa_value *args, size_t nargs,
                            wxa_results *out, wx_error *err);
wx_status wxai_memory_check(const wx_module *m, const wxa_fn *fn,
                            const wx_functype *t, const char *where,
                            wx_error *err);
wx_status wxai_memory_call(wx_instance *inst, wx_wasm_func *f,
                           const wxa_fn *fn, const wxa_value *args,
                           size_t nargs, wxa_results *out, wx_error *err);

wx_status wxai_extism_check(const wx_module *m, const wxa_fn *fn,
                            const wx_functype *t, const char *where,
                            wx_error *err);
wx_status wxai_extism_call(wx_instance *inst, wx_wasm_func *f,
                           const wxa_fn *fn, const wxa_value *args,
                           size_t nargs, wxa_results *out, wx_error *err);

/* ---------------------------------------------- bindgen, shared parts */

/* A guest buffer to give back with deallocate(ptr, size) after a call. */
typedef struct wxai_gbuf {
    uint32_t ptr, size;
} wxai_gbuf;

/* Reads `count` result triples at `triples` (bindgen §1.4) from guest
 * memory: checks every pointer, length and type code, copies each value
 * into out->values (against fn's declared results, if any) and appends
 * each value buffer to frees[*nfrees] (room for WXA_MAX_VALUES). */
wx_status wxai_bindgen_decode(const wxai_mem *m, uint32_t triples,
                              uint32_t count, const wxa_fn *fn,
                              wxa_results *out, wxai_gbuf *frees,
                              size_t *nfrees, wx_error *err);
/* Copies a guest error message (bounded, control bytes replaced) into
 * err as "guest error: <msg>" with status WX_EGUEST, or WX_EABI if the
 * message is not inside memory. */
wx_status wxai_guest_error(const wxai_mem *m, uint32_t ptr, uint32_t len,
                           wx_error *err);
/* The same for a message the caller has checked already (`len` bytes at
 * `text`): always WX_EGUEST. */
wx_status wxai_guest_message(const uint8_t *text, size_t len, wx_error *err);

/* The legacy (0.1.x) call, in bindgen_legacy.c. */
wx_status wxai_bindgen_legacy_call(wx_instance *inst, wx_wasm_func *f,
                                   const wxa_fn *fn, uint32_t params,
                                   uint32_t nparams, wxa_results *out,
                                   wxai_gbuf *frees, size_t *nfrees,
                                   wx_error *err);

#endif
