/*
 * Calling conventions: how a configured function's typed arguments
 * (wxa_value) become a guest call and its results come back.
 *
 *   numeric  the wasm signature says it all: numbers in, numbers out.
 *   bindgen  wasmedge-bindgen 0.4 (shared/bindgen/ABI.md): arguments in
 *            guest buffers from the guest's `allocate`, a (ptr, len)
 *            record per argument, the export returns a 9-byte result
 *            descriptor. The legacy 0.1.x form (export (i32,i32)->(),
 *            results through the imports wasmedge-bindgen.return_result /
 *            return_error) is chosen by the export's signature.
 *   cstring  eKuiper 1.x: a string argument is a NUL-terminated copy in
 *            memory from the guest's `malloc`, passed as one i32 pointer;
 *            bytes as (pointer, length); a string result is a pointer to
 *            a NUL-terminated string, freed with the guest's `free`.
 *   memory   hand-written modules: the allocator, free and the shape of
 *            each value in memory as the function's config describes
 *            them (memabi.h, memory.c).
 *   extism   plugins built with Extism's PDKs: the export is () -> i32,
 *            input and output are byte blocks in a host-side memory the
 *            guest reaches through the extism:host/env imports
 *            (extism.c, docs/extism.md).
 *
 * Use: describe the function (wxa_fn), check it against the module once
 * when the plugin loads (wxa_fn_check or wxa_fn_bind), then wxa_call() on
 * any instance of that module. Guest pointers and lengths are all checked:
 * a guest that breaks the convention gets WX_EABI, never a host crash. A
 * guest that reports an error (bindgen Err) gives WX_EGUEST with "guest
 * error: <its message>"; the instance is fine after that. After any other
 * failure inside the guest, treat the instance as suspect (the pool
 * replaces it).
 *
 * Threads: a wxa_fn is read-only during calls and may be shared; the
 * instance is used by one thread at a time, as the engine requires.
 */
#ifndef WASMEXT_ABI_H
#define WASMEXT_ABI_H

#include "value.h"
#include "wasmext/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* At most this many declared parameters or results per function. */
#define WXA_MAX_VALUES WX_MAX_VALUES

/* Longest string result the cstring ABI reads (bytes before the NUL). */
#define WXA_CSTRING_MAX (16u << 20)

/* The ABIs are the public list of wasmext.h (wx_abi, wx_abi_name). */

typedef struct wxa_legacy wxa_legacy;
typedef struct wxa_memabi wxa_memabi; /* memabi.h */
typedef struct wxa_extism wxa_extism;

/*
 * A configured function. Zero-initialise (or wxa_fn_init) and set:
 *   name         the export (borrowed: keep it alive with the wxa_fn);
 *   abi;
 *   params, results with has_params / has_results when declared.
 * numeric: both optional (the signature decides; declared types must
 * travel as the signature's types). bindgen: params required; results
 * optional (the guest's type codes decide; declared ones are checked).
 * cstring: a string/json/bytes parameter or a string/json result must be
 * declared; undeclared lists come from the signature as for numeric.
 * legacy: the hub of wxa_linker_add_bindgen_legacy(), needed only for
 * bindgen 0.1.x exports. memory: params, results and the memory
 * description all required.
 * extism: at most one string/bytes/json parameter and at most one result
 * of those types (undeclared: bytes in, bytes out); `extism` is the hub
 * of wxa_linker_add_extism(), needed by every call.
 */
typedef struct wxa_fn {
    const char *name;
    wx_abi abi;
    bool has_params, has_results;
    uint32_t nparams, nresults;
    wxa_type params[WXA_MAX_VALUES];
    wxa_type results[WXA_MAX_VALUES];
    wxa_legacy *legacy;
    /* abi memory: the allocator, free and shapes (memabi.h); borrowed. */
    const wxa_memabi *memory;
    wxa_extism *extism;
    /* Private, set by wxa_fn_bind: the module it bound `fn` to, the name
     * it bound, and where the function and the exports the ABI needs sit
     * in that module's export list (WXA_NO_EXPORT: not needed), so that a
     * call on an instance of that module finds them without searching by
     * name. Rebind after changing anything but the types. */
    const wx_module *bound_;
    const char *bound_name_;
    uint32_t exports_[4]; /* wxai_export_slot order */
} wxa_fn;

