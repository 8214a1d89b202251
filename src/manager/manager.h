/*
 * The manager's internals, shared by manager.c (plugin table, changes,
 * calls), manager_load.c (building a version: module, checks, pool),
 * manager_report.c (snapshots: wx_manager_plugins), manager_abi.c (values
 * in and out of calls), manager_follow.c (the registry's health, and
 * following another process's changes) and manager_record.c (failed calls
 * recorded, and their replay). The public contract is
 * include/wasmext.h.
 *
 * Objects and lifetimes:
 *
 *   wx_manager --table--> wxm_plugin --cur--> wxm_version --> pool, module
 *
 * - A wxm_plugin is one registered name. It is reference-counted: the
 *   table holds one reference while the plugin is registered, every
 *   version holds one, every wx_fn holds one. Its `cur` is the version
 *   new calls use (NULL once deleted), read and swapped under its `lock`.
 * - A wxm_version is one immutable state of a plugin: config, module,
 *   pool and resolved functions, or an error that says why it could not be
 *   loaded. It is reference-counted: the plugin's `cur` holds one, every
 *   call holds one from lookup to return. A call takes its reference
 *   under the plugin's lock, so an update (which swaps `cur` under that
 *   lock and then drops the old reference) can never free a version a call
 *   is about to use, and the last call on an old version frees it.
 * - Per-function counters belong to the plugin, so that they survive
 *   updates; they are appended (never removed) under the manager's admin
 *   lock, and versions point at them.
 *
 * Locks, in the order they nest: `follow_lock` (one wx_manager_follow
 * round, manager_follow.c), `admin` (serialises changes and every access
 * to the manager's registry handle), `table_lock` (a rwlock over the plugin
 * table and the function index: readers are lookups, writers are changes
 * publishing), a plugin's `lock` (a spinlock held for a few instructions
 * only); `health_lock` is taken alone or innermost, for a few instructions,
 * and so is a plugin's `ring.lock` (manager_record.c: a recording's
 * append, a snapshot's copy, a new bound set under the table lock).
 */
#ifndef WX_MANAGER_MANAGER_H
#define WX_MANAGER_MANAGER_H

#include "wasmext.h"

#include "abi.h"
#include "config.h"
#include "pool.h"
#include "registry.h"
#include "wasi.h"

#include "dl_jansson.h"
#include <pthread.h>
#include <stdatomic.h>

typedef struct wxm_plugin wxm_plugin;
/* A revision's module bytes and canonical config, kept for replay while
 * its version or a recording refers to it (manager_record.c). */
typedef struct wxm_blob wxm_blob;
typedef struct wxm_rec wxm_rec;

/*
 * Calls of one function name of a plugin, across versions, by outcome: a
 * call counts once, in the slot of the status it ended with (WX_OK for a
 * success), so that it touches one counter whatever happened; calls are
 * the sum of the slots and errors the sum of all but WX_OK's. A counter
 * is split in shards, each on its own cache lines, and a thread counts in
 * the shard its identity hashes to: threads calling one function at once
 * would otherwise pass the line back and forth on every call, which costs
 * more than the rest of the manager's work.
 */
#define WXM_SHARDS 8

/* The shard of the calling thread: its identity, hashed (Fibonacci
 * hashing: the top 3 bits of the product pick one of 8). */
static inline unsigned wxm_thread_shard(void)
{
    _Static_assert(WXM_SHARDS == 8, "the hash keeps 3 bits");
    uint64_t t = (uint64_t)(uintptr_t)pthread_self();
    return (unsigned)((t * 0x9E3779B97F4A7C15u) >> 61);
}

/* WX_OK first: successes, the common outcome, share the shard's first
 * line with the errors most seen (trap, interrupted, arg). */
typedef struct wxm_shard {
    _Alignas(64) atomic_uint_fast64_t by_status[WX_STATUS_COUNT_];
} wxm_shard;

/* Fuel used per call (wx_function_info.fuel_*), sharded like the
 * outcomes; written only for plugins whose pool meters fuel. */
