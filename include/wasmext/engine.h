/*
 * wasmext engine: a WebAssembly 2.0 runtime, with tail calls and extended
 * constant expressions of 3.0 (decoder, validator, compiler to
 * register-style internal code, interpreter).
 *
 * Lifecycle, as in WAMR:
 *   wx_module_load()    bytes -> decoded, validated and compiled module.
 *                        A module is immutable: share it between threads.
 *   wx_linker_*()       a set of named imports (host functions, memories,
 *                        tables, globals, and whole instances under a name).
 *   wx_instantiate()    module + linker -> instance (memory, globals, tables,
 *                        segments, start function).
 *   wx_call()           call an exported function with typed values.
 *
 * Threads: a module may be used by any number of threads at once. An
 * instance (and everything it owns) must be used by one thread at a time;
 * the only exception is wx_instance_interrupt(), which any thread may call.
 *
 * Errors: every fallible function takes an optional caller-owned wx_error
 * (NULL is allowed) and returns a status (or NULL). There is no global
 * "last error".
 *
 * Ownership: the caller frees what it creates with the matching _free. An
 * instance must outlive every instance that imported something from it; a
 * linker must outlive the instances created through it (host functions,
 * memories, tables and globals made with wx_*_new belong to the linker they
 * were defined in once defined, or to the caller until then).
 */
#ifndef WASMEXT_ENGINE_H
#define WASMEXT_ENGINE_H

#include "wasmext/defaults.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define WX_API __declspec(dllexport)
#else
#define WX_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------- errors */

/* One list gives each status its enum value, name and message. */
#define WX_STATUS_LIST(X)                                                     \
    X(WX_OK, "ok", "success")                                                 \
    X(WX_ENOMEM, "nomem", "out of host memory")                               \
    X(WX_EMALFORMED, "malformed", "malformed module")                         \
    X(WX_EINVALID, "invalid", "invalid module")                               \
    X(WX_EUNLINKABLE, "unlinkable", "unlinkable module")                      \
    X(WX_ETRAP, "trap", "trap")                                               \
    X(WX_EINTERRUPTED, "interrupted", "call interrupted")                     \
    X(WX_ENOEXPORT, "noexport", "not exported by the module")                 \
    X(WX_EARG, "arg", "bad argument")                                         \
    X(WX_ELIMIT, "limit", "limit exceeded")                                   \
    X(WX_EHOST, "host", "host function failed")                               \
    X(WX_EEXIT, "exit", "guest exited")                                       \
    X(WX_EIO, "io", "input/output error")                                     \
    X(WX_EEXIST, "exists", "already exists")                                  \
    X(WX_EBUSY, "busy", "all instances busy")                                 \
    X(WX_ETIMEOUT, "timeout", "call timed out")                               \
    X(WX_EGUEST, "guest", "guest returned an error")                          \
    X(WX_EABI, "abi", "guest broke the calling convention")                   \
    X(WX_ENOPLUGIN, "noplugin", "no such plugin or function registered")    \
    X(WX_EEXCEPTION, "exception", "uncaught exception")

typedef enum wx_status {
#define WX_STATUS_ENUM_(e, n, m) e,
    WX_STATUS_LIST(WX_STATUS_ENUM_)
#undef WX_STATUS_ENUM_
        WX_STATUS_COUNT_
} wx_status;

