/*
 * The memory ABI (docs/memory-abi.md): for hand-written and older modules
 * that pass values through their linear memory in their own way. The
 * function's config says which exports allocate and free guest memory
 * (and with which arguments), and the shape in which each parameter and
 * the result cross:
 *
 *   value          a number, as a number (the scalar types)
 *   ptr_len        two i32 (pointer, length); a result may come packed
 *                  in one i64, pointer in the high half
 *   len_ptr        the same, length first (or in the high half)
 *   cstr           one i32 pointer to NUL-terminated bytes
 *   len_prefixed   one i32 pointer to a u32 little-endian length and
 *                  that many bytes
 *   fixed:N        result only: one i32 pointer to N bytes
 *   out_buffer:N   result only: the host allocates N bytes and passes
 *                  (pointer, N) after the other arguments; the export
 *                  returns the length it wrote, or a negative error code
 *
 * Lengths count bytes. The config layer fills a wxa_memabi from the
 * function's "memory" object; memory.c checks it against the module when
 * the plugin loads and calls with it. The spellings of shapes and helpers
 * live in memory.c only, so that the parser, the canonical writer and
 * the messages cannot drift apart.
 */
#ifndef WASMEXT_ABI_MEMABI_H
#define WASMEXT_ABI_MEMABI_H

#include "wasmext.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most bytes a memory-ABI result may have, and the largest fixed:N or
 * out_buffer:N: results are copied out of the guest, and a guest that
 * claims more is more likely broken than generous. */
#define WXA_MEMORY_RESULT_MAX (16u << 20)

/* How the guest's allocator is called: alloc(size) or alloc(size, align),
 * each returning the pointer. */
typedef enum wxa_alloc_form {
    WXA_ALLOC_NONE = 0,
    WXA_ALLOC_SIZE,
    WXA_ALLOC_SIZE_ALIGN,
} wxa_alloc_form;

/* How the guest's free is called; NONE is the config's "none". */
typedef enum wxa_free_form {
    WXA_FREE_NONE = 0,
    WXA_FREE_PTR,
    WXA_FREE_PTR_SIZE,
    WXA_FREE_PTR_SIZE_ALIGN,
} wxa_free_form;

typedef enum wxa_shape {
    WXA_SHAPE_VALUE = 0,
    WXA_SHAPE_PTR_LEN,
    WXA_SHAPE_LEN_PTR,
    WXA_SHAPE_CSTR,
    WXA_SHAPE_LEN_PREFIXED,
    WXA_SHAPE_FIXED,
    WXA_SHAPE_OUT_BUFFER,
    WXA_SHAPE_COUNT_
} wxa_shape;

/* One function's memory description. Names are borrowed (the config owns
 * them). */
typedef struct wxa_memabi {
    const char *alloc_name; /* NULL when alloc is NONE */
    wxa_alloc_form alloc;
    const char *free_name; /* NULL when free is NONE */
    wxa_free_form free;
    uint32_t align; /* passed to the helpers that take one; 1 by default */
    /* Whether the host gives back, with free, the buffers it allocated
     * for arguments (false: the guest takes them over) and the buffer a
     * pointer result points to (false: the guest keeps it, e.g. static
     * memory). The out buffer is always the host's: freed when free is
     * not NONE. */
    bool free_params, free_result;
    uint32_t nparams; /* the function's params, one shape each */
    wxa_shape params[WX_MAX_VALUES];
    wxa_shape result;
    uint32_t result_size; /* fixed:N and out_buffer:N: N */
} wxa_memabi;

/* ------------------------------------------------------ the vocabulary */

/*
 * Parses a helper's spelling: "NAME(size)" or "NAME(size, align)" for the
 * allocator (is_free false, *form a wxa_alloc_form); "NAME(ptr)",
 * "NAME(ptr, size)", "NAME(ptr, size, align)" or "none" for free (a
 * wxa_free_form; "none" gives WXA_FREE_NONE and *name_len 0). On success
 * the export's name is text[0, *name_len). False with the reason in `why`.
 */
bool wxa_memabi_parse_helper(const char *text, bool is_free, size_t *name_len,
                             int *form, char *why, size_t cap);
/* The spelling back: "allocate(size)", "none". */
void wxa_memabi_helper_text(const char *name, bool is_free, int form,
                            char *buf, size_t cap);
/* The argument list of a form: "(size)", "(ptr, size, align)". */
const char *wxa_memabi_helper_args(bool is_free, int form);

/* Parses a shape's spelling ("ptr_len", "fixed:16"); `result` allows the
 * result-only shapes. False with the reason in `why`. */
bool wxa_memabi_parse_shape(const char *text, bool result, wxa_shape *shape,
                            uint32_t *size, char *why, size_t cap);
void wxa_memabi_shape_text(wxa_shape s, uint32_t size, char *buf, size_t cap);
/* Whether the result shape points at a guest buffer the host may free. */
bool wxa_memabi_result_in_guest(wxa_shape s);
/* The shape a parameter of type t takes when the config names none:
 * value for scalars, ptr_len for string, bytes and json. */
wxa_shape wxa_memabi_default_shape(wx_type t);

/*
 * Checks the description against the function's declared types: one
 * shape per parameter, each able to carry its type, a result shape that
 * fits the results, an allocator when a shape needs the host to allocate,
 * a free for what the host is to free, an align that is a power of two.
 * False with the field (relative to the function: "memory.params[1]") in
 * `field` and the reason in `why`.
 */
bool wxa_memabi_validate(const wxa_memabi *ma, const wx_type *params,
                         uint32_t nparams, const wx_type *results,
                         uint32_t nresults, char *field, size_t fcap,
                         char *why, size_t wcap);

#endif