typedef struct wxm_fuel_shard {
    _Alignas(64) atomic_uint_fast64_t sum;
    atomic_uint_fast64_t buckets[WX_FUEL_BUCKETS];
} wxm_fuel_shard;

typedef struct wxm_counter {
    wxm_shard shards[WXM_SHARDS];
    wxm_fuel_shard fuel[WXM_SHARDS];
    uint32_t index; /* in the plugin's counter list */
    char name[];
} wxm_counter;

/* One listed function of a version. */
typedef struct wxm_func {
    const wxg_function *decl; /* in the version's config */
    wxm_counter *counter;
    /* The rest is valid only when the version loaded. */
    uint32_t export_index;
    wx_functype type; /* the wasm signature (module-owned arrays) */
    wxa_fn fn;        /* the ABI's description, types bound */
} wxm_func;

typedef struct wxm_version {
    atomic_uint refs;
    /* A lazy manager's placeholder (wx_manager_opts.lazy): the stored
     * config and metadata only, no module or pool. The first call, handle
     * or detailed snapshot replaces it with the loaded version
     * (wxm_plugin_load). */
    bool pending;
    wxm_plugin *plugin; /* holds a reference */
    wxg_config *cfg;    /* NULL when the stored config did not parse */
    /* The canonical config JSON: made from cfg on first need, by
     * wxm_version_config (most one-shot runs never need it). */
    _Atomic(char *) config_text;
    /* Why the version cannot run (NULL: it can), and the status its calls
     * fail with. */
    char *error;
    wx_status error_status;
    wx_module *module;
    wx_linker *linker;
    wxa_legacy *legacy; /* bindgen 0.1.x imports, when a function needs */
    /* Extism's imports and per-plugin settings, when a function has abi
     * extism; extism_config/extism_hosts are its views of cfg->extism. */
    wxa_extism *extism;
    wxa_extism_kv *extism_config;
    /* WASI, when the module imports it: one context per instance, bound
     * by the pool's on_instance hook, made from wasi_opts (which points
     * into wasi_args, wasi_kv and the config). */
    wxw_binder *wasi;
    wxw_opts wasi_opts;
    const char **wasi_args; /* the plugin name, then wasi.args */
    wxw_kv *wasi_kv;        /* wasi.env, then wasi.preopens */
    wxv_pool *pool;
    /* Recording (cfg->record_failed_calls): the ring's bound, 0 when off
     * (also when its bytes could not be kept), and the bytes. */
    uint32_t record;
    wxm_blob *blob;
    size_t wasm_len;
    char sha256[WXG_SHA256_HEX];
    int64_t revision, created_ms, updated_ms;
    uint32_t nfuncs;
    wxm_func *funcs;
    /* Counter index -> index in funcs, or -1: how wx_fn finds its
     * function in whatever version is current. */
    uint32_t nmap;
    int32_t *map;
} wxm_version;

/*
 * Which version a call runs on. A call pins the plugin's current version
 * through one shard (the one its thread hashes to, as for the counters):
 * under that shard's spinlock it reads `cur` and counts a pin there, so
 * two threads calling the same plugin touch different cache lines. A
 * single lock and a reference count on the version, written by every
 * call, made two threads slower together than one alone. A swap (update,
 * delete) takes every shard's lock, moves the pins of the old version
 * into its `refs` and installs the new one; an unpin that finds `cur`
 * changed releases a reference instead of decrementing its shard.
 */
typedef struct wxm_pin_shard {
    _Alignas(64) atomic_flag lock; /* held for a few instructions */
    uint64_t pins;                 /* pins of cur taken in this shard */
} wxm_pin_shard;

/* One line kept in a plugin's guest log (guestlog.c). */
typedef struct wxm_logline wxm_logline;