/* Trap kinds, with the spec test suite's wording as the message. */
#define WX_TRAP_LIST(X)                                                       \
    X(WX_TRAP_NONE, "none", "no trap")                                        \
    X(WX_TRAP_UNREACHABLE, "unreachable", "unreachable")                      \
    X(WX_TRAP_MEMORY_OOB, "memory_oob", "out of bounds memory access")        \
    X(WX_TRAP_TABLE_OOB, "table_oob", "out of bounds table access")           \
    X(WX_TRAP_UNDEFINED_ELEMENT, "undefined_element", "undefined element")    \
    X(WX_TRAP_UNINITIALIZED_ELEMENT, "uninitialized_element",                 \
      "uninitialized element")                                                \
    X(WX_TRAP_INDIRECT_TYPE, "indirect_call_type",                            \
      "indirect call type mismatch")                                          \
    X(WX_TRAP_DIV_ZERO, "div_by_zero", "integer divide by zero")              \
    X(WX_TRAP_INT_OVERFLOW, "int_overflow", "integer overflow")               \
    X(WX_TRAP_INVALID_CONVERSION, "invalid_conversion",                       \
      "invalid conversion to integer")                                        \
    X(WX_TRAP_STACK_EXHAUSTED, "stack_exhausted", "call stack exhausted")     \
    X(WX_TRAP_NULL_REFERENCE, "null_reference", "null reference")             \
    X(WX_TRAP_HOST, "host", "host function trapped")                          \
    X(WX_TRAP_NULL_FUNC_REF, "null_func_ref", "null function reference")    \
    /* Garbage collection (3.0). */                                           \
    X(WX_TRAP_NULL_STRUCT, "null_struct_ref", "null structure reference")    \
    X(WX_TRAP_NULL_ARRAY, "null_array_ref", "null array reference")          \
    X(WX_TRAP_NULL_I31, "null_i31_ref", "null i31 reference")                \
    X(WX_TRAP_ARRAY_OOB, "array_oob", "out of bounds array access")          \
    X(WX_TRAP_CAST, "cast_failure", "cast failure")                          \
    X(WX_TRAP_GC_HEAP, "gc_heap_exhausted",                                   \
      "GC heap exhausted (memory budget or heap cap)")

typedef enum wx_trap {
#define WX_TRAP_ENUM_(e, n, m) e,
    WX_TRAP_LIST(WX_TRAP_ENUM_)
#undef WX_TRAP_ENUM_
        WX_TRAP_COUNT_
} wx_trap;

#define WX_NO_INDEX UINT32_MAX

/*
 * A caller-owned error. Plain struct so callers can keep it on the stack.
 * `offset` is a byte offset into the module binary for load errors, and the
 * offset of the trapping instruction within the module binary for traps.
 * `func_index` names the function (WX_NO_INDEX when not applicable).
 */
typedef struct wx_error {
    wx_status status;
    wx_trap trap;
    uint32_t func_index;
    uint32_t offset;
    int exit_code; /* for WX_EEXIT */
    char message[320];
} wx_error;

WX_API const char *wx_status_name(wx_status s);
WX_API const char *wx_status_message(wx_status s);
WX_API const char *wx_trap_name(wx_trap t);
WX_API const char *wx_trap_message(wx_trap t);
/* Sets status and a printf-style message; safe with err == NULL. */
WX_API wx_status wx_error_set(wx_error *err, wx_status s, const char *fmt,
                              ...) __attribute__((format(printf, 3, 4)));
WX_API void wx_error_clear(wx_error *err);

/* ---------------------------------------------------------------- values */

typedef enum wx_valtype {
    WX_I32 = 0x7F,
    WX_I64 = 0x7E,
    WX_F32 = 0x7D,
    WX_F64 = 0x7C,
    WX_V128 = 0x7B,
    WX_FUNCREF = 0x70,   /* (ref null func) */
    WX_EXTERNREF = 0x6F, /* (ref null extern) */
    /* exnref = (ref null exn) (exception handling, WebAssembly 3.0): a
     * caught exception, only ever made by the guest (catch_ref); NULL is
     * ref.null exn. */
    WX_EXNREF = 0x69,
} wx_valtype;

/*
 * Reference types (WebAssembly 3.0, typed function references). A
 * wx_valtype is a 32-bit code; the codes above keep their meaning, and a
 * reference type (ref null? ht) is encoded as
 *
 *   bits 0..7   the abstract heap type's binary code (WX_HEAP_FUNC ...),
 *               0 for a concrete heap type
 *   bit 8       WX_REF_NONNULL: (ref ht) rather than (ref null ht)
 *   bit 9       WX_REF_CONCRETE: the heap type is a type index
 *   bits 10..31 that type index (within the module that declares the type)
 *
 * so (ref null func) is exactly WX_FUNCREF, (ref null extern) exactly
 * WX_EXTERNREF and (ref null exn) 0x69, the shorthands' binary bytes.
 * Values stay 8-byte slots: a function reference is a wx_wasm_func*, any
 * other reference an opaque pointer, and null is 0. At the C API, values
 * of a typed reference type carry the top type of their family
 * (WX_FUNCREF, WX_EXTERNREF), so that `type == WX_FUNCREF` keeps working.
 */
#define WX_REF_NONNULL 0x100u
#define WX_REF_CONCRETE 0x200u
#define WX_REF_INDEX_SHIFT 10
#define WX_REF_MAX_INDEX ((1u << 22) - 1)

