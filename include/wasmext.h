/*
 * wasmext framework API: a manager of plugins (a config, a .wasm module and
 * a pool of instances each), kept in a SQLite registry that survives
 * restarts, and calls into them by function name.
 *
 *   wx_manager *m = wx_manager_open(NULL, NULL, &err);  // default registry
 *   wx_manager_add_file(m, "car.json", &err);
 *
 *   // A handle, resolved once; borrowed arguments, owned results.
 *   wx_fn *fn = wx_fn_get(m, NULL, "create_line", &err);
 *   wx_value args[3] = {wx_value_string(p1, strlen(p1)),
 *                       wx_value_string(p2, strlen(p2)),
 *                       wx_value_string("thin", 4)};
 *   wx_values res;
 *   if (wx_fn_call_values(fn, args, 3, &res, &err) == WX_OK)
 *       puts(res.values[0].of.buf.data);  // a string result, NUL-ended
 *   wx_values_free(&res);
 *   wx_fn_free(fn);
 *   wx_manager_close(m);
 *
 * Nothing crosses this API as JSON text: calls take and return wx_value,
 * reports are structs (wx_manager_plugins). The converters at the end turn
 * the doors' wire formats (JSON, command-line text) into values and back.
 *
 * Plugins. A plugin is registered (add) from its config JSON: the manager
 * reads the .wasm file the config names, loads and validates the module,
 * checks every listed function (exported, a signature its ABI supports,
 * declared types consistent with it, no name claimed by another plugin),
 * creates the instance pool, and only then stores config and bytes in the
 * registry, in one transaction. Nothing is stored when anything fails, and
 * the error names the field: `functions[1]: "rank" is not exported by
 * car.wasm (exports: link, score)`.
 *
 * Reopening loads every registered plugin from the bytes stored in the
 * registry (the .wasm file may be gone). A plugin that cannot be loaded
 * does not stop the others: it stays registered with the status
 * "error: <reason>", which list/show/check report and which calls to it
 * return.
 *
 * Hot update: wx_manager_update() replaces a plugin's config and module.
 * Calls in flight finish on the old version, calls starting after the
 * update returned use the new one, no call fails because of an update, and
 * the old version is freed after its last call. Delete works the same way:
 * calls in flight finish, later calls fail with WX_ENOPLUGIN.
 *
 * Threads: every function may be called from any number of threads at
 * once; changes (add, update, delete) are serialised among themselves but
 * never wait for calls.
 *
 * Errors: as in the engine API, every fallible function takes an optional
 * caller-owned wx_error and returns a status (or NULL). Strings returned
 * by the manager are freed with wx_free(), typed results with
 * wx_values_free().
 *
 * Functions are named "func" (unique among all plugins) or "plugin.func";
 * every call taking `plugin` and `func` also accepts plugin == NULL with
 * func written "plugin.func". A name claimed by several plugins gives
 * WX_EARG with the list of plugins to choose from.
 */
#ifndef WASMEXT_H
#define WASMEXT_H

#include "wasmext/engine.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wx_manager wx_manager; /* registry + loaded plugins */
typedef struct wx_fn wx_fn;           /* a resolved function, for wx_fn_call */

/* Frees a string returned by this API. */
WX_API void wx_free(void *p);

/* ---------------------------------------------------------------- manager */

/* Options; zero-initialise and set what you need. */
typedef struct wx_manager_opts {
    /* Open the registry read-only: add, update and delete fail with
     * WX_EARG; calls, list, show and check work. */
    bool read_only;
    /* How long a call waits for a free instance before WX_EBUSY.
     * 0: 5000 ms. */
    uint32_t wait_ms;
    /* How long a change waits for another process's registry transaction.
     * 0: 5000 ms. */
    int busy_timeout_ms;
    /* The memory budget in bytes: guest memories and tables of every
     * instance of every plugin together (wasmext/defaults.h,
     * WX_DEFAULT_MEMORY_BUDGET). 0: $WASMEXT_MEMORY_BUDGET if set (as
     * wx_memory_budget_parse reads it; a bad value fails the open), else
     * the default. At least WX_MIN_MEMORY_BUDGET. */
    uint64_t memory_budget;
    /* Bytes of guest output lines each plugin may log a second
     * (WX_DEFAULT_GUEST_LOG_RATE when 0); lines past it are dropped and
     * counted (wx_manager_show's "output"). */
    uint32_t guest_log_rate;
    /* How long an instance whose memory grew past its initial size may
     * stay idle before it is freed (and made again when a call needs
     * it). 0: WX_DEFAULT_TRIM_IDLE_MS; UINT32_MAX: never. */
    uint32_t trim_idle_ms;
    /* Load each plugin when it is first needed (a handle, a call, a
     * WX_INFO_DETAIL or WX_INFO_CHECK snapshot) instead of all of them at
     * open: for one-shot commands, which then pay for the plugins they
     * use only. Until then a plugin reports `loaded` false and no types.
     * A long-running server leaves it false, so that every plugin is
     * ready, and its status known, before the first call. */
    bool lazy;
} wx_manager_opts;

/*
 * Reads a memory budget: a number of bytes with an optional binary suffix
 * K, M, G or T (KiB, MiB...; "512M", "2G", "1073741824"), at least
 * WX_MIN_MEMORY_BUDGET. WX_EARG naming the text otherwise.
 */
WX_API wx_status wx_memory_budget_parse(const char *text, uint64_t *bytes,
                                        wx_error *err);

/* The manager's memory budget now: limit, bytes in use, peak, and how many
 * creations and grows it refused. */
WX_API void wx_manager_memory(wx_manager *m, wx_budget_stats *out);

/*
 * The registry path used when wx_manager_open() gets NULL:
 * $WASMEXT_REGISTRY (a file, or a redis:// URL, docs/fleet.md), else
 * $WASMEXT_DB, else $XDG_DATA_HOME/wasmext/registry.db, else
 * $HOME/.local/share/wasmext/registry.db. Free it with wx_free(). NULL
 * with `err` set (WX_EARG) when none of those variables is set.
 */