#define WXA_NO_EXPORT UINT32_MAX

void wxa_fn_init(wxa_fn *fn, const char *name, wx_abi abi);
/* Declares the parameter (or result) types by name, e.g. {"string",
 * "vec<u8>"}; WX_EARG naming the bad entry otherwise. */
wx_status wxa_fn_declare(wxa_fn *fn, bool results, const char *const *names,
                         size_t n, wx_error *err);

/* Results of a call: `count` values the caller frees with
 * wxa_results_free(). The C API's wx_values, so that the framework's
 * typed calls hand them out as they are. */
typedef wx_values wxa_results;

/* The same with types as values (the config's, already parsed). */
wx_status wxa_fn_declare_types(wxa_fn *fn, bool results, const wx_type *types,
                               size_t n, wx_error *err);

void wxa_results_free(wxa_results *r);

/*
 * Checks once, at load time, that the module can run `fn`: the export
 * exists and is a function whose signature the ABI supports, declared
 * types match it, the helper exports the ABI needs (memory, allocate/
 * deallocate, malloc/free, the legacy imports) are there with the right
 * types. Errors: WX_ENOEXPORT (no such export) or WX_EINVALID, with a
 * message that starts with `where` if given (e.g. "functions[1]") and
 * names the module as `module_name` (e.g. "car.wasm"; NULL: "the
 * module"):
 *   functions[1]: "rank" is not exported by car.wasm (exports: link, score)
 * wxa_fn_check is wxa_fn_check_named with both NULL.
 */
wx_status wxa_fn_check(const wx_module *m, const wxa_fn *fn, wx_error *err);
wx_status wxa_fn_check_named(const wx_module *m, const wxa_fn *fn,
                             const char *where, const char *module_name,
                             wx_error *err);
/* Checks like wxa_fn_check_named, then fills in the parameter and result
 * types the signature implies where none were declared (numeric and
 * cstring; bindgen results stay open), so that callers know which types
 * to convert arguments to. It also records where the exports sit in `m`:
 * calls on m's instances then skip the lookups by name (a function that
 * was only checked works too, a little slower). */
wx_status wxa_fn_bind(const wx_module *m, wxa_fn *fn, const char *where,
                      const char *module_name, wx_error *err);

/* The module's function exports, comma-separated ("link, score"), cut
 * with ", ..." to fit `cap`. Returns the number of function exports. */
size_t wxa_export_list(const wx_module *m, char *buf, size_t cap);

/*
 * The numeric ABI without an instance in hand, for a caller that calls
 * the wasm function itself (the manager, through its pool's resolved
 * exports): wxa_numeric_arg_to_wasm and wxa_numeric_to_wasm turn arguments that
 * already have the bound parameter types of a bound numeric `fn`
 * (wxa_fn_bind; e.g. after the exact-fit conversion) into wasm values,
 * built in place (see wxa_value_int for why); wxa_numeric_results_bound
 * turns the wasm results into typed results by the types wxa_fn_bind
 * checked against the signature once, checking only that each value fits
 * (a bool is 0 or 1, an i8 fits in 8 bits: WX_EABI "result 1: ...").
 * Nothing of `fn` is looked up by name.
 */
static inline void wxa_value_to_wasm(const wxa_value *v, wx_wasm_val *out)
{
    switch (v->type) {
    case WXA_I8:
    case WXA_I16:
    case WXA_I32: *out = wx_wasm_i32((int32_t)v->of.i); break;
    case WXA_U8:
    case WXA_U16:
    case WXA_U32: *out = wx_wasm_i32((int32_t)(uint32_t)v->of.u); break;
    case WXA_BOOL: *out = wx_wasm_i32(v->of.b ? 1 : 0); break;
    case WXA_CHAR: *out = wx_wasm_i32((int32_t)v->of.ch); break;
    case WXA_I64: *out = wx_wasm_i64(v->of.i); break;
    case WXA_U64: *out = wx_wasm_i64((int64_t)v->of.u); break;
    case WXA_F32: *out = wx_wasm_f32(v->of.f32); break;
    default: *out = wx_wasm_f64(v->of.f64); break;
    }
}
/* Argument i (0-based, of its bound type) as the wasm value of type vt:
 * numbers as wxa_value_to_wasm makes them, in place; a v128 from bytes of
 * exactly 16 (else WX_EARG "argument <i+1>: a v128 takes exactly 16 bytes,
 * got N"), a reference from a json null only (else WX_EARG naming the
 * argument: a reference cannot come from outside the instance). */