/* Abstract heap types, by their binary codes. */
enum {
    WX_HEAP_EXN = 0x69,
    WX_HEAP_ARRAY = 0x6A,
    WX_HEAP_STRUCT = 0x6B,
    WX_HEAP_I31 = 0x6C,
    WX_HEAP_EQ = 0x6D,
    WX_HEAP_ANY = 0x6E,
    WX_HEAP_EXTERN = 0x6F,
    WX_HEAP_FUNC = 0x70,
    WX_HEAP_NONE = 0x71,
    WX_HEAP_NOEXTERN = 0x72,
    WX_HEAP_NOFUNC = 0x73,
    WX_HEAP_NOEXN = 0x74,
};

/* Whether t is a reference type (of any heap type, nullable or not). */
static inline int wx_is_ref(wx_valtype t)
{
    uint32_t u = (uint32_t)t;
    if (u & WX_REF_CONCRETE)
        return 1;
    u &= ~WX_REF_NONNULL;
    return u >= WX_HEAP_EXN && u <= WX_HEAP_NOEXN;
}
static inline int wx_ref_nullable(wx_valtype t)
{
    return !((uint32_t)t & WX_REF_NONNULL);
}
/* The heap type: an abstract code, or WX_REF_CONCRETE | index << shift. */
static inline uint32_t wx_ref_heap(wx_valtype t)
{
    return (uint32_t)t & ~WX_REF_NONNULL;
}
static inline int wx_ref_concrete(wx_valtype t)
{
    return ((uint32_t)t & WX_REF_CONCRETE) != 0;
}
static inline uint32_t wx_ref_index(wx_valtype t)
{
    return (uint32_t)t >> WX_REF_INDEX_SHIFT;
}
/* (ref null? heap) from a heap type as wx_ref_heap returns it. */
static inline wx_valtype wx_ref_type(uint32_t heap, int nullable)
{
    return (wx_valtype)(heap | (nullable ? 0u : WX_REF_NONNULL));
}
static inline uint32_t wx_heap_index(uint32_t type_index)
{
    return WX_REF_CONCRETE | (type_index << WX_REF_INDEX_SHIFT);
}

typedef struct wx_wasm_func wx_wasm_func;         /* a function instance */
typedef struct wx_memory wx_memory;     /* a linear memory */
typedef struct wx_table wx_table;       /* a table of references */
typedef struct wx_global wx_global;     /* a global variable */
typedef struct wx_module wx_module;     /* immutable compiled module */
typedef struct wx_instance wx_instance; /* module instance */
typedef struct wx_linker wx_linker;     /* named imports */
typedef struct wx_tag wx_tag;           /* an exception tag */

/*
 * A typed value. References: funcref holds a wx_wasm_func* (NULL is ref.null);
 * externref holds an opaque host pointer (NULL is ref.null). v128 holds its
 * 16 bytes as memory would (lane 0 first, each lane little-endian), as
 * arguments and results of wx_call and host functions and in globals.
 */
typedef struct wx_wasm_val {
    wx_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        wx_wasm_func *func;
        void *ext;
        uint8_t v128[16];
    } of;
} wx_wasm_val;

/* On little-endian hosts the 32-bit constructors fill the 8 bytes with one
 * store: a zero store followed by a narrower one makes the next 8-byte read
 * (wx_call's) miss store forwarding, which costs more than a whole call. */
static inline wx_wasm_val wx_wasm_i32(int32_t v)
{
    wx_wasm_val x;
    x.type = WX_I32;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x.of.i64 = (int64_t)(uint32_t)v;
#else
    x.of.i64 = 0;
    x.of.i32 = v;
#endif
    return x;
}
static inline wx_wasm_val wx_wasm_i64(int64_t v)
{
    wx_wasm_val x;
    x.type = WX_I64;
    x.of.i64 = v;
    return x;
}
static inline wx_wasm_val wx_wasm_f32(float v)
{
    wx_wasm_val x;
    x.type = WX_F32;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t bits;
    __builtin_memcpy(&bits, &v, 4);
    x.of.i64 = (int64_t)bits;
#else
    x.of.i64 = 0;
    x.of.f32 = v;
#endif
    return x;
}
static inline wx_wasm_val wx_wasm_f64(double v)
{
    wx_wasm_val x;
    x.type = WX_F64;
    x.of.f64 = v;
    return x;
}