WX_API char *wx_manager_default_db(wx_error *err);

/* The registry path that keeps the registry in this process's memory:
 * nothing is written anywhere and everything is gone at close (a manager
 * hosting one plugin for one run, as `wasmext run` and eKuiper's plugin
 * mode do). */
#define WX_REGISTRY_MEMORY ":memory:"

/* The stores a registry path can name. */
typedef enum wx_registry_store {
    WX_STORE_FILE,   /* a SQLite file: any path not below */
    WX_STORE_MEMORY, /* WX_REGISTRY_MEMORY */
    WX_STORE_REDIS,  /* "redis://..." */
} wx_registry_store;
/* The store `path` names, as wx_manager_open reads it: for a door that
 * must not create a file that is not there, or that waits for a server
 * to come back, so that none parses registry paths on its own. */
WX_API wx_registry_store wx_registry_store_of(const char *path);

/*
 * Opens (creating it if needed) the registry at `db_path` (NULL: the
 * default above; WX_REGISTRY_MEMORY: in memory;
 * "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]": on a Redis server that
 * several processes share, docs/fleet.md) and loads every
 * registered plugin (or, with opts->lazy, each when first needed). Fails only
 * when the registry itself cannot be opened; plugins that fail to load are
 * kept with an error status. `opts` may be NULL.
 */
WX_API wx_manager *wx_manager_open(const char *db_path,
                                   const wx_manager_opts *opts, wx_error *err);
/* Closes the registry and frees every plugin. No other call into the
 * manager may be running or start (wx_fn handles excepted, see below). */
WX_API void wx_manager_close(wx_manager *m);
/* The registry's path, as messages show it: a file's path, or a Redis
 * URL with its password left out. */
WX_API const char *wx_manager_db_path(const wx_manager *m);

/*
 * Registers a plugin from config JSON text (NUL-terminated). A relative
 * vm_config.path is resolved against `base_dir` (NULL: the current
 * directory). Errors: WX_EARG (the config, with the field named),
 * WX_EIO (the .wasm cannot be read; registry errors), WX_EEXIST (a plugin
 * of that name is registered, or another plugin provides one of the
 * functions already), WX_EMALFORMED or WX_EINVALID (the module),
 * WX_ENOEXPORT or WX_EINVALID (a listed function is not exported, or its
 * signature does not suit its ABI or declared types), WX_EUNLINKABLE or
 * WX_ETRAP (instantiation).
 */
WX_API wx_status wx_manager_add(wx_manager *m, const char *config_json,
                                const char *base_dir, wx_error *err);
/* The same from a config file; relative paths are resolved against the
 * file's directory. */
WX_API wx_status wx_manager_add_file(wx_manager *m, const char *config_path,
                                     wx_error *err);
/*
 * Replaces a registered plugin (the config's name) with a new config and
 * module, checked like an add (WX_ENOPLUGIN if it is not registered). A
 * plugin in error status may be updated to repair it. Hot: see above. An
 * update identical to what is registered (the same canonical config and
 * module bytes) changes nothing: the revision stays, and calls keep their
 * version and warm instances.
 */
WX_API wx_status wx_manager_update(wx_manager *m, const char *config_json,
                                   const char *base_dir, wx_error *err);
WX_API wx_status wx_manager_update_file(wx_manager *m, const char *config_path,
                                        wx_error *err);
/*
 * Registers or replaces a plugin from a package: a zip of `len` bytes in
 * memory holding the plugin config (the one .json entry with a
 * "vm_config" key, anywhere in the zip: the zip `wasmext ekuiper pack`
 * writes is a package too) and the module its vm_config.path names,
 * relative to the config's directory in the zip. The zip is never
 * extracted; the stored config's vm_config.path becomes
 * "package:<entry>". wasi.preopens must be absolute. Bad packages are
 * WX_EARG naming the entry and the problem (`package entry "../x.wasm":
 * path leaves the package`); docs/design.md lists the checks and limits.
 * Otherwise as wx_manager_add() and wx_manager_update(). `name` (may be
 * NULL) receives the plugin's name on success (free with wx_free);
 * `expect` (may be NULL): the plugin the caller means to update, refused
 * with WX_EARG if the package is another's.
 */
WX_API wx_status wx_manager_add_package(wx_manager *m, const void *zip,
                                        size_t len, char **name,
                                        wx_error *err);
WX_API wx_status wx_manager_update_package(wx_manager *m, const void *zip,
                                           size_t len, const char *expect,
                                           char **name, wx_error *err);
/* Unregisters a plugin: WX_ENOPLUGIN if it is not registered. */
WX_API wx_status wx_manager_delete(wx_manager *m, const char *name,
                                   wx_error *err);

/*
 * Brings the loaded plugins in line with the registry file, which another
 * process sharing it (the command line, another daemon) may have changed:
 * loads the plugins added there, reloads those whose revision changed
 * (hot, as an update), drops those deleted. A plugin that fails to load
 * gets an error status, as a plugin whose stored record cannot be read
 * does. Errors only for the registry itself (WX_EIO: it cannot be
 * reached; the plugins loaded stay as they are).
 *
 * Cheap when nothing changed: the registry keeps a revision that every
 * change bumps, and a sync that finds the revision it last synced (or
 * the one this manager's own last change made) reads nothing else. A
 * revision below the one synced (a Redis restarted without its data, a
 * file restored from an old copy) is refused with WX_EIO saying so: the
 * plugins loaded are kept rather than all dropped at once.
 */
WX_API wx_status wx_manager_sync(wx_manager *m, wx_error *err);

/*
 * Follows the registry for one round: waits up to `timeout_ms` for a
 * change by another process (Redis: a notification on a connection of
 * its own; SQLite: the revision read every 100 ms), then syncs as
 * wx_manager_sync does. Call it in a loop from one thread (calls from
 * several threads take turns); the sync at the end of every round is
 * what catches a change whose notification was lost, so a change is
 * seen within about `timeout_ms` at worst. WX_OK after a sync, whether
 * or not anything changed; WX_EIO when the registry cannot be reached,
 * after waiting out the rest of `timeout_ms`, so that a loop does not
 * spin while it is down (the plugins loaded keep serving). Other
 * threads keep calling and changing plugins meanwhile.
 */
