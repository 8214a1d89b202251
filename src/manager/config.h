/*
 * Plugin configs: parse and validate the JSON a user writes, and write it
 * back in canonical form (for the registry and `plugin show`).
 *
 *   {"name":"car","instance_num":4,
 *    "vm_config":{"engine":"interp","path":"/plugin/car.wasm"},
 *    "functions":["link",{"name":"rank","abi":"bindgen",
 *                         "params":["string"],"results":["i32"]}]}
 *
 * Every config error is WX_EARG with a message that starts with the field
 * path ("functions[1].params[0]: ...") and, where it helps, lists the
 * choices. Malformed JSON gives the line and column. Unknown keys are
 * errors at every level, so that a typo never silently drops a setting.
 *
 * A parsed config owns all its memory and is freed by wxg_config_free().
 * It is immutable after parsing, so any number of threads may read it.
 */
#ifndef WX_MANAGER_CONFIG_H
#define WX_MANAGER_CONFIG_H

#include "memabi.h" /* src/abi: the memory ABI's description */
#include "wasmext.h"

#include "dl_jansson.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Types (wx_type) and ABIs (wx_abi) are the public lists of wasmext.h:
 * one list for configs, the ABI layer and the API. */

/* Scalars that travel as one wasm number: i8 ... f64, bool, char. */
bool wxg_type_is_scalar(wx_type t);

typedef enum wxg_engine {
    WXG_ENGINE_INTERP = 0, /* our interpreter, the default */
    WXG_ENGINE_AOT,        /* accepted; not available yet */
} wxg_engine;

/* wx_wasi_output, wx_wasi_init and wx_wasi_stdin are public
 * (wasmext.h): wx_plugin_spec gives them too. */

typedef struct wxg_function {
    const char *name; /* the export name */
    wx_abi abi;
    /* Numeric functions may leave these out (the wasm signature says it
     * all), extism ones too (bytes); bindgen and cstring functions always
     * have both. */
    bool has_params, has_results;
    uint32_t nparams, nresults;
    const wx_type *params, *results;
    /* abi memory: the "memory" object, defaults filled in; else NULL. */
    const wxa_memabi *memory;
} wxg_function;

/*
 * Resource limits (docs/config.md "Limits and their defaults"). A limit the
 * config leaves out is "not set" (has_* false, value 0) and gets its
 * default from wasmext/defaults.h when the plugin is loaded: a call
 * timeout of WX_DEFAULT_TIMEOUT_MS, WX_DEFAULT_MEMORY_PAGES of memory and a
 * call depth of WX_DEFAULT_CALL_DEPTH; no fuel bound. An explicit 0 for
 * memory_pages, timeout_ms or fuel means "no limit" (has_* true, value 0).
 * The timeout and fuel also bound each instance's start function and
 * `_initialize`. wxg_limits_effective() gives what applies.
 */
typedef struct wxg_limits {
    uint32_t memory_pages; /* 1..65536; 0: unlimited (up to 4 GiB) */
    uint32_t timeout_ms;   /* 1..3600000; 0: unlimited */
    uint64_t fuel;         /* >= 1; 0: unlimited */
    uint32_t stack;        /* call depth, 16..100000; 0: not set */
    bool has_memory_pages, has_timeout_ms, has_fuel;
} wxg_limits;

/* The limits that apply: those set, defaults for the rest (0 in the result
 * means unlimited for memory_pages, timeout_ms and fuel; stack is always
 * set). The has_* flags are copied. */
wxg_limits wxg_limits_effective(const wxg_limits *set);

typedef struct wxg_wasi {
    const char *argv0; /* the guest's argv[0]; NULL: the plugin's name */
    size_t nargs;
    const char *const *args;
    size_t nenv; /* sorted by key */
    const wx_kv *env;
    size_t npreopens; /* guest path -> host path, sorted by guest path */
    const wx_kv *preopens;
    wx_wasi_stdin in;
    wx_wasi_output out, err;
    wx_wasi_init init;
} wxg_wasi;

/* The "extism" object: what Extism plugins of this config get
 * (docs/extism.md). */