WX_API const char *wx_valtype_name(wx_valtype t);

/* A function signature. Arrays are owned by whoever made the type. */
typedef struct wx_functype {
    uint32_t nparams, nresults;
    const wx_valtype *params;
    const wx_valtype *results;
} wx_functype;

typedef struct wx_limits {
    uint64_t min;
    uint64_t max; /* valid only if has_max */
    bool has_max;
    /* 64-bit addresses (WebAssembly 3.0, memory64 and table64): the
     * memory's addresses, or the table's indices, are i64 instead of i32,
     * and the limits may go past 2^32. A 64-bit memory or table matches
     * only a 64-bit import. Zero-initialised: 32-bit, as before. */
    bool addr64;
} wx_limits;

typedef enum wx_externkind {
    WX_EXTERN_FUNC = 0,
    WX_EXTERN_TABLE = 1,
    WX_EXTERN_MEMORY = 2,
    WX_EXTERN_GLOBAL = 3,
    WX_EXTERN_TAG = 4, /* an exception tag (WebAssembly 3.0) */
} wx_externkind;

/* "function", "table", "memory" or "global", as error messages say it. */
WX_API const char *wx_externkind_name(wx_externkind k);

/* Description of an import or export (pointers valid while the module is). */
typedef struct wx_externdesc {
    const char *module; /* imports only; NULL for exports */
    const char *name;
    size_t name_len;           /* names may contain U+0000 */
    wx_externkind kind;
    wx_functype func;          /* WX_EXTERN_FUNC; WX_EXTERN_TAG: the
                                  tag's type (its params are the payload) */
    wx_valtype elem;           /* WX_EXTERN_TABLE: element type */
    wx_limits limits;          /* WX_EXTERN_TABLE, WX_EXTERN_MEMORY */
    wx_valtype global_type;    /* WX_EXTERN_GLOBAL */
    bool global_mutable;       /* WX_EXTERN_GLOBAL */
} wx_externdesc;

/* A resolved extern: one of the four handles, tagged. */
typedef struct wx_extern {
    wx_externkind kind;
    union {
        wx_wasm_func *func;
        wx_table *table;
        wx_memory *memory;
        wx_global *global;
        wx_tag *tag; /* owned by its instance; identity is the pointer */
    } of;
} wx_extern;

/* --------------------------------------------------------------- modules */

typedef struct wx_load_opts {
    /* WX_LOAD_* flags or 0; zero-initialise (other fields may come). */
    uint32_t flags;
} wx_load_opts;

/* Keep the bytes of every custom section for wx_module_custom_section().
 * Without it a module keeps only the "name" section: debug sections are
 * often most of a binary, and copying them costs every load. */
#define WX_LOAD_KEEP_CUSTOM_SECTIONS 0x1u
/* Validate by the WebAssembly 2.0 rules: without it a module may also use
 * the WebAssembly 3.0 features the engine implements, tail calls
 * (return_call, return_call_indirect) and extended constant expressions
 * (i32/i64 add, sub and mul, and global.get of earlier immutable globals
 * of the module itself). Every 2.0 module loads either way; the flag
 * refuses what only 3.0 allows (the 2.0 spec suite, which tests those
 * refusals, runs with it). */
#define WX_LOAD_WASM2 0x2u

/*
 * Decode, validate and compile. The module keeps no pointer into `bytes`:
 * it copies what it needs (data segments, the name section) and compiles
 * the code, so the caller may free the bytes as soon as this returns.
 * Errors: WX_EMALFORMED (binary format) or WX_EINVALID (type checking),
 * with the byte offset and the section or function; WX_EARG for unknown
 * flags in `opts` (which may be NULL).
 */
WX_API wx_module *wx_module_load(const uint8_t *bytes, size_t len,
                                 const wx_load_opts *opts, wx_error *err);
WX_API void wx_module_free(wx_module *m);

WX_API uint32_t wx_module_import_count(const wx_module *m);
WX_API bool wx_module_import(const wx_module *m, uint32_t i,
                             wx_externdesc *out);
WX_API uint32_t wx_module_export_count(const wx_module *m);
/* Whether the module has a start function (its start section): an
 * instance made with defer_start then has guest code to run in
 * wx_instance_start. */