/* A plugin's guest output, as log lines (guestlog.c). */
typedef struct wxm_guestlog {
    pthread_mutex_t lock;
    /* The last lines logged, under lock: a ring of WX_GUEST_LOG_KEEP,
     * allocated at the first line, so that a plugin that never logs pays
     * nothing; `seq` is the last line's. */
    wxm_logline **keep;
    uint32_t keep_start, keep_count;
    uint64_t seq;
    uint64_t window_start, window_bytes;  /* the current second */
    uint64_t pending_lines, pending_bytes; /* dropped, not yet noticed */
    uint32_t rate;                         /* bytes a second */
    int fd;                                /* where lines go: 2 */
    atomic_uint_fast64_t lines, bytes, dropped_lines, dropped_bytes,
        cut_lines, cut_bytes;
} wxm_guestlog;

typedef struct wxm_guestlog_stats {
    uint64_t lines, bytes, dropped_lines, dropped_bytes, cut_lines,
        cut_bytes;
    uint32_t rate, line_max;
} wxm_guestlog_stats;

/* A plugin's recorded failed calls: a ring of at most `cap` (the current
 * version's record.failed_calls), under its own lock, which nothing else
 * nests in. */
typedef struct wxm_ring {
    pthread_mutex_t lock;
    uint32_t cap, start, count;
    uint64_t seq; /* recordings made: the last one's seq */
    wxm_rec *slots;
} wxm_ring;

struct wxm_plugin {
    wxm_pin_shard shards[WXM_SHARDS];
    atomic_uint refs;
    wxm_guestlog glog;
    wxm_ring ring;
    wx_manager *mgr;  /* the manager it was registered in */
    wxm_version *cur; /* NULL once deleted */
    /* Under the manager's admin lock. */
    wxm_counter **counters;
    uint32_t ncounters, counters_cap;
    char name[];
};

/* A function name in the index: which plugin lists it. */
typedef struct wxm_fname {
    const char *name; /* a counter's name: lives as long as the plugin */
    wxm_plugin *plugin;
} wxm_fname;

struct wx_manager {
    pthread_mutex_t admin;
    pthread_rwlock_t table_lock;
    /* By name; each holds a reference. */
    wxm_plugin **plugins;
    size_t nplugins, plugins_cap;
    /* Every function listed by a plugin's current version, sorted by name
     * then plugin name; rebuilt on every change. */
    wxm_fname *fnames;
    size_t nfnames;
    wxg_registry *reg;
    char *db_path;   /* as the store shows it: never holds a password */
    char *open_path; /* as given to wx_manager_open */
    wx_manager_opts opts;
    wxv_watchdog *watchdog; /* made on first need, under admin */
    /* Every instance of every plugin is charged to it (make_pool). */
    wx_budget *budget;
    /* The registry revision the table is in line with (-1: unknown),
     * under admin: a sync that reads it again skips the listing, and a
     * change of this manager's that moves it by exactly one (its own
     * bump) moves it along (manager_follow.c). */
    int64_t synced_rev;
    /* What wx_manager_registry_health reports, under health_lock (a
     * scrape must not wait for a sync that holds admin). */
    pthread_mutex_t health_lock;
    wx_registry_health health;
    /* wx_manager_follow's own registry handle, for waiting without the
     * admin lock (wxg_registry_open_watch): made on the first follow,
     * under follow_lock, which one round holds from start to end. */
    pthread_mutex_t follow_lock;
    wxg_registry *watch;
};

struct wx_fn {
    wxm_plugin *plugin; /* holds a reference */
    uint32_t counter;   /* the function's counter index */
    char func[];        /* its name, for messages */
};

/* ---------------------------------------------------------- manager.c */

void wxm_plugin_release(wxm_plugin *p);
void wxm_version_release(wxm_version *v);
/* The plugin's current version with a reference, or NULL if deleted. */
wxm_version *wxm_plugin_current(wxm_plugin *p);
/* The plugin's current version pinned in the caller's shard (stored in
 * *shard), or NULL if deleted: the fast path of handle calls. Undo with
 * wxm_plugin_unpin, passing the same shard. */
