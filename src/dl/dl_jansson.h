/*
 * jansson, loaded on first need (dl.h). Include this instead of
 * <jansson.h>. `wasmext run` parses no JSON, and mapping and relocating
 * libjansson before main cost every process about 0.04 ms, the largest
 * part of what `run` of an empty module paid beyond wasm3 (docs/design.md,
 * "Start-up").
 *
 * Unlike the other libraries here, JSON is used in too many places for an
 * explicit wxdl_jansson_load() before each first use, so the first call
 * of any listed function loads the library. jansson is a dependency of
 * every install (the package, `make deps`), so a failure is what the
 * dynamic loader would have reported at start-up: a message naming the
 * library and the package, and exit status 127.
 *
 * jansson's static inline functions (json_decref, json_object_set) call
 * the library by its own names, so they are replaced below by the same
 * few lines calling through the table. The list is every jansson function
 * wasmext calls; a call of one not listed does not link. Keep it sorted.
 */
#ifndef WX_DL_JANSSON_H
#define WX_DL_JANSSON_H

#include "dl.h"

#include <jansson.h>

#define WXDL_JANSSON_FUNCS(X) \
    X(JANSSON, json_array) \
    X(JANSSON, json_array_append_new) \
    X(JANSSON, json_array_get) \
    X(JANSSON, json_array_remove) \
    X(JANSSON, json_array_size) \
    X(JANSSON, json_delete) \
    X(JANSSON, json_dump_callback) \
    X(JANSSON, json_dumps) \
    X(JANSSON, json_false) \
    X(JANSSON, json_integer) \
    X(JANSSON, json_integer_value) \
    X(JANSSON, json_load_file) \
    X(JANSSON, json_loadb) \
    X(JANSSON, json_loads) \
    X(JANSSON, json_null) \
    X(JANSSON, json_object) \
    X(JANSSON, json_object_clear) \
    X(JANSSON, json_object_get) \
    X(JANSSON, json_object_iter) \
    X(JANSSON, json_object_iter_key) \
    X(JANSSON, json_object_iter_next) \
    X(JANSSON, json_object_iter_value) \
    X(JANSSON, json_object_key_to_iter) \
    X(JANSSON, json_object_set_new) \
    X(JANSSON, json_object_size) \
    X(JANSSON, json_object_update) \
    X(JANSSON, json_pack) \
    X(JANSSON, json_real) \
    X(JANSSON, json_real_value) \
    X(JANSSON, json_string) \
    X(JANSSON, json_string_length) \
    X(JANSSON, json_string_value) \
    X(JANSSON, json_stringn) \
    X(JANSSON, json_stringn_nocheck) \
    X(JANSSON, json_true)

WXDL_DECLARE(jansson, JANSSON)

/* Set (release) once the table is filled; read (acquire) before a call. */
extern int wxdl_jansson_ready_;
/* Loads the library, or exits 127 saying why. */
void wxdl_jansson_need_(void);

static inline void *const *wxdl_jansson_table_(void)
{
    if (__builtin_expect(!__atomic_load_n(&wxdl_jansson_ready_,
                                          __ATOMIC_ACQUIRE), 0))
        wxdl_jansson_need_();
    return (void *const *)wxdl_jansson_slots;
}

#define WXDL_JANSSON_CALL_(f)                                                 \
    (*(__typeof__(f) *)wxdl_jansson_table_()[WXDL_JANSSON_##f])

#ifndef WXDL_IMPL_
#define json_array WXDL_JANSSON_CALL_(json_array)
#define json_array_append_new WXDL_JANSSON_CALL_(json_array_append_new)
#define json_array_get WXDL_JANSSON_CALL_(json_array_get)
#define json_array_remove WXDL_JANSSON_CALL_(json_array_remove)
#define json_array_size WXDL_JANSSON_CALL_(json_array_size)
#define json_delete WXDL_JANSSON_CALL_(json_delete)
#define json_dump_callback WXDL_JANSSON_CALL_(json_dump_callback)
#define json_dumps WXDL_JANSSON_CALL_(json_dumps)
#define json_false WXDL_JANSSON_CALL_(json_false)
#define json_integer WXDL_JANSSON_CALL_(json_integer)
#define json_integer_value WXDL_JANSSON_CALL_(json_integer_value)
#define json_load_file WXDL_JANSSON_CALL_(json_load_file)
#define json_loadb WXDL_JANSSON_CALL_(json_loadb)
#define json_loads WXDL_JANSSON_CALL_(json_loads)
#define json_null WXDL_JANSSON_CALL_(json_null)
#define json_object WXDL_JANSSON_CALL_(json_object)
#define json_object_clear WXDL_JANSSON_CALL_(json_object_clear)
#define json_object_get WXDL_JANSSON_CALL_(json_object_get)
#define json_object_iter WXDL_JANSSON_CALL_(json_object_iter)
#define json_object_iter_key WXDL_JANSSON_CALL_(json_object_iter_key)
#define json_object_iter_next WXDL_JANSSON_CALL_(json_object_iter_next)
#define json_object_iter_value WXDL_JANSSON_CALL_(json_object_iter_value)
#define json_object_key_to_iter WXDL_JANSSON_CALL_(json_object_key_to_iter)
#define json_object_set_new WXDL_JANSSON_CALL_(json_object_set_new)
#define json_object_size WXDL_JANSSON_CALL_(json_object_size)
#define json_object_update WXDL_JANSSON_CALL_(json_object_update)
#define json_pack WXDL_JANSSON_CALL_(json_pack)
#define json_real WXDL_JANSSON_CALL_(json_real)
#define json_real_value WXDL_JANSSON_CALL_(json_real_value)
#define json_string WXDL_JANSSON_CALL_(json_string)
#define json_string_length WXDL_JANSSON_CALL_(json_string_length)
#define json_string_value WXDL_JANSSON_CALL_(json_string_value)
#define json_stringn WXDL_JANSSON_CALL_(json_stringn)
#define json_stringn_nocheck WXDL_JANSSON_CALL_(json_stringn_nocheck)
#define json_true WXDL_JANSSON_CALL_(json_true)

/* jansson.h's inline functions, as there, calling through the table. */
static inline void wxdl_json_decref(json_t *json)
{
    if (json && json->refcount != (size_t)-1 &&
        JSON_INTERNAL_DECREF(json) == 0)
        json_delete(json);
}
#define json_decref wxdl_json_decref

static inline int wxdl_json_object_set(json_t *object, const char *key,
                                       json_t *value)
{
    return json_object_set_new(object, key, json_incref(value));
}
#define json_object_set wxdl_json_object_set
#endif

#endif