WX_API bool wx_module_has_start(const wx_module *m);
WX_API bool wx_module_export(const wx_module *m, uint32_t i,
                             wx_externdesc *out);
/* Memory `index` of the module's memory index space (the imported ones
 * first; several since WebAssembly 3.0): its declared limits and whether
 * it is imported. False past the last. */
WX_API bool wx_module_memory(const wx_module *m, uint32_t index,
                             wx_limits *limits, bool *imported);
/* Name of function `func_index` from the name section, or NULL. */
WX_API const char *wx_module_func_name(const wx_module *m,
                                       uint32_t func_index);
/* Custom section by name (the first of that name); false if absent or not
 * kept: without WX_LOAD_KEEP_CUSTOM_SECTIONS only "name" is kept. Every
 * custom section was checked at load (its name is UTF-8) either way. */
WX_API bool wx_module_custom_section(const wx_module *m, const char *name,
                                     const uint8_t **data, size_t *len);

/* ------------------------------------------------------- host functions */

typedef struct wx_host_ctx wx_host_ctx;

/*
 * A host function. `args` and `results` follow the function's type. Return
 * WX_OK, or an error status (WX_ETRAP with err->trap set, WX_EEXIT for
 * proc_exit, WX_EHOST...) to abort the guest call; fill `err` via ctx.
 */
typedef wx_status (*wx_host_fn)(wx_host_ctx *ctx, const wx_wasm_val *args,
                                wx_wasm_val *results, void *env);

/* The instance whose code called the host function (may be NULL when the
 * host function was called directly through wx_call). */
WX_API wx_instance *wx_host_instance(wx_host_ctx *ctx);
/* Memory 0 of the calling instance, or NULL. */
WX_API wx_memory *wx_host_memory(wx_host_ctx *ctx);
/* The error object of the running call, to explain a failure. */
WX_API wx_error *wx_host_error(wx_host_ctx *ctx);

/* Standalone externs (e.g. the spec's `spectest` module, WASI). */
WX_API wx_wasm_func *wx_wasm_func_new_host(const wx_functype *type, wx_host_fn fn,
                                 void *env, wx_error *err);
WX_API wx_memory *wx_memory_new(wx_limits limits, wx_error *err);
WX_API wx_table *wx_table_new(wx_valtype elem, wx_limits limits,
                              wx_error *err);
WX_API wx_global *wx_global_new(wx_wasm_val value, bool mutable_, wx_error *err);
/* Frees a standalone extern that was never given to a linker. */
WX_API void wx_extern_free(wx_extern ext);

/* --------------------------------------------------------------- linker */

WX_API wx_linker *wx_linker_new(wx_error *err);
WX_API void wx_linker_free(wx_linker *l);
/* Defines module.name; the linker takes ownership of standalone externs.
 * Redefining a name replaces it. */
WX_API wx_status wx_linker_define(wx_linker *l, const char *module,
                                  const char *name, wx_extern ext,
                                  wx_error *err);
/* Convenience: a host function. */
WX_API wx_status wx_linker_define_func(wx_linker *l, const char *module,
                                       const char *name,
                                       const wx_functype *type,
                                       wx_host_fn fn, void *env,
                                       wx_error *err);
/* Makes every export of `inst` importable as module_name.export_name (the
 * spec's `register`). The instance stays owned by the caller. */
WX_API wx_status wx_linker_define_instance(wx_linker *l,
                                           const char *module_name,
                                           wx_instance *inst, wx_error *err);
WX_API bool wx_linker_lookup(const wx_linker *l, const char *module,
                             const char *name, wx_extern *out);

/* ------------------------------------------------------- memory budgets */

/*
 * A budget of guest memory shared by many instances: every linear memory
 * and table an instance defines is charged to its budget (pages x 64 KiB;
 * 8 bytes a table element) when it is made and on every grow, and
 * credited back when the instance is freed. A charge that would take the
 * sum past the limit is refused: instantiation fails with WX_ELIMIT
 * ("memory budget: ..."), memory.grow and table.grow give -1 as at their
 * maximum. This is how a host bounds the memory of all its guests
 * together, whatever each is allowed alone.
 *
 * Thread-safe (atomic counters). Reference-counted: wx_budget_new returns
 * one reference, and each instance made with the budget holds one until it
 * is freed, so the owner may release its own at any time.
 */