wxm_version *wxm_plugin_pin(wxm_plugin *p, unsigned *shard);
void wxm_plugin_unpin(wxm_plugin *p, wxm_version *v, unsigned shard);
/* The plugin named `name` (table lock held by the caller), or NULL. */
wxm_plugin *wxm_find_plugin(const wx_manager *m, const char *name);
/* The counter of `name`, appended if new (admin lock held). */
wxm_counter *wxm_plugin_counter(wxm_plugin *p, const char *name);
/* The function `name` of version `v`, or NULL. */
wxm_func *wxm_version_func(const wxm_version *v, const char *name);
/* Counts one call of `f` that ended with `s`. */
static inline void wxm_count(wxm_func *f, wx_status s)
{
    wxm_shard *sh = &f->counter->shards[wxm_thread_shard()];
    /* A status out of the list (none is made) would count as "host". */
    unsigned k = (unsigned)s < WX_STATUS_COUNT_ ? (unsigned)s : WX_EHOST;
    atomic_fetch_add_explicit(&sh->by_status[k], 1, memory_order_relaxed);
}
/* The histogram bucket of a call that used `units` of fuel: the k with
 * 4^(k-1) < units <= 4^k (0 for at most 1 unit), the last for all above
 * 4^(WX_FUEL_BUCKETS - 2). */
static inline unsigned wxm_fuel_bucket(uint64_t units)
{
    if (units <= 1)
        return 0;
    unsigned bits = 64u - (unsigned)__builtin_clzll(units - 1);
    unsigned k = (bits + 1) / 2;
    return k < WX_FUEL_BUCKETS ? k : WX_FUEL_BUCKETS - 1;
}
/* Counts `n` calls of `f` that used `units` of fuel in all, `per[k]` of
 * them in bucket k (a batch adds its rows at once; a call passes n 1). */
void wxm_count_fuel(wxm_func *f, uint64_t units, const uint64_t *per);
/* One call that used `units` (0: it ran no guest code, not counted). */
static inline void wxm_count_fuel1(wxm_func *f, uint64_t units)
{
    if (!units)
        return;
    wxm_fuel_shard *sh = &f->counter->fuel[wxm_thread_shard()];
    atomic_fetch_add_explicit(&sh->sum, units, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->buckets[wxm_fuel_bucket(units)], 1,
                              memory_order_relaxed);
}
/* The totals of a counter into info's calls, errors and errors_by_status
 * (a snapshot: calls in flight may be missing). */
void wxm_counter_read(const wxm_counter *c, wx_function_info *info);

/* --------------------------------------------------- manager_follow.c */

void wxm_health_init(wx_manager *m);
void wxm_health_destroy(wx_manager *m);
/* A registry access worked; `synced` (with revision `rev`) when it was a
 * sync, which then counts, `resynced` when it re-read the list. */
void wxm_health_up(wx_manager *m, bool synced, bool resynced, int64_t rev);
/* A registry access failed with `why`; `sync` when it was a sync. */
void wxm_health_down(wx_manager *m, bool sync, const wx_error *why);
/*
 * After a change's registry step failed with `s`: whether the registry
 * itself is unreachable (a revision read fails too), which then marks it
 * down. A refusal of the change alone (EEXIST, ENOPLUGIN) is not. Admin
 * lock held.
 */
bool wxm_registry_probe(wx_manager *m, wx_status s);

/* ----------------------------------------------------- manager_load.c */

/*
 * Builds a version of plugin `p` from a parsed config (taken over, freed
 * on failure too) and module bytes. `check_conflicts`: refuse function
 * names that another registered plugin lists (adds and updates do, a
 * reload does not, so that the registry's content always loads). On
 * failure returns NULL with `err` set; the message names the field.
 * `sha256` is the digest of the bytes when the caller has it already (a
 * stored plugin it checked), NULL to compute it: a module of megabytes
 * costs milliseconds to hash (about 1.2 GB/s here), more than it costs to
 * load, so it is hashed once per change or load, not at every step.
 * Runs with the admin lock held.
 */