WX_API wx_status wx_manager_follow(wx_manager *m, int timeout_ms,
                                   wx_error *err);

/* The registry as this manager last saw it. */
typedef struct wx_registry_health {
    /* The last access (a sync, a change, a follow's wait) reached it. */
    bool up;
    /* Why the last failed access failed (kept after recovery; "" if none
     * failed). Never holds a password. */
    char error[320]; /* as long as a wx_error message */
    /* The registry revision the loaded plugins are in line with; -1
     * before the first sync finished. */
    int64_t revision;
    /* wx_manager_sync and wx_manager_follow rounds that worked and that
     * failed; those that found a new revision and so re-read the list. */
    uint64_t syncs, sync_failures, resyncs;
    /* Unix time in ms of the last sync that worked (0: none yet) */
    int64_t synced_ms;
} wx_registry_health;

WX_API void wx_manager_registry_health(wx_manager *m, wx_registry_health *out);

/* ----------------------------------------------------------- typed values */

/*
 * The value types of plugin configs ("params"/"results"), the command line
 * and REST: entry, config name, element size in bytes for vectors (0 for
 * the others). The order is fixed.
 */
#define WX_TYPE_LIST(X)                                                       \
    X(WX_TYPE_I8, "i8", 0)                                                    \
    X(WX_TYPE_U8, "u8", 0)                                                    \
    X(WX_TYPE_I16, "i16", 0)                                                  \
    X(WX_TYPE_U16, "u16", 0)                                                  \
    X(WX_TYPE_I32, "i32", 0)                                                  \
    X(WX_TYPE_U32, "u32", 0)                                                  \
    X(WX_TYPE_I64, "i64", 0)                                                  \
    X(WX_TYPE_U64, "u64", 0)                                                  \
    X(WX_TYPE_F32, "f32", 0)                                                  \
    X(WX_TYPE_F64, "f64", 0)                                                  \
    X(WX_TYPE_BOOL, "bool", 0)                                                \
    X(WX_TYPE_CHAR, "char", 0)                                                \
    X(WX_TYPE_STRING, "string", 0)                                            \
    X(WX_TYPE_BYTES, "bytes", 0)                                              \
    X(WX_TYPE_JSON, "json", 0)                                                \
    X(WX_TYPE_VEC_I8, "vec<i8>", 1)                                           \
    X(WX_TYPE_VEC_U8, "vec<u8>", 1)                                           \
    X(WX_TYPE_VEC_I16, "vec<i16>", 2)                                         \
    X(WX_TYPE_VEC_U16, "vec<u16>", 2)                                         \
    X(WX_TYPE_VEC_I32, "vec<i32>", 4)                                         \
    X(WX_TYPE_VEC_U32, "vec<u32>", 4)                                         \
    X(WX_TYPE_VEC_I64, "vec<i64>", 8)                                         \
    X(WX_TYPE_VEC_U64, "vec<u64>", 8)

typedef enum wx_type {
#define WX_TYPE_ENUM_(e, n, s) e,
    WX_TYPE_LIST(WX_TYPE_ENUM_)
#undef WX_TYPE_ENUM_
        WX_TYPE_COUNT_
} wx_type;

/* "i32", "vec<u16>", ...; NULL for a value out of range. */
WX_API const char *wx_type_name(wx_type t);
/* A type by its config name (exact spelling); false if there is none. */
WX_API bool wx_type_parse(const char *name, wx_type *out);

/* A function takes and returns at most this many values. */
#define WX_MAX_VALUES 64u

/*
 * A typed value: the framework's own representation (the adapters and the
 * ABIs use this very struct), so a call hands it on without converting.
 *
 * Arguments are borrowed: build them with the constructors below, which
 * point at the caller's bytes without copying; the call only reads them
 * and keeps nothing after it returns. Results are owned by the library:
 * string, json and bytes results end with a NUL that `len` does not count
 * (a string is also a C string unless it holds a NUL); vectors hold
 * `count` elements of the element type in host byte order. Free them all
 * with wx_values_free().
 *
 * Numbers: i8..i32 and i64 in `of.i` (sign-extended), u8..u64 in `of.u`,
 * each in its type's range; char is a Unicode scalar value. A string
 * argument should be UTF-8 (the bindgen ABI refuses others; cstring
 * passes the bytes as they are); a json argument must be JSON text.
 */
typedef struct wx_value {
    wx_type type;
    union {
        int64_t i;   /* i8, i16, i32, i64 */
        uint64_t u;  /* u8, u16, u32, u64 */
        float f32;   /* f32 */
        double f64;  /* f64 */
        bool b;      /* bool */
        uint32_t ch; /* char */
        struct {
            char *data; /* string, bytes, json */
            size_t len; /* bytes, not counting a result's NUL */
        } buf;
        struct {
            void *data;   /* vectors: elements, host byte order */
            size_t count; /* elements */
        } vec;
    } of;
} wx_value;

/* Constructors, inline so that a value is built in place in the caller's
 * argument array (written as assignments, which C++ accepts too):
 * wx_value_i8(int8_t) .. wx_value_u64(uint64_t), wx_value_f32(float),
 * wx_value_f64(double), wx_value_bool(bool), wx_value_char(uint32_t). */
#define WX_VALUE_SCALAR_(name, ctype, tag, field)                             \
    static inline wx_value wx_value_##name(ctype v)                           \
    {                                                                         \
        wx_value x;                                                           \
        x.type = tag;                                                         \
        x.of.field = v;                                                       \
        return x;                                                             \
    }