typedef struct wx_budget wx_budget;
typedef struct wx_budget_stats {
    uint64_t limit;   /* bytes */
    uint64_t used;    /* bytes charged now */
    uint64_t peak;    /* most ever charged at once */
    uint64_t refused; /* charges refused (failed creations and grows) */
} wx_budget_stats;

WX_API wx_budget *wx_budget_new(uint64_t limit, wx_error *err);
WX_API void wx_budget_retain(wx_budget *b);
WX_API void wx_budget_release(wx_budget *b);
/* Changes the limit; what is charged stays (it may be above the new
 * limit: then every charge is refused until enough is credited). */
WX_API void wx_budget_set_limit(wx_budget *b, uint64_t limit);
/* Adds `bytes` if the sum stays within the limit; false (and counted as
 * refused) otherwise. NULL: no budget, always true. */
WX_API bool wx_budget_charge(wx_budget *b, uint64_t bytes);
WX_API void wx_budget_credit(wx_budget *b, uint64_t bytes);
WX_API void wx_budget_stats_get(const wx_budget *b, wx_budget_stats *out);

/* ------------------------------------------------------------ instances */

typedef struct wx_instance_opts {
    /* 0: no limit beyond the module's own. Also bounds each table the
     * instance defines to as many bytes (8 per element): table.grow
     * past it gives -1, a larger declared minimum fails instantiation. */
    uint32_t max_memory_pages;
    uint32_t max_call_depth; /* 0: default (WX_DEFAULT_CALL_DEPTH) */
    uint32_t stack_slots;    /* 0: default value-stack size in 8-byte slots */
    /* Do not run the start function in wx_instantiate: the caller runs it
     * with wx_instance_start once it holds the handle, so that it can arm
     * a timeout (wx_instance_interrupt) around a start that may loop. */
    bool defer_start;
    /* The instance's first fuel budget (see wx_instance_set_fuel), which
     * the start function already draws on. 0: unlimited. */
    uint64_t fuel;
    /* The budget the instance's own memories and tables are charged to
     * (see above); NULL: none. The instance holds a reference. */
    wx_budget *budget;
} wx_instance_opts;

/* WX_DEFAULT_CALL_DEPTH: wasmext/defaults.h */

/*
 * Resolves imports through the linker (may be NULL if the module imports
 * nothing), allocates memories, tables and globals, applies element and data
 * segments and runs the start function. Errors: WX_EUNLINKABLE (missing or
 * mismatched import), WX_ETRAP (segment out of bounds, trap in start).
 * On a trap after segments were partly written, the instance is not
 * returned, but effects on imported memories/tables remain (as the spec
 * says).
 */
WX_API wx_instance *wx_instantiate(const wx_module *m, wx_linker *l,
                                   const wx_instance_opts *opts,
                                   wx_error *err);
WX_API void wx_instance_free(wx_instance *inst);
/* Runs the start function of an instance made with defer_start (WX_OK if
 * the module has none). After a trap or interrupt the instance must not be
 * used: free it. */
WX_API wx_status wx_instance_start(wx_instance *inst, wx_error *err);
WX_API const wx_module *wx_instance_module(const wx_instance *inst);

WX_API bool wx_instance_export(wx_instance *inst, const char *name,
                               wx_extern *out);
/* The same for names given by length: export names may contain U+0000. */
WX_API bool wx_instance_export_n(wx_instance *inst, const char *name,
                                 size_t len, wx_extern *out);
/* Exported function by name, or NULL. */
WX_API wx_wasm_func *wx_instance_func(wx_instance *inst, const char *name);
/*
 * Export `index` of the instance's module, counted as wx_module_export
 * counts them, without searching by name: a host that looks a name up
 * once per module (wx_module_export) reaches it on every instance of that
 * module in constant time. False if `index` is out of range.
 */
WX_API bool wx_instance_export_at(wx_instance *inst, uint32_t index,
                                  wx_extern *out);
/* Memory by index (0 for the default memory), or NULL. */
WX_API wx_memory *wx_instance_memory(wx_instance *inst, uint32_t index);
/* Bytes of guest memory the instance defines itself: its linear memories
 * (pages x 64 KiB) and tables (8 bytes an element), as a budget counts
 * them. */
WX_API uint64_t wx_instance_memory_bytes(const wx_instance *inst);

/* ------------------------------------------------- garbage collection */