wxm_version *wxm_version_build(wx_manager *m, wxm_plugin *p, wxg_config *cfg,
                               const uint8_t *wasm, size_t wasm_len,
                               const char *sha256, bool check_conflicts,
                               wx_error *err);
/* The version's canonical config JSON, made on first need and kept (any
 * thread); NULL when there is no config, or no memory to dump it. */
const char *wxm_version_config(wxm_version *v);
/* A pending version (see wxm_version.pending) of `cfg` (taken over). */
wxm_version *wxm_version_pending(wxm_plugin *p, wxg_config *cfg,
                                 char *config_text);
/* Replaces plugin p's pending version by the loaded one (or an error
 * version saying why it cannot load); a no-op when it is not pending.
 * Takes the admin lock: never call it holding the table lock. */
void wxm_plugin_load(wxm_plugin *p);
/* A version that cannot run: `cfg` may be NULL; both are taken over. */
wxm_version *wxm_version_failed(wxm_plugin *p, wxg_config *cfg,
                                char *config_text, const wx_error *why);
/* Frees what a version owns (its reference count reached zero). */
void wxm_version_destroy(wxm_version *v);
/* The file name part of a path, for messages. */
const char *wxm_basename(const char *path);
/* "(i32, i32) -> (i32)" into buf. */
void wxm_signature(const wx_functype *t, char *buf, size_t size);
/* Other plugins listing function `name`, comma-separated into buf; the
 * number of them. Table lock (or admin) held. */
size_t wxm_claimants(const wx_manager *m, const wxm_plugin *except,
                     const char *name, char *buf, size_t size);

/* --------------------------------------------------- manager_record.c */

void wxm_ring_init(wxm_ring *r);
void wxm_ring_destroy(wxm_ring *r);
/* Sets the ring's bound after a new version became current (dropping
 * the oldest recordings past it; 0 drops them all). */
void wxm_ring_bound(wxm_plugin *p, uint32_t cap);
/* Keeps `wasm` for replay when v's config records (sets v->record and
 * v->blob; leaves recording off when out of memory). After v->sha256. */
void wxm_record_prepare(wxm_version *v, const uint8_t *wasm, size_t len);
void wxm_blob_release(wxm_blob *b);
/* Records a failed call of `f` on `v` (v->record set) if its status is
 * one a replay can reproduce; never fails the call. */
void wxm_record_values(wxm_version *v, const wxm_func *f,
                       const wx_value *args, size_t nargs, wx_status s,
                       const wx_error *e);
void wxm_record_wasm(wxm_version *v, const wxm_func *f,
                     const wx_wasm_val *args, size_t nargs, wx_status s,
                     const wx_error *e);

/* ----------------------------------------------------------- manager.c */

/* Adds a plugin from a parsed config (taken over) and module bytes: the
 * replay's own managers. */
wx_status wxm_add_bytes(wx_manager *m, wxg_config *cfg, const uint8_t *wasm,
                        size_t len, wx_error *err);
/* Reads plugin `name`'s stored record (config and bytes) under the admin
 * lock. */
wx_status wxm_stored(wx_manager *m, const char *name, wxg_record *rec,
                     wx_error *err);

/* --------------------------------------------------------- guestlog.c */

/*
 * The function whose call is running on this thread's instance, for the
 * guest log: a call sets it once it holds its instance and clears it when
 * the guest returns, so a line the guest hands over meanwhile (on this
 * thread: host functions run on the caller's) names it. A pointer to the
 * function's counter name, never a copy, so that a call that logs nothing
 * pays one store each way. Instance creation and freeing clear it around
 * themselves (wxm_guest_fn_enter_host): their lines have no function.
 */
extern _Thread_local const char *wxm_guest_fn;

static inline const char *wxm_guest_fn_enter_host(void)
{
    const char *was = wxm_guest_fn;
    wxm_guest_fn = NULL;
    return was;
}