WX_VALUE_SCALAR_(i8, int8_t, WX_TYPE_I8, i)
WX_VALUE_SCALAR_(u8, uint8_t, WX_TYPE_U8, u)
WX_VALUE_SCALAR_(i16, int16_t, WX_TYPE_I16, i)
WX_VALUE_SCALAR_(u16, uint16_t, WX_TYPE_U16, u)
WX_VALUE_SCALAR_(i32, int32_t, WX_TYPE_I32, i)
WX_VALUE_SCALAR_(u32, uint32_t, WX_TYPE_U32, u)
WX_VALUE_SCALAR_(i64, int64_t, WX_TYPE_I64, i)
WX_VALUE_SCALAR_(u64, uint64_t, WX_TYPE_U64, u)
WX_VALUE_SCALAR_(f32, float, WX_TYPE_F32, f32)
WX_VALUE_SCALAR_(f64, double, WX_TYPE_F64, f64)
WX_VALUE_SCALAR_(bool, bool, WX_TYPE_BOOL, b)
/* A Unicode scalar value (not a surrogate, at most 0x10FFFF). */
WX_VALUE_SCALAR_(char, uint32_t, WX_TYPE_CHAR, ch)
#undef WX_VALUE_SCALAR_

/* `len` bytes at `data`, borrowed (no NUL needed): a string (UTF-8), bytes,
 * or json (JSON text). The pointer loses const through an integer because
 * the struct also carries owned results; the library never writes to an
 * argument. */
static inline wx_value wx_value_buf_(wx_type t, const void *data, size_t len)
{
    wx_value x;
    x.type = t;
    x.of.buf.data = (char *)(uintptr_t)data;
    x.of.buf.len = len;
    return x;
}
static inline wx_value wx_value_string(const char *data, size_t len)
{
    return wx_value_buf_(WX_TYPE_STRING, data, len);
}
static inline wx_value wx_value_bytes(const void *data, size_t len)
{
    return wx_value_buf_(WX_TYPE_BYTES, data, len);
}
static inline wx_value wx_value_json(const char *text, size_t len)
{
    return wx_value_buf_(WX_TYPE_JSON, text, len);
}
/* `count` elements at `elems` of vector type `t` (WX_TYPE_VEC_U16: an
 * array of uint16_t...), borrowed. */
static inline wx_value wx_value_vec(wx_type t, const void *elems, size_t count)
{
    wx_value x;
    x.type = t;
    x.of.vec.data = (void *)(uintptr_t)elems;
    x.of.vec.count = count;
    return x;
}

/* Values owned by the library: the results of a typed call, or arguments
 * a converter made. */
typedef struct wx_values {
    uint32_t count;
    wx_value values[WX_MAX_VALUES];
} wx_values;

/* Frees the values' buffers and sets count to 0; safe to call again,
 * with NULL, and after a failed call (which leaves no results). */
WX_API void wx_values_free(wx_values *v);

/* ------------------------------------------------------------------ calls */

/*
 * How a function's arguments and results cross into the guest: entry,
 * config name. The order is fixed.
 */
#define WX_ABI_LIST(X)                                                        \
    X(WX_ABI_NUMERIC, "numeric") /* wasm numbers only; the default */         \
    X(WX_ABI_BINDGEN, "bindgen") /* wasmedge-bindgen 0.4 (and 0.1) */         \
    X(WX_ABI_CSTRING, "cstring") /* NUL-ended strings via malloc/free */     \
    X(WX_ABI_MEMORY, "memory")   /* configured alloc/free and shapes */    \
    X(WX_ABI_EXTISM, "extism")   /* Extism PDK plugins (docs/extism.md) */

typedef enum wx_abi {
#define WX_ABI_ENUM_(e, n) e,
    WX_ABI_LIST(WX_ABI_ENUM_)
#undef WX_ABI_ENUM_
        WX_ABI_COUNT_
} wx_abi;

/* "numeric", "bindgen", "cstring", ...; NULL for a value out of range. */
WX_API const char *wx_abi_name(wx_abi a);
/* An ABI by its config name (exact spelling); false if there is none. */
WX_API bool wx_abi_parse(const char *name, wx_abi *out);

/*
 * Plugins described in C: a config (docs/config.md) as a struct, for a
 * program that builds its plugin rather than reading it from a file
 * (`wasmext run` registers the one module it runs this way). It says
 * the common keys; a plugin that needs "memory" shapes, "extism" or the
 * engine key is registered from its JSON config (wx_manager_add).
 *
 * Zero means "not set" everywhere, so `wx_plugin_spec s = {0}` plus a
 * name, a path and one function is a whole plugin. Each field is
 * checked as its config key is, and errors name the key the same way
 * (`limits.timeout_ms: must be an integer from 0 to 3600000, got
 * 5000000`). Every string must be UTF-8 text: the registry keeps the
 * plugin as its canonical config JSON. The manager copies what it keeps;
 * the spec and its arrays may be freed once the call returns.
 */
typedef struct wx_kv {
    const char *key, *value;
} wx_kv;

/* Where a guest's stdout/stderr go (wasi.stdout, wasi.stderr). */
typedef enum wx_wasi_output {
    WX_OUTPUT_DEFAULT = 0, /* not set: log */
    WX_OUTPUT_LOG,         /* "log": the plugin's guest log */
    WX_OUTPUT_INHERIT,     /* "inherit": this process's stdout/stderr */
    WX_OUTPUT_DISCARD,     /* "discard" */
} wx_wasi_output;

/* The WASI entry run once per instance (wasi.init). */
typedef enum wx_wasi_init {
    WX_INIT_AUTO = 0,   /* not set: _initialize if exported */
    WX_INIT_INITIALIZE, /* "_initialize": a reactor */
    WX_INIT_START,      /* "_start": a command run once */
    WX_INIT_NONE,       /* "none": nothing, even if _initialize exists;
                           the caller calls the entry (`wasmext run` calls
                           a command's _start as its one call) */
} wx_wasi_init;

/* Where a guest's stdin comes from (wasi.stdin). */
typedef enum wx_wasi_stdin {
    WX_STDIN_DEFAULT = 0, /* not set: empty */
    WX_STDIN_EMPTY,       /* "empty": end of file at once */
    WX_STDIN_INHERIT,     /* "inherit": this process's stdin */
} wx_wasi_stdin;