/*
 * GC references (WebAssembly 3.0). Values of the `any` hierarchy (anyref,
 * eqref, i31ref, structref, arrayref, (ref $t) of a struct or array type)
 * cross wx_call, globals, tables and host functions as WX_HEAP_ANY
 * ((wx_valtype)0x6E, "anyref") holding an opaque handle in `of.ext`: NULL
 * for null, else a value the host may only inspect with the calls below
 * and pass back. Instances linked to each other (an import of another
 * instance's function, table or reference global, or of a linker's
 * standalone table or global) share a GC heap; any other has its own. A
 * handle is valid for as long as its heap lives (its instances, and the
 * linker whose tables or globals it serves), and every
 * object the host has seen (results, global and table reads, host
 * function arguments) is kept until then: a host that loops over calls
 * returning fresh objects grows the heap. The heap's objects are charged
 * to the budget of the instance that made them (wx_instance_opts.budget);
 * an allocation it refuses traps with WX_TRAP_GC_HEAP.
 */
typedef enum wx_anyref_kind {
    WX_ANYREF_NULL,
    WX_ANYREF_I31,
    WX_ANYREF_STRUCT,
    WX_ANYREF_ARRAY,
    WX_ANYREF_HOST /* a host pointer made an anyref (any.convert_extern) */
} wx_anyref_kind;

WX_API wx_anyref_kind wx_anyref_kind_of(const void *ref);
/* The value of an i31 reference, sign-extended from 31 bits. */
WX_API int32_t wx_anyref_i31(const void *ref);
/* The host pointer of a WX_ANYREF_HOST reference. */
WX_API void *wx_anyref_host(const void *ref);
/* A host pointer as an anyref of inst's heap (any.convert_extern, so
 * NULL stays NULL); WX_ELIMIT when the heap refuses the bytes. */
WX_API wx_status wx_anyref_from_host(wx_instance *inst, void *host,
                                     void **out, wx_error *err);

typedef struct wx_gc_stats {
    uint64_t live_objects; /* objects in the heap (not yet collected) */
    uint64_t live_bytes;   /* their bytes, headers included */
    uint64_t collections;  /* collections run so far */
} wx_gc_stats;

/* The statistics of the heap inst uses. */
WX_API void wx_gc_stats_get(const wx_instance *inst, wx_gc_stats *out);
/* Collects inst's heap now (no call may be running on it). */
WX_API void wx_gc_collect(wx_instance *inst);

/* Any thread may call this: the running (or next) call on this instance
 * stops with WX_EINTERRUPTED soon after (the flag is read at a call's
 * start and then once per 256 units of fuel: taken branches, calls and
 * chunks of bulk operations, see Fuel below; a host function may read it
 * with wx_instance_interrupted). The flag stays set until
 * wx_instance_clear_interrupt(). */
WX_API void wx_instance_interrupt(wx_instance *inst);
WX_API void wx_instance_clear_interrupt(wx_instance *inst);
/* Whether the flag is set: for a host function that waits (a sleep, a
 * read), so that it gives up when its caller's instance is interrupted
 * instead of holding the call past its timeout. */
WX_API bool wx_instance_interrupted(const wx_instance *inst);

/*
 * Fuel: a deterministic bound on how much a guest runs, so that an endless
 * loop stops the same way on every machine, without a clock or a thread.
 *
 * One unit is charged for each call (the host's call into the guest, a
 * wasm call, call_indirect, a tail call, a call of a host function or
 * into another instance) and for each taken branch of the compiled code:
 * a loop's back-edge, a br, br_if or br_table that jumps, and the jumps
 * that if/else and some br_ifs compile to. Bulk operations cost in
 * proportion to their size: memory.fill, memory.copy and memory.init one
 * unit per full 64 KiB, table.fill, table.copy, table.init and table.grow
 * one unit per full 4096 elements (so one of less costs nothing; a
 * table.grow that fails costs nothing); they run in chunks of that size,
 * each charged before it runs, so a long one also notices an interrupt
 * between chunks and a call stopped inside one leaves it partly done. Other
 * straight-line instructions, memory.grow and the time spent in host
 * functions cost nothing. So fuel is a bound on loop iterations, calls
 * and bulk work, not a count of instructions, and the units a given
 * function uses are the same on every run but may change with the
 * engine's compiler (forward jumps it adds or removes).
 *
 * wx_instance_set_fuel sets the units left for the calls that follow on
 * this instance (0: unlimited, the default); each call draws on them
 * (calls from the guest into another instance's functions draw on the
 * budget of the instance the host called). A call that needs a unit when
 * none is left stops with WX_ELIMIT, "fuel exhausted: all N units are
 * used" (err->func_index and err->offset say where; no trap kind). Like an
 * interrupt, that state stays: every later call on the instance fails at
 * once until wx_instance_set_fuel gives it a new budget; the guest's state
 * is as the stopped call left it. A host function may set the fuel of the
 * instance that called it; the call goes on with the new budget.
 * wx_instance_fuel_left tells the units left (UINT64_MAX when unlimited).
 * Neither may be called while a call runs on the instance from another
 * thread.
 */