wx_status wxa_numeric_wide_to_wasm(const wxa_value *v, size_t i,
                                   wx_valtype vt, wx_wasm_val *out,
                                   wx_error *err);
static inline wx_status wxa_numeric_arg_to_wasm(const wxa_value *v, size_t i,
                                                wx_valtype vt,
                                                wx_wasm_val *out,
                                                wx_error *err)
{
    if (__builtin_expect(v->type == WXA_BYTES || v->type == WXA_JSON, 0))
        return wxa_numeric_wide_to_wasm(v, i, vt, out, err);
    wxa_value_to_wasm(v, out);
    return WX_OK;
}
/* Every argument so, by the parameter types of signature t. */
wx_status wxa_numeric_to_wasm(const wx_functype *t, const wxa_value *args,
                              size_t n, wx_wasm_val *vals, wx_error *err);
wx_status wxa_numeric_results_bound(const wxa_fn *fn, const wx_wasm_val *res,
                                    wxa_results *out, wx_error *err);

/*
 * Runs `fn` on `inst`. Arguments are converted to the declared (or
 * implied) parameter types with the exact-fit rule first; then the ABI
 * marshals them and calls. On success `out` holds the results (the
 * caller frees them with wxa_results_free); on failure it holds nothing
 * (`out` is overwritten either way: free earlier results first). Errors:
 * WX_EARG (wrong arguments), WX_ENOEXPORT (export missing), the engine's
 * (WX_ETRAP, WX_EINTERRUPTED, WX_EEXIT, ...), WX_EGUEST (the guest's
 * error result: the instance is fine), WX_EABI (the guest broke the
 * convention). Each message names the argument, result or guest helper
 * call it is about, e.g. "argument 1: 3.5 does not fit i32 exactly" or
 * "in allocate(24): trap: unreachable".
 */
wx_status wxa_call(wx_instance *inst, const wxa_fn *fn, const wxa_value *args,
                   size_t nargs, wxa_results *out, wx_error *err);

/* ----------------------------------------------- bindgen 0.1.x legacy */

/*
 * The legacy form's results arrive through host functions the guest
 * imports (wasmedge-bindgen.return_result / return_error), so they need a
 * place to go. A wxa_legacy hub is that place: the host functions get it
 * as their env, and wxa_call() registers a per-call capture in it, keyed
 * by the instance, for the duration of the export call. The host function
 * finds the capture of its caller (wx_host_instance) and copies the
 * results into it at once (the guest frees its triple array when the
 * import returns). Instances of one linker may run on many threads at
 * once, each used by one thread at a time, so a key is never in two
 * captures; the hub's mutex guards the short list of captures in flight.
 *
 * Create one hub per linker (or share one), define the imports into the
 * linker with wxa_linker_add_bindgen_legacy, and set fn->legacy to it for
 * bindgen functions. Free the hub after the linker and its instances.
 */
wxa_legacy *wxa_legacy_new(wx_error *err);
void wxa_legacy_free(wxa_legacy *hub);
wx_status wxa_linker_add_bindgen_legacy(wx_linker *l, wxa_legacy *hub,
                                        wx_error *err);

/* ------------------------------------------------------------ Extism */