/* A limit given as "none" (the config's explicit 0). */
#define WX_UNLIMITED UINT64_MAX

typedef struct wx_function_spec {
    const char *name; /* the export */
    wx_abi abi;       /* WX_ABI_NUMERIC (0) unless set; not memory */
    /* The declared types; NULL: not declared (numeric and extism
     * functions may leave them out). */
    const wx_type *params, *results;
    size_t nparams, nresults;
} wx_function_spec;

typedef struct wx_plugin_spec {
    const char *name;      /* required */
    const char *path;      /* the .wasm file (vm_config.path); required */
    /* The module's bytes, when the program has them in memory: then
     * `path` only names the module (in the config, in messages) and is
     * not read. NULL: read the file. */
    const void *wasm;
    size_t wasm_len;
    /* Set to hand `wasm` over instead of lending it: the manager keeps
     * the bytes themselves where it keeps bytes (a registry in memory,
     * WX_REGISTRY_MEMORY, holds them for reloads) rather than a copy, and
     * calls wasm_free(wasm) once it no longer needs them, on success or
     * failure alike; the caller must not touch them after the call. With
     * malloc'd bytes this is `free`. NULL: the bytes stay the caller's
     * (the manager copies what it keeps). */
    void (*wasm_free)(void *wasm);
    uint32_t instance_num; /* 0: 1 */
    const wx_function_spec *functions; /* at least one */
    size_t nfunctions;
    /* 0: the default (wasmext/defaults.h); WX_UNLIMITED: no limit
     * (memory_pages, timeout_ms, fuel). */
    struct {
        uint64_t memory_pages, timeout_ms, fuel, stack;
    } limits;
    struct {
        const char *argv0; /* NULL: the plugin's name */
        const char *const *args;
        size_t nargs;
        const wx_kv *env; /* each key once */
        size_t nenv;
        const wx_kv *preopens; /* guest path -> host directory */
        size_t npreopens;
        wx_wasi_stdin in;
        wx_wasi_output out, err;
        wx_wasi_init init;
    } wasi;
    const char *description, *version; /* NULL: absent */
    uint32_t record_failed_calls;      /* record.failed_calls */
} wx_plugin_spec;

/* wx_manager_add() and wx_manager_update() for a plugin described in C;
 * a relative path is resolved against the current directory. */
WX_API wx_status wx_manager_add_spec(wx_manager *m, const wx_plugin_spec *spec,
                                     wx_error *err);
WX_API wx_status wx_manager_update_spec(wx_manager *m,
                                        const wx_plugin_spec *spec,
                                        wx_error *err);

/*
 * A function handle: the one way to call. Resolve it once by name, then
 * call it as often as needed, from any number of threads at once.
 *
 * Names: "func" when one plugin provides it (function names are unique
 * among plugins: an add that would claim a taken name is refused), or
 * "plugin.func"; `plugin` may also be given apart (then `func` is the
 * bare name). WX_ENOPLUGIN names the registry when nothing by that name
 * is registered.
 *
 * The handle follows its plugin through updates (a call runs on whatever
 * version is current when it starts); once the plugin is deleted, or the
 * manager closed, calls fail with WX_ENOPLUGIN, even if a plugin of the
 * same name is added again (get a new handle then). Free it with
 * wx_fn_free(), before or after closing the manager.
 */
WX_API wx_fn *wx_fn_get(wx_manager *m, const char *plugin, const char *func,
                        wx_error *err);
WX_API void wx_fn_free(wx_fn *fn);
/* The plugin and function a handle names (strings live as long as it). */
WX_API const char *wx_fn_plugin(const wx_fn *fn);
WX_API const char *wx_fn_name(const wx_fn *fn);

/*
 * Typed calls, for every ABI: arguments as wx_value (borrowed), results in
 * *out (owned by the library: free them with wx_values_free, also safe
 * after a failure, which leaves none). An argument of the declared type
 * (or the wasm type when none is declared) is used as it is, without a
 * copy; one of another type is converted only when it fits exactly (an
 * i64 42 for a u8, a string for a json or bytes parameter, bytes for
 * vec<u8>), else WX_EARG names it: "argument 2: 300 does not fit u8
 * exactly", "argument 1: expected string, got f64". A wrong count is
 * WX_EARG too ("rank: expected 2 arguments, got 1"). Guest failures come
 * back as the engine and the ABI report them (WX_ETRAP with the trap
 * kind, WX_ETIMEOUT, WX_EBUSY, WX_EGUEST for an error the guest
 * returned, WX_EABI...).
 */
WX_API wx_status wx_fn_call_values(wx_fn *fn, const wx_value *args,
                                   size_t nargs, wx_values *out,
                                   wx_error *err);

/*
 * Bare wasm values, for numeric functions only: the arguments must match
 * the function's wasm signature exactly (WX_EARG otherwise; other ABIs are
 * refused). The fastest way in.
 */
WX_API wx_status wx_fn_call(wx_fn *fn, const wx_wasm_val *args, size_t nargs,
                            wx_wasm_val *results, size_t nresults, wx_error *err);

/* ---------------------------------------------------------------- batches */

/*
 * One row's outcome in a batch. A row that ran has status WX_OK and its
 * `count` results in `values` (as wx_fn_call_values would return them);
 * a row that failed has no results and `error` says why: the status, the
 * message (without the row's index: the caller knows it, and each door
 * names rows its own way), and for traps the kind and place, for exits
 * the code.
 */
typedef struct wx_batch_row {
    wx_status status;
    uint32_t count;
    wx_value *values;     /* owned by the batch result */
    const wx_error *error; /* NULL when the row succeeded */
} wx_batch_row;

/* A batch's outcomes, one per row, in the rows' order. Everything (rows,
 * values, messages, result buffers) is freed by wx_batch_result_free. */
typedef struct wx_batch_result {
    size_t nrows;
    size_t failed; /* rows whose status is not WX_OK */
    wx_batch_row *rows;
    void *arena_; /* private */
} wx_batch_result;