WX_API void wx_instance_set_fuel(wx_instance *inst, uint64_t fuel);
WX_API uint64_t wx_instance_fuel_left(const wx_instance *inst);

/* Opaque user data, e.g. the framework's per-instance state. */
WX_API void wx_instance_set_userdata(wx_instance *inst, void *data);
WX_API void *wx_instance_userdata(const wx_instance *inst);

/* Exception objects (exception handling, 3.0) alive in this process: one
 * exists from a guest's throw until it is caught without an exnref, or
 * reaches the host (WX_EEXCEPTION), or, if an exnref named it, until the
 * instance that ran the throw is freed. For tests and monitoring. */
WX_API uint64_t wx_exceptions_live(void);

/* ---------------------------------------------------------------- calls */

WX_API const wx_functype *wx_wasm_func_type(const wx_wasm_func *f);
/*
 * Calls `f` with `nargs` arguments; writes `nresults` results. Counts and
 * types are checked against the signature (WX_EARG on mismatch). Traps give
 * WX_ETRAP with err->trap, err->func_index and err->offset set.
 */
WX_API wx_status wx_call(wx_wasm_func *f, const wx_wasm_val *args, size_t nargs,
                         wx_wasm_val *results, size_t nresults, wx_error *err);
/*
 * wx_call without its checks, for hosts that checked `f`'s signature once
 * (say when a plugin loaded) and call it many times: an ABI layer's
 * allocator calls, for instance. `slots` holds the arguments as raw
 * 64-bit values (i32 zero-extended, i64 as is, f32 and f64 as their bits
 * in the low bytes; a v128 as two consecutive slots holding its 16 bytes
 * in order) and receives the results the same way, so it must have room
 * for max(nparams, nresults) values (a v128 counting two). Calling a
 * function of any other signature than the caller checked is undefined
 * behaviour. `err` must not be NULL; it is written only on failure
 * (errors as wx_call's). GC references it returns are not pinned (see
 * "garbage collection" below): one the host keeps past the next call into
 * the instance's heap may be collected.
 */
WX_API wx_status wx_call_unchecked(wx_wasm_func *f, uint64_t *slots,
                                   wx_error *err);

/* ---------------------------------------------------------------- memory */

/* Direct access; the pointer is invalidated by any grow or guest call. */
WX_API uint8_t *wx_memory_data(wx_memory *mem);
WX_API uint64_t wx_memory_size(const wx_memory *mem); /* bytes */
WX_API uint32_t wx_memory_pages(const wx_memory *mem);
/* Bounds-checked copies; WX_EARG if [offset, offset+len) is outside. */
WX_API wx_status wx_memory_read(const wx_memory *mem, uint64_t offset,
                                void *buf, size_t len, wx_error *err);
WX_API wx_status wx_memory_write(wx_memory *mem, uint64_t offset,
                                 const void *buf, size_t len, wx_error *err);
/* Grows by `delta` pages; returns the old size in pages or -1. */
WX_API int64_t wx_memory_grow(wx_memory *mem, uint32_t delta);

/* --------------------------------------------------------- tables, globals */

WX_API uint32_t wx_table_size(const wx_table *t);
WX_API wx_valtype wx_table_elem_type(const wx_table *t);
WX_API bool wx_table_get(const wx_table *t, uint32_t i, wx_wasm_val *out);
WX_API bool wx_table_set(wx_table *t, uint32_t i, wx_wasm_val v);

WX_API wx_wasm_val wx_global_get(const wx_global *g);
WX_API wx_status wx_global_set(wx_global *g, wx_wasm_val v, wx_error *err);
WX_API bool wx_global_mutable(const wx_global *g);

#ifdef __cplusplus
}
#endif
#endif