/*
 * Extism plugins (extism.c): the guest imports extism:host/env (input,
 * output, memory blocks, errors, config, variables, logging, HTTP) and
 * exports functions () -> i32. A wxa_extism hub holds what the plugin's
 * config gives every instance (extism.config values, allowed hosts, the
 * variable bound, the log sink); the host functions get it as their env.
 *
 * Each instance gets its own state on its first Extism call, kept as the
 * instance's userdata (the Extism ABI owns that slot): the variables,
 * which live as long as the instance, and the memory blocks of a call,
 * all freed when the call ends, whatever its outcome. Free the state
 * with wxa_extism_detach(inst) before freeing an instance that ran
 * Extism calls; the hub after the linker and its instances.
 */
typedef enum wxa_extism_level {
    WXA_EXTISM_TRACE,
    WXA_EXTISM_DEBUG,
    WXA_EXTISM_INFO,
    WXA_EXTISM_WARN,
    WXA_EXTISM_ERROR,
} wxa_extism_level;

/* "trace" ... "error". */
const char *wxa_extism_level_name(wxa_extism_level l);

typedef struct wxa_extism_kv {
    const char *key, *value;
} wxa_extism_kv;

/* Everything is borrowed: it must outlive the hub. */
typedef struct wxa_extism_opts {
    /* config_get's answers, sorted by key (strcmp). */
    size_t nconfig;
    const wxa_extism_kv *config;
    /* http_request may reach these hosts (glob patterns as fnmatch takes
     * them, "*.example.com"); none: every request is refused. */
    size_t nhosts;
    const char *const *allowed_hosts;
    /* The most bytes of variables (keys and values) an instance keeps;
     * 0: WXA_EXTISM_VAR_BYTES. has_max_var_bytes with 0 turns var_set
     * off, as Extism's max_var_bytes 0 does. */
    uint64_t max_var_bytes;
    bool has_max_var_bytes;
    /* The most bytes of an HTTP response body (and, apart, of its
     * headers) http_request takes; 0: WXA_EXTISM_HTTP_BYTES. */
    uint64_t max_http_response_bytes;
    /* A log_* call's message; NULL drops them. */
    void (*on_log)(void *ud, wxa_extism_level level, const uint8_t *msg,
                   size_t len);
    void *ud;
} wxa_extism_opts;

/* Extism's own default for the variables of a plugin. */
#define WXA_EXTISM_VAR_BYTES (1u << 20)
/* Our default bound on an HTTP response's body (Extism's is 50 MiB). */
#define WXA_EXTISM_HTTP_BYTES (16u << 20)
/* The most memory the blocks of one call may take. */
#define WXA_EXTISM_CALL_BYTES (64u << 20)

wxa_extism *wxa_extism_new(const wxa_extism_opts *opts, wx_error *err);
void wxa_extism_free(wxa_extism *hub);
/* Defines every extism:host/env function into `l`. */
wx_status wxa_linker_add_extism(wx_linker *l, wxa_extism *hub, wx_error *err);
/* Frees the instance's Extism state, if it has one. */
void wxa_extism_detach(wx_instance *inst);

/* ------------------------------------------------------ minimal WASI */

/*
 * A minimal wasi_snapshot_preview1 so that modules built by standard
 * toolchains (Rust wasm32-wasi, TinyGo, wasi-libc) link and run pure
 * functions: fd_write to `on_output` (fd 1 and 2; discarded without a
 * callback), environ_* and args_* (empty), proc_exit (ends the call with
 * WX_EEXIT and err->exit_code), random_get (getrandom), clock_time_get,
 * clock_res_get, and for every other preview1 function that `m` imports
 * (m may be NULL) a stub returning ENOSYS (52). Names the linker already
 * defines are left alone, so a real WASI defined earlier wins and calling
 * this again for another module adds only what is missing. `opts` (may
 * be NULL) is borrowed: it must outlive the linker.
 *
 * Temporary: src/host/wasi.c replaces it.
 */
typedef struct wxa_wasi_min_opts {
    void (*on_output)(int fd, const uint8_t *data, size_t len, void *ud);
    void *ud;
} wxa_wasi_min_opts;

wx_status wxa_linker_add_wasi_min(wx_linker *l, const wx_module *m,
                                  const wxa_wasi_min_opts *opts,
                                  wx_error *err);

#endif