/*
 * Calls the function once per row: `nrows` rows of `ncols` arguments
 * each, row-major in `args` (row r's arguments are args[r * ncols] ..
 * args[r * ncols + ncols - 1]), borrowed as by wx_fn_call_values, with the
 * same exact-fit conversions. The whole batch runs on one instance of the
 * plugin's version current at the start, checked out once, with each row
 * getting the whole of limits.fuel and limits.timeout_ms as a single call
 * would. The instance goes back to the pool between two rows only when
 * another caller is waiting for one (then the batch takes its turn again
 * like any call), so a long batch never holds an instance others need for
 * longer than one row.
 *
 * Rows fail alone: a row whose arguments are refused (WX_EARG), whose
 * guest traps, times out, runs out of fuel or returns an error gets its
 * own status and message, and the rows after it run; after a failure
 * inside the guest the instance is replaced, as after a failed call, and
 * the next row runs on a fresh one. If no instance can be had (WX_EBUSY
 * after wait_ms, a replacement that cannot be made), that row and every
 * row after it fail with that error without waiting again. Each row
 * counts as one call in the function's counters, under its own status.
 *
 * Returns WX_OK when the batch ran, whatever its rows' outcomes (see
 * out->failed); an error with nothing in *out when it could not start:
 * WX_ENOPLUGIN (as for a call), WX_EARG (`ncols` differs from the
 * function's parameter count: "add: expected 2 arguments per row, got
 * 3"; args NULL with rows to run), WX_ENOMEM. nrows 0 is a batch of no
 * rows. On the numeric ABI nothing is allocated per row: the results
 * live in one block sized for the batch, messages in a second one made
 * for the first failure. Free *out with wx_batch_result_free, also after
 * a failure.
 */
WX_API wx_status wx_fn_call_batch(wx_fn *fn, const wx_value *args,
                                  size_t nrows, size_t ncols,
                                  wx_batch_result *out, wx_error *err);
/* Frees a batch's outcomes and zeroes *r; safe to call again and on a
 * zeroed struct. */
WX_API void wx_batch_result_free(wx_batch_result *r);

/* ---------------------------------------------------------------- replay */

/*
 * Recording of failed calls, for replay. A plugin whose config sets
 * "record": {"failed_calls": N} (N up to 10000; 0, the default, is off)
 * keeps its last N calls that failed inside the guest (statuses trap,
 * timeout, limit, guest, abi, interrupted; never a refused argument or a
 * busy pool), from every door (wx_fn_call, wx_fn_call_values, batch
 * rows), in memory only, across its updates: the arguments, the outcome
 * with the trap's place, and the revision they ran on, whose module
 * bytes are kept while a recording refers to them. Recordings hold the
 * arguments as they came: rows may carry sensitive data, so recording is
 * off unless the config asks for it.
 */
typedef struct wx_recording {
    uint64_t seq;         /* 1 for the plugin's first recording, then +1 */
    int64_t time_ms;      /* when the call failed, Unix milliseconds */
    const char *function; /* the function's name */
    int64_t revision;     /* the plugin revision it ran on */
    const char *sha256;   /* that revision's module digest (hex) */
    uint32_t nargs;
    const wx_value *args; /* as passed (a bare wasm call's: its types) */
    wx_error error;       /* status, message, trap kind and place */
} wx_recording;

/* A plugin's recordings, oldest first; everything lives in one block
 * freed by wx_recording_list_free. */
typedef struct wx_recording_list {
    size_t count;
    wx_recording *items;
    uint32_t bound;    /* the current config's record.failed_calls */
    uint64_t recorded; /* failed calls recorded since the plugin loaded */
    void *arena_;      /* private */
} wx_recording_list;

/* A snapshot of plugin `plugin`'s recordings (none when recording is
 * off); WX_ENOPLUGIN when it is not registered. */
WX_API wx_status wx_manager_recordings(wx_manager *m, const char *plugin,
                                       wx_recording_list *out, wx_error *err);
/* Frees a list and zeroes it; safe to call again and on a zeroed one. */
WX_API void wx_recording_list_free(wx_recording_list *list);

/*
 * A plugin's guest log: the lines its guests wrote to stdout and stderr
 * (wasi.stdout/stderr "log", the default) and through Extism's log calls,
 * as they reached the log (escaped, cut, within the rate: docs/design.md,
 * "Guest output as log lines"). The last WX_GUEST_LOG_KEEP lines logged
 * are kept in memory, across the plugin's updates; dropped lines are
 * counted (wx_output_stats), never kept.
 */
typedef struct wx_guest_line {
    uint64_t seq;     /* 1 for the plugin's first line logged, then +1 */
    int64_t time_ms;  /* when it was logged, Unix milliseconds */
    /* The function whose call was running on the instance when the line
     * was handed over (at its newline, or at the log call); NULL for a
     * line written while the instance was made (its start function,
     * `_initialize`, or `_start` with wasi.init) and for the unfinished
     * last line of an instance being freed. */
    const char *function;
    /* "stdout" or "stderr" for WASI output; an Extism log call's level:
     * "trace", "debug", "info", "warn" or "error". */
    const char *level;
    const char *text; /* escaped as in the log: valid UTF-8, no controls */
    uint64_t cut;     /* bytes past WX_GUEST_LINE_MAX, not kept */
} wx_guest_line;

/* A snapshot of a plugin's guest log, oldest line first; everything lives
 * in one block freed by wx_guest_log_free. */
typedef struct wx_guest_log {
    size_t count;
    wx_guest_line *lines;
    uint32_t bound;  /* WX_GUEST_LOG_KEEP */
    uint64_t logged; /* lines logged since the plugin loaded (kept or not
                      * any more): the last line's seq */
    void *mem_;      /* private */
} wx_guest_log;

/* Plugin `plugin`'s guest log now; WX_ENOPLUGIN when it is not
 * registered. Free with wx_guest_log_free. */
WX_API wx_status wx_manager_guest_log(wx_manager *m, const char *plugin,
                                      wx_guest_log *out, wx_error *err);
/* Frees a snapshot and zeroes it; safe to call again and on a zeroed
 * one. */
