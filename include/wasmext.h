/*
 * wasmext framework API: a manager of plugins (a config, a .wasm module and
 * a pool of instances each), kept in a SQLite registry that survives
 * restarts, and calls into them by function name.
 *
 *   wx_manager *m = wx_manager_open(NULL, NULL, &err);  // default registry
 *   wx_manager_add_file(m, "car.json", &err);
 *   char *out;
 *   wx_call_json(m, NULL, "rank", "[3, 4]", &out, &err);  // out: "[7]"
 *   wx_free(out);
 *   wx_manager_close(m);
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
 * calls in flight finish, later calls fail with WX_ENOTFOUND.
 *
 * Threads: every function may be called from any number of threads at
 * once; changes (add, update, delete) are serialised among themselves but
 * never wait for calls.
 *
 * Errors: as in the engine API, every fallible function takes an optional
 * caller-owned wx_error and returns a status (or NULL). Strings returned
 * by the manager are freed with wx_free().
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
} wx_manager_opts;

/*
 * The registry path used when wx_manager_open() gets NULL: $WASMEXT_DB,
 * else $XDG_DATA_HOME/wasmext/registry.db, else
 * $HOME/.local/share/wasmext/registry.db. Free it with wx_free(). NULL
 * with `err` set (WX_EARG) when none of those variables is set.
 */
WX_API char *wx_manager_default_db(wx_error *err);

/*
 * Opens (creating it if needed) the registry at `db_path` (NULL: the
 * default above) and loads every registered plugin. Fails only when the
 * registry itself cannot be opened; plugins that fail to load are kept
 * with an error status. `opts` may be NULL.
 */
WX_API wx_manager *wx_manager_open(const char *db_path,
                                   const wx_manager_opts *opts, wx_error *err);
/* Closes the registry and frees every plugin. No other call into the
 * manager may be running or start (wx_fn handles excepted, see below). */
WX_API void wx_manager_close(wx_manager *m);
/* The registry file's path. */
WX_API const char *wx_manager_db_path(const wx_manager *m);

/*
 * Registers a plugin from config JSON text (NUL-terminated). A relative
 * vm_config.path is resolved against `base_dir` (NULL: the current
 * directory). Errors: WX_EARG (the config, with the field named),
 * WX_EIO (the .wasm cannot be read; registry errors), WX_EEXIST (a plugin
 * of that name is registered, or another plugin provides one of the
 * functions already), WX_EMALFORMED or WX_EINVALID (the module),
 * WX_ENOTFOUND or WX_EINVALID (a listed function is not exported, or its
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
 * module, checked like an add (WX_ENOTFOUND if it is not registered). A
 * plugin in error status may be updated to repair it. Hot: see above.
 */
WX_API wx_status wx_manager_update(wx_manager *m, const char *config_json,
                                   const char *base_dir, wx_error *err);
WX_API wx_status wx_manager_update_file(wx_manager *m, const char *config_path,
                                        wx_error *err);
/* Unregisters a plugin: WX_ENOTFOUND if it is not registered. */
WX_API wx_status wx_manager_delete(wx_manager *m, const char *name,
                                   wx_error *err);

/*
 * Brings the loaded plugins in line with the registry file, which another
 * process sharing it (the command line, another daemon) may have changed:
 * loads the plugins added there, reloads those whose revision changed
 * (hot, as an update), drops those deleted. A plugin that fails to load
 * gets an error status, as on open. Errors only for the registry itself.
 */
WX_API wx_status wx_manager_sync(wx_manager *m, wx_error *err);

/*
 * Reports, as JSON text to free with wx_free() (NULL with `err` set on
 * failure):
 *
 * list: [{"name", "version" (the config's, or null), "revision" (1 when
 *   added, +1 per update), "engine", "instances", "functions": [names],
 *   "status" ("ok" or "error: <reason>"), "calls", "errors"}], by name.
 *
 * show(name): {"name", "status", "engine" ("wasmedge (synonym of interp)"
 *   when the config says so), "revision", "sha256", "created_ms",
 *   "updated_ms", "wasm_bytes", "config": the canonical config,
 *   "exports": [{"name", "kind", "signature": "(i32, i32) -> (i32)"}],
 *   "instances": {"total", "busy", "idle", "empty", "waiting",
 *   "replaced"}, "functions": [{"name", "abi", "signature", "params",
 *   "results" (types, declared or implied), "calls", "errors"}]}; the
 *   counters count calls since the manager opened, across updates.
 *   WX_ENOTFOUND if it is not registered.
 *
 * check(name, or NULL for every plugin): [{"name", "ok", "problems":
 *   [...], "warnings": [...]}]. Problems make a plugin unusable (module
 *   invalid, a function not exported or with an unsupported signature, a
 *   name claimed by two plugins, load errors); warnings do not (the .wasm
 *   file named by the config is gone, or differs from the stored module,
 *   which is the one that runs). WX_ENOTFOUND for an unknown name.
 */
WX_API char *wx_manager_list(wx_manager *m, wx_error *err);
WX_API char *wx_manager_show(wx_manager *m, const char *name, wx_error *err);
WX_API char *wx_manager_check(wx_manager *m, const char *name, wx_error *err);

/* ------------------------------------------------------------------ calls */

/*
 * Calls a function with arguments given as a JSON array (numbers, and
 * strings for string-like types; NULL: no arguments) and returns its
 * results as a JSON array in *results_json (free with wx_free). Numbers
 * are converted to the declared type (or the wasm type when none is
 * declared) only when they fit exactly, else the call is refused with
 * WX_EARG naming the argument ("argument 1: 300 does not fit u8
 * exactly"). Guest failures come back as the engine and the ABI report
 * them (WX_ETRAP with the trap kind, WX_ETIMEOUT, WX_EBUSY, WX_EGUEST for
 * an error the guest returned, WX_EABI...).
 */
WX_API wx_status wx_call_json(wx_manager *m, const char *plugin,
                              const char *func, const char *args_json,
                              char **results_json, wx_error *err);

/*
 * The same with command-line arguments: each argv[i] is one argument
 * written as on the command line (42, -1, 0x2a, 1.5, nan, true, text...).
 * *results_text receives one result per line, each line ending in '\n'
 * (free with wx_free).
 */
WX_API wx_status wx_call_argv(wx_manager *m, const char *plugin,
                              const char *func, int argc,
                              const char *const *argv, char **results_text,
                              wx_error *err);

/*
 * Typed calls with wasm values, for numeric functions: the arguments must
 * match the function's wasm signature exactly (WX_EARG otherwise).
 * wx_call_vals looks the function up on every call; wx_fn_get resolves it
 * once for wx_fn_call, the fastest way in.
 */
WX_API wx_status wx_call_vals(wx_manager *m, const char *plugin,
                              const char *func, const wx_val *args,
                              size_t nargs, wx_val *results, size_t nresults,
                              wx_error *err);

/*
 * A function handle. It follows its plugin through updates (a call runs
 * on whatever version is current when it starts); once the plugin is
 * deleted, or the manager closed, calls fail with WX_ENOTFOUND, even if a
 * plugin of the same name is added again (get a new handle then). A
 * handle may be used by any number of threads at once; free it with
 * wx_fn_free(), before or after closing the manager.
 */
WX_API wx_fn *wx_fn_get(wx_manager *m, const char *plugin, const char *func,
                        wx_error *err);
WX_API void wx_fn_free(wx_fn *fn);
WX_API wx_status wx_fn_call(wx_fn *fn, const wx_val *args, size_t nargs,
                            wx_val *results, size_t nresults, wx_error *err);

#ifdef __cplusplus
}
#endif
#endif