void wxm_guestlog_init(wxm_guestlog *g, uint32_t rate);
void wxm_guestlog_destroy(wxm_guestlog *g);
/* Logs one line of guest output (see guestlog.c), written during a call
 * of function `func` (NULL: none): `cut` bytes of it were already dropped
 * for length. Any thread. */
void wxm_guestlog_line(wxm_guestlog *g, const char *plugin, const char *func,
                       int fd, const uint8_t *line, size_t len, uint64_t cut);
/* The same with `tag` in place of the stream's name: an Extism log
 * call's level ("info"), a word the host chose, never the guest. */
void wxm_guestlog_tagged(wxm_guestlog *g, const char *plugin,
                         const char *func, const char *tag,
                         const uint8_t *line, size_t len, uint64_t cut);
void wxm_guestlog_read(const wxm_guestlog *g, wxm_guestlog_stats *out);
/* Escapes `len` bytes into `out` (NUL-terminated, at most size - 1 bytes;
 * what does not fit is left out); returns the length written. */
size_t wxm_guestlog_escape(const uint8_t *in, size_t len, char *out,
                           size_t size);

/* ------------------------------------------------------ manager_abi.c */

/*
 * Describes function `f` to the ABI layer from its config entry and checks
 * it against the module, filling the types the signature implies; errors
 * start with `at` ("functions[1]") and name the module as `file`.
 */
wx_status wxm_abi_bind(wxm_func *f, const wx_module *m, const char *at,
                       const char *file, wx_error *err);
/* Runs `f` with the caller's typed arguments (count checked), converting
 * those of another type (wxm_args_prepare): wx_fn_call_values. */
wx_status wxm_abi_call_values(wxm_version *v, wxm_func *f,
                              const wxa_value *args, size_t nargs,
                              wxa_results *out, wx_error *err);
/* Calls `f`'s export with wasm values of its signature's types on a
 * pooled instance, measuring the fuel used when the pool meters it. */
wx_status wxm_run_wasm(wxm_version *v, wxm_func *f, const wx_wasm_val *args,
                       size_t nargs, wx_wasm_val *res, size_t nres,
                       wx_error *err);
/* Checks the argument count against the bound parameter list ("add:
 * expected 2 arguments, got 1"). */
wx_status wxm_abi_check_count(const wxm_func *f, size_t n, wx_error *err);
/* The fuel a call used on `inst` with a lease's budget of `budget` units
 * (0: the pool does not meter fuel, nothing is measured). */
static inline uint64_t wxm_fuel_used(wx_instance *inst, uint64_t budget)
{
    if (!budget)
        return 0;
    uint64_t left = wx_instance_fuel_left(inst);
    return left < budget ? budget - left : 0;
}

/* ----------------------------------------------------------- manager.c */

/*
 * Makes the arguments of one call usable by the ABI layer: each already
 * of its parameter's type is checked (check_same) and used in place,
 * the others converted into conv[] (*owned: bit i set for each, to free
 * with wxm_args_release). *use points to args or conv. The count must
 * have been checked. WX_EARG naming the argument.
 */
wx_status wxm_args_prepare(const wxm_func *f, const wxa_value *args,
                           size_t nargs, wxa_value *conv,
                           const wxa_value **use, uint64_t *owned,
                           wx_error *err);
void wxm_args_release(wxa_value *conv, uint64_t owned);
/* The same for a bound numeric function, straight into wasm values (a
 * converted argument is freed at once: numbers own nothing). */
wx_status wxm_args_to_wasm(const wxm_func *f, const wxa_value *args,
                           size_t nargs, wx_wasm_val *vals, wx_error *err);
/* The version a handle's call runs on, pinned (undo with
 * wxm_plugin_unpin(fn->plugin, *v, *shard)), and the function in it;
 * WX_ENOPLUGIN or the version's error status as a call gets them. */
wx_status wxm_fn_pin(wx_fn *fn, wxm_version **v, wxm_func **f,
                     unsigned *shard, wx_error *err);

#endif