typedef struct wxg_extism {
    size_t nconfig; /* extism.config, sorted by key */
    const wx_kv *config;
    size_t nhosts; /* extism.allowed_hosts: http_request may reach these */
    const char *const *allowed_hosts;
    uint64_t max_var_bytes; /* 0 with has_max_var_bytes: variables off */
    bool has_max_var_bytes;
    uint64_t max_http_response_bytes; /* 0: the default (16 MiB) */
} wxg_extism;

typedef struct wxg_block wxg_block;

typedef struct wxg_config {
    const char *name;
    uint32_t instance_num; /* 1..WX_MAX_INSTANCE_NUM (64), default 1 */
    wxg_engine engine;
    /* The config said "wasmedge", which we run as a synonym of interp;
     * kept so that `show` and the canonical JSON say so. */
    bool engine_wasmedge;
    /* The .wasm file; a relative path was resolved against the config
     * file's directory when the config came from a file. */
    const char *path;
    size_t nfuncs;
    const wxg_function *funcs;
    wxg_limits limits;
    wxg_wasi wasi;
    wxg_extism extism;
    const char *description; /* NULL when absent */
    const char *version;     /* NULL when absent */
    /* record.failed_calls: how many failed calls the plugin keeps for
     * replay (manager_record.c); 0, the default, records nothing. */
    uint32_t record_failed_calls;
    wxg_block *blocks_;      /* private: every allocation of this config */
} wxg_config;

/*
 * Parses and validates a config from JSON text (`len` bytes; the text need
 * not be NUL-terminated). `base_dir`, if not NULL, resolves relative paths
 * (vm_config.path, wasi.preopens host paths); with NULL they stay as
 * written. Returns NULL with err set (WX_EARG, WX_ENOMEM) on failure.
 */
wxg_config *wxg_config_parse(const char *json, size_t len,
                             const char *base_dir, wx_error *err);
/* The same from an already parsed JSON value (e.g. a REST body). */
/* The same from a plugin described in C (wasmext.h, wx_plugin_spec),
 * checked by the same rules; relative paths resolve against base_dir. */
wxg_config *wxg_config_from_spec(const wx_plugin_spec *spec,
                                 const char *base_dir, wx_error *err);
wxg_config *wxg_config_from_json(const json_t *root, const char *base_dir,
                                 wx_error *err);
/*
 * Reads and parses a config file; relative paths are resolved against the
 * file's directory (made absolute). Messages start with the file name.
 * WX_EIO if the file cannot be read.
 */
wxg_config *wxg_config_load(const char *file, wx_error *err);
void wxg_config_free(wxg_config *cfg);

/*
 * The canonical JSON value: fixed key order, defaults written out
 * (instance_num, engine), unset optional settings left out, functions
 * without an ABI or signature written as plain names. Parsing it gives
 * back an equal config. NULL only when out of memory.
 */
json_t *wxg_config_to_json(const wxg_config *cfg);

enum {
    WXG_DUMP_PRETTY = 1, /* indented, for people; else compact */
};
/* The canonical JSON as text (free() it), or NULL when out of memory. */
char *wxg_config_dump(const wxg_config *cfg, unsigned flags);

/* The function `name` lists, or NULL. */
const wxg_function *wxg_config_function(const wxg_config *cfg,
                                        const char *name);

/* "interp", "wasmedge (synonym of interp)" or "aot (not available yet)". */
const char *wxg_engine_label(const wxg_config *cfg);
/* False for engines we accept but cannot run yet (aot), with err set. */
bool wxg_engine_available(const wxg_config *cfg, wx_error *err);
const char *wxg_output_name(wx_wasi_output o); /* "log", ...; NULL if DEFAULT */
const char *wxg_init_name(wx_wasi_init i);     /* "_start", ...; NULL if AUTO */
const char *wxg_input_name(wx_wasi_stdin i);   /* "inherit", ...; NULL if DEFAULT */

/* True if `s` is a valid plugin name: [A-Za-z_][A-Za-z0-9_]{0,63}. */
bool wxg_name_valid(const char *s);

#endif