WX_API void wx_guest_log_free(wx_guest_log *log);

/* What wx_manager_replay runs the recordings against. */
#define WX_REPLAY_RECORDED 0u /* the revision each one ran on */
#define WX_REPLAY_CURRENT 1u  /* the plugin's current revision */

/* One recording run again. */
typedef struct wx_replay_outcome {
    const wx_recording *recording; /* in the result's `recordings` */
    int64_t revision;              /* what it ran against */
    const char *sha256;
    wx_status status;              /* WX_OK: it succeeded this time */
    uint32_t count;                /* results when it succeeded */
    const wx_value *values;
    wx_error error;                /* when it failed (status WX_OK else) */
    /* The trap's function by the name section of the module it ran on
     * (NULL: no trap, or no name): recorded_trap_function is the
     * recording's, known when it ran against the recorded revision. */
    const char *trap_function;
    const char *recorded_trap_function;
    bool reproduced; /* status is the recorded status */
} wx_replay_outcome;

typedef struct wx_replay_result {
    size_t count;
    size_t reproduced; /* outcomes with `reproduced` set */
    wx_replay_outcome *items;
    wx_recording_list recordings;
    unsigned flags; /* as asked: WX_REPLAY_RECORDED or _CURRENT */
    void *arena_;   /* private */
} wx_replay_result;

/*
 * Runs plugin `plugin`'s recordings again (those of function `func` only,
 * unless NULL; the last `last_n` of them, all when 0), each in a manager
 * of its own in memory made for the replay, so that nothing of the live
 * plugin (its instances, counters, recordings) is touched: against the
 * revision each ran on (WX_REPLAY_RECORDED) or the plugin's current one
 * (WX_REPLAY_CURRENT, read from the registry). Returns WX_OK when the
 * replay ran, whatever its outcomes; WX_ENOPLUGIN, or an error building
 * the replay's plugin, otherwise. Free *out with wx_replay_result_free.
 */
WX_API wx_status wx_manager_replay(wx_manager *m, const char *plugin,
                                   const char *func, size_t last_n,
                                   unsigned flags, wx_replay_result *out,
                                   wx_error *err);
WX_API void wx_replay_result_free(wx_replay_result *r);

/* ---------------------------------------------------------- introspection */

/* The fuel histogram's bounds: powers of 4, from 4^0 = 1 unit to 4^15
 * (about 10^9) units, then everything above. Powers of 4 rather than 10:
 * the units of one function's calls often vary by less than 10 times, and
 * a bucket index is a shift of the bit length. */
#define WX_FUEL_BUCKETS 17u
#define WX_FUEL_BUCKET(k) ((uint64_t)1 << (2u * (unsigned)(k)))

/*
 * What a function takes and returns, as the version of its plugin that
 * was current when the snapshot was taken declares it (or, for undeclared
 * numeric and cstring types, its wasm signature implies).
 */
typedef struct wx_function_info {
    const char *name;
    wx_abi abi;
    /* false when the plugin is in error: then only name and abi are
     * known, and the counters. */
    bool loaded;
    /* false for bindgen results the config leaves open: the guest says
     * their types at each call. */
    bool results_known;
    uint32_t nparams, nresults;
    wx_type params[WX_MAX_VALUES];
    wx_type results[WX_MAX_VALUES];
    /* The wasm type, "(i32, i32) -> (i32)": in snapshots only
     * (wx_manager_plugins); NULL from wx_fn_describe, whose handle may
     * outlive the version the text would belong to. */
    const char *signature;
    /* Since the manager opened (or the plugin was added), across updates.
     * errors_by_status[s] counts the calls that failed with s (its
     * WX_OK slot stays 0); errors is their sum. */
    uint64_t calls, errors;
    uint64_t errors_by_status[WX_STATUS_COUNT_];
    /* Fuel used per call, for plugins whose config sets limits.fuel
     * (fuel_limit, from the version current when the snapshot was taken;
     * 0: not metered, and the rest is what earlier metered versions
     * counted, if any). Every call that ran guest code on an instance
     * counts, whether it succeeded or not (a call that ran out counts
     * its whole budget); calls refused before (bad arguments, busy) do
     * not. fuel_buckets[k] counts the calls that used more than
     * WX_FUEL_BUCKET(k - 1) and at most WX_FUEL_BUCKET(k) units (the
     * first: at most 1; the last: more than WX_FUEL_BUCKET(
     * WX_FUEL_BUCKETS - 2)), so fuel_calls is their sum. */
    uint64_t fuel_limit;
    uint64_t fuel_calls, fuel_sum;
    uint64_t fuel_buckets[WX_FUEL_BUCKETS];
} wx_function_info;

/* Fills *info from the plugin's current version (strings live as long as
 * the handle). Errors: WX_ENOPLUGIN (the plugin was deleted, or no longer
 * lists the function), the plugin's error status if it is in error. */
WX_API wx_status wx_fn_describe(wx_fn *fn, wx_function_info *info,
                                wx_error *err);

typedef struct wx_export_info {
    const char *name;
    wx_externkind kind;
    const char *signature; /* functions only, else NULL */
} wx_export_info;

/* A plugin's instance pool now. */
typedef struct wx_instance_stats {
    uint32_t total, busy, idle, empty, waiting;
    uint64_t replaced, trimmed;
} wx_instance_stats;

/* A plugin's guest output (stdout/stderr lines logged), across versions. */
typedef struct wx_output_stats {
    uint64_t lines, bytes, dropped_lines, dropped_bytes, cut_lines,
        cut_bytes;
    uint32_t rate_bytes_per_s, line_max;
} wx_output_stats;

/*
 * One plugin, as a snapshot taken at one moment. Strings and arrays live
 * in the list that holds it.
 */
typedef struct wx_plugin_info {
    const char *name;
    /* false: a lazy manager has not loaded it yet (wx_manager_opts.lazy);
     * its functions' types are unknown, and `error` is NULL although
     * loading it may still fail. */
    bool loaded;
    /* NULL when the plugin runs; else why not ("module: ..."), and the
     * status its calls fail with. */
    const char *error;
    wx_status error_status;
    const char *version;     /* the config's, or NULL */
    const char *description; /* the config's, or NULL */
    const char *engine;      /* "interp" ("wasmedge (synonym of interp)") */
    uint32_t instance_num;
    int64_t revision; /* 1 when added, +1 per update */
    uint64_t calls, errors;
    uint32_t nfunctions;
    wx_function_info *functions;
    /* WX_INFO_DETAIL only (else zero / NULL): */
    char sha256[65];
    uint64_t wasm_bytes;
    int64_t created_ms, updated_ms;
    const char *config; /* the canonical config, as stored */
    uint32_t nexports;
    wx_export_info *exports;
    wx_instance_stats instances;
    wx_output_stats output;
    /* WX_INFO_CHECK only: problems make a plugin unusable (module
     * invalid, a function not exported or with an unsupported signature,
     * load errors); warnings do not (the .wasm file named by the config is
     * gone, or differs from the stored module, which is the one that
     * runs). */
    uint32_t nproblems, nwarnings;
    const char **problems, **warnings;
} wx_plugin_info;

typedef struct wx_plugin_list {
    size_t count;
    wx_plugin_info *plugins; /* by name */
    unsigned what_;          /* private: the WX_INFO_* flags it was made with */
    void *arena_;            /* private: where the strings live */
} wx_plugin_list;

/* What wx_manager_plugins reports beyond names, status, counters and
 * functions; each costs more (the module's exports, a file read). */
enum {
    WX_INFO_DETAIL = 1u, /* sha256, sizes, times, config, exports, pool */
    WX_INFO_CHECK = 2u,  /* problems and warnings (reads the .wasm file) */
};

/*
 * A snapshot of the plugin `name` (NULL: every plugin, by name) into
 * *out; free it with wx_plugin_list_free. `what`: WX_INFO_* flags.
 * WX_ENOPLUGIN for an unknown name. Never holds up a call or a change.
 */
WX_API wx_status wx_manager_plugins(wx_manager *m, const char *name,
                                    unsigned what, wx_plugin_list *out,
                                    wx_error *err);
/* Frees the snapshot; safe on a zeroed or already freed list. */
WX_API void wx_plugin_list_free(wx_plugin_list *list);

/* ------------------------------------------------------------ converters */

/*
 * The doors' wire formats to and from typed values, once each: JSON (REST,
 * eKuiper, the CLI's --json), command-line text (the CLI) and the C
 * structs above to JSON (REST, the CLI's --json). `fn` gives the types
 * (wx_fn_describe); converted values are owned by *out (wx_values_free).
 *
 * Numbers become a declared type only when they fit exactly (25 and 25.0
 * fit i32; 3.5 and 2^40 do not); the refusal names the argument:
 * "argument 1: 300 does not fit u8 exactly". JSON strings go to string,
 * json, char and bytes (base64) parameters; arrays to vectors; any JSON
 * value to a json parameter.
 */
WX_API wx_status wx_values_from_json(const wx_function_info *fn,
                                     const char *json, size_t len,
                                     wx_values *out, wx_error *err);
/* Command-line arguments: 42, -1, 0x2a, 1.5, nan, true, text, @file for
 * bytes... as docs/cli.md lists them. */
WX_API wx_status wx_values_from_argv(const wx_function_info *fn, int argc,
                                     const char *const *argv, wx_values *out,
                                     wx_error *err);
/* Values as a JSON array: numbers, strings, bytes as base64, json values
 * inline. Free with wx_free; NULL with err set when out of memory. */
WX_API char *wx_values_to_json(const wx_value *v, size_t n, wx_error *err);
/* One value per line, each ending in '\n', as the CLI prints them:
 * integers in decimal, floats in the shortest form that reads back the
 * same, bytes in hex (base64 with WX_TEXT_BASE64), json as its text,
 * vectors as [1,2,3]. */
#define WX_TEXT_BASE64 1u
WX_API char *wx_values_to_text(const wx_value *v, size_t n, unsigned flags,
                               wx_error *err);

/*
 * eKuiper's SQL values, as its plugin protocol hands them to a function:
 * bigint, float, string, bool, bytes (strings and bytes borrowed).
 */
typedef enum wx_sql_kind {
    WX_SQL_INT,
    WX_SQL_FLOAT,
    WX_SQL_STRING,
    WX_SQL_BOOL,
    WX_SQL_BYTES,
} wx_sql_kind;

typedef struct wx_sql_value {
    wx_sql_kind kind;
    union {
        int64_t i;
        double f;
        bool b;
        struct {
            const char *data;
            size_t len;
        } s;
    } of;
} wx_sql_value;

/* One SQL value as argument `index` (0-based) of type `t`, by the same
 * exact-fit rule; strings go to string, json (checked), char or bytes,
 * bytes to bytes, vec<u8> or string. The value is owned by *out: free it
 * with wx_value_free. */
WX_API wx_status wx_value_from_sql(wx_type t, const wx_sql_value *v,
                                   size_t index, wx_value *out,
                                   wx_error *err);
/* Frees one value a converter made (its buffer); safe to call again. */
WX_API void wx_value_free(wx_value *v);
/* A snapshot as JSON: an array of plugins, or (`one`) the first plugin as
 * an object. The shapes are docs/rest.md's. Free with wx_free. */
WX_API char *wx_plugin_list_to_json(const wx_plugin_list *list, bool one,
                                    wx_error *err);
/* Recordings and a replay's outcomes as JSON (docs/rest.md's shapes).
 * Free with wx_free. */
WX_API char *wx_recording_list_to_json(const wx_recording_list *list,
                                       wx_error *err);
WX_API char *wx_replay_result_to_json(const wx_replay_result *r,
                                      wx_error *err);
/* A guest log as JSON (docs/rest.md, GET /plugins/{p}/logs). Free with
 * wx_free. */
WX_API char *wx_guest_log_to_json(const wx_guest_log *log, wx_error *err);

#ifdef __cplusplus
}
#endif
#endif
