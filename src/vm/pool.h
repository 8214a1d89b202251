/*
 * Instance pools: the unit a plugin runs on. A pool holds `instance_num`
 * instances of one module, all created when the pool is; a call checks one
 * out, runs on it and returns it. Guest state (globals, memory, tables)
 * persists between calls on the same instance, as in WasmEdge, except that
 * an instance whose call failed inside the guest (trap, timeout, interrupt,
 * host failure, exit) is thrown away and replaced by a fresh one made from
 * the same module and linker, so a failed call never changes what the next
 * call sees.
 *
 * Limits per pool: memory pages and call depth (wx_instance_opts, enforced
 * by the engine: memory.grow past the limit gives -1, too deep a recursion
 * traps with stack_exhausted), fuel (instance.fuel, engine.h: a bound on
 * loop iterations plus calls; each lease gets the whole budget afresh, and
 * so do a fresh instance's start function and on_instance hook; a call
 * that runs out fails with WX_ELIMIT, "fuel exhausted: the call used its
 * 1000000 units (limits.fuel)", and its instance is replaced like after a
 * trap), a wall-clock timeout per call (a watchdog thread interrupts the
 * instance; the call fails with WX_ETIMEOUT, "timeout: call exceeded 100
 * ms") and a bound on how long a call waits for a free instance (then
 * WX_EBUSY, "plugin pool busy: all 4 instances in use for 5000 ms"). The
 * engine notices an interrupt at a call's start and then within 256 loop
 * back-edges, calls and chunks of bulk operations; a guest blocked inside
 * a host function stops once that function returns, which WASI's waits
 * do within 10 ms of the interrupt (wx_instance_interrupted). A fresh
 * instance's start function and init hook run under the same watchdog
 * (init_timeout_ms) and fuel, so a start that loops fails the creation
 * with WX_ETIMEOUT or WX_ELIMIT. The watchdog wakes at least once per
 * timeout_ms while the pool lives: a 1 ms timeout costs a thousand
 * wake-ups a second.
 *
 * Threads: every function here may be called from any thread at once. A
 * checkout and a return take no lock unless they must wait, wake a waiter
 * or (re)create an instance, and a thread keeps reusing the instance it
 * had, so threads calling one pool scale like threads with instances of
 * their own (src/vm/pool.c, docs/design.md "Pool fast path"). The
 * module must be shareable (engine modules are). The linker is read by
 * every instantiation (at creation and for each replacement): do not change
 * it while the pool lives, and if several pools share one linker, give them
 * the same `link_lock` (wx_instantiate may write into the linker when it
 * fails half-way, see engine.h).
 *
 * Lifetime, for hot updates. A pool is reference-counted:
 *   - wxv_pool_new() returns a pool holding one reference, the caller's.
 *   - wxv_pool_retain() adds one, wxv_pool_release() drops one; when the
 *     last goes, the pool frees its instances, calls opts.on_free (where
 *     the owner frees the module and linker, which must live until then)
 *     and frees itself.
 *   - A lease (a checked-out instance) holds a reference of its own from
 *     checkout to return, so a pool stays alive while a call runs on it
 *     even after every other reference was dropped.
 *   - Whoever calls wxv_pool_checkout() or wxv_pool_call() must hold a
 *     reference for the duration of that function call.
 * So a manager swaps a plugin's pool like this: readers, under the
 * manager's lock, take `p = plugin->pool` and wxv_pool_retain(p), unlock,
 * call, then wxv_pool_release(p); the updater, under the same lock, sets
 * `plugin->pool = fresh` and after unlocking releases the old pool. Calls
 * in flight finish on the old pool, new calls go to the new one, none
 * fails, and the old pool (and through on_free its module) is freed after
 * its last call returns.
 */
#ifndef WASMEXT_VM_POOL_H
#define WASMEXT_VM_POOL_H

#include "wasmext/engine.h"
#include "watchdog.h"

#include <pthread.h>
#include <stdint.h>

typedef struct wxv_pool wxv_pool;

#define WXV_DEFAULT_WAIT_MS WX_DEFAULT_WAIT_MS
/* wait_ms value: fail with WX_EBUSY at once when no instance is free. */
#define WXV_WAIT_NONE UINT32_MAX
#define WXV_MAX_INSTANCES 4096u

/*
 * Run on each fresh instance, initial and replacement, before any call
 * sees it (e.g. WASI's `_initialize`, or setting instance userdata).
 * Return WX_OK, or an error status with `err` filled: the instance is then
 * freed and the pool creation (or the call that needed it) fails.
 */
typedef wx_status (*wxv_instance_hook)(wx_instance *inst, void *ud,
                                       wx_error *err);

/* Options; zero-initialise and set what you need. */
typedef struct wxv_pool_opts {
    uint32_t instance_num; /* 0: 1; at most WXV_MAX_INSTANCES */
    /* How long a call waits for a free instance. 0: WXV_DEFAULT_WAIT_MS;
     * WXV_WAIT_NONE: do not wait. */
    uint32_t wait_ms;
    /* Wall-clock limit per call (per lease, see wxv_pool_checkout).
     * 0: none. */
    uint32_t timeout_ms;
    /* Wall-clock limit for each fresh instance's start function, and
     * again for its on_instance hook (WX_ETIMEOUT, "start function:
     * timeout after 100 ms (limits.timeout_ms)", and the creation fails).
     * 0: timeout_ms (and none when that is 0 too). */
    uint32_t init_timeout_ms;
    /* Memory pages, call depth and fuel (0: unlimited; the budget of each
     * lease, see above), for every instance. */
    wx_instance_opts instance;
    /* The watchdog enforcing timeout_ms: pass the process component's
     * shared one (the pool takes a reference). NULL with timeout_ms set:
     * the pool starts a private watchdog thread. */
    wxv_watchdog *watchdog;
    /* Serialises wx_instantiate across pools sharing a linker. NULL: a
     * lock of the pool's own. */
    pthread_mutex_t *link_lock;
    /* Idle trim: an instance left idle this long (ms) whose guest memory
     * grew past what it had when made (wx_instance_memory_bytes) is
     * freed, its slot left empty for the next checkout to fill, so that
     * memory a burst of calls grew goes back once the calls stop. Run by
     * the watchdog (shared, or the pool's own), which then wakes about
     * twice per trim_idle_ms. 0: never. */
    uint32_t trim_idle_ms;
    wxv_instance_hook on_instance; /* optional */
    /* on_instance runs no guest code (it only binds host state, e.g. a
     * WASI context with wasi.init "none"), so it needs no deadline: with
     * no start function either, making an instance then never starts the
     * watchdog's thread. */
    bool on_instance_host_only;
    /* Optional: an instance that passed on_instance is about to be freed
     * (replaced, trimmed, or the pool is going), e.g. to unbind the
     * context on_instance bound to it. */
    void (*on_instance_free)(wx_instance *inst, void *ud);
    void (*on_free)(void *ud);     /* optional: the pool is gone */
    void *ud; /* for on_instance, on_instance_free and on_free */
} wxv_pool_opts;

/* Error kinds counted in the statistics. */
#define WXV_ERRKIND_LIST(X)                                                   \
    X(WXV_ERR_TRAP, "trap")                                                   \
    X(WXV_ERR_TIMEOUT, "timeout")                                             \
    X(WXV_ERR_BUSY, "busy")                                                   \
    X(WXV_ERR_OTHER, "other")

typedef enum wxv_errkind {
#define WXV_ERRKIND_ENUM_(e, n) e,
    WXV_ERRKIND_LIST(WXV_ERRKIND_ENUM_)
#undef WXV_ERRKIND_ENUM_
        WXV_ERRKIND_COUNT_
} wxv_errkind;

const char *wxv_errkind_name(wxv_errkind k);

/*
 * A snapshot of a pool's counters. A call is one wxv_pool_call() or one
 * lease (checkout to return, whatever it ran), each renewal of a lease
 * starting one more (wxv_lease_renew); when no call is in flight,
 * calls == ok + the sum of errors.
 */
typedef struct wxv_pool_stats {
    uint64_t calls;
    uint64_t ok;
    uint64_t errors[WXV_ERRKIND_COUNT_];
    uint64_t replaced;         /* instances thrown away after a failure */
    uint64_t create_failures;  /* replacements that could not be made */
    uint64_t trimmed;          /* idle instances freed (wxv_pool_trim) */
    uint32_t instances;        /* instance_num */
    uint32_t busy;             /* checked out now */
    uint32_t idle;             /* ready now */
    uint32_t empty;            /* being (re)created, or waiting for it */
    uint32_t waiting;          /* calls waiting for a free instance now */
} wxv_pool_stats;

/* A checked-out instance. `instance` is the caller's until return. */
typedef struct wxv_lease {
    wx_instance *instance;
    wx_wasm_func *const *funcs_; /* private: exported functions, by index */
    uint32_t slot_;         /* private */
} wxv_lease;

/*
 * Creates the pool and its instances. The module and linker (NULL if the
 * module imports nothing) are borrowed, see the lifetime rules above.
 * Errors: WX_EARG for bad options, instantiation or on_instance errors
 * (the module's imports, its start function) as they are.
 */
wxv_pool *wxv_pool_new(const wx_module *m, wx_linker *l,
                       const wxv_pool_opts *opts, wx_error *err);
void wxv_pool_retain(wxv_pool *p);
void wxv_pool_release(wxv_pool *p);

const wx_module *wxv_pool_module(const wxv_pool *p);
uint32_t wxv_pool_instance_num(const wxv_pool *p);
/* The fuel budget of each lease (opts.instance.fuel; 0: not metered). */
uint64_t wxv_pool_fuel(const wxv_pool *p);

/*
 * The export index of function `name`, for wxv_pool_call_index() and
 * wxv_lease_func(); resolve it once when the plugin loads. WX_ENOEXPORT if
 * the module exports no function of that name.
 */
wx_status wxv_pool_func_index(const wxv_pool *p, const char *name,
                              uint32_t *index, wx_error *err);

/*
 * Checks an instance out, waiting up to wait_ms for one (then WX_EBUSY).
 * The timeout clock starts here and covers everything done on the lease,
 * e.g. an ABI layer's malloc, call and free. If an instance had to be
 * recreated and that fails, its error is returned. The lease must be
 * returned exactly once, by the same or another thread.
 */
wx_status wxv_pool_checkout(wxv_pool *p, wxv_lease *lease, wx_error *err);

/*
 * Returns a lease; `outcome` is how the work on it ended: WX_OK keeps the
 * instance for the next call (say WX_OK too if nothing ran on it), any
 * error replaces it, since the guest may have stopped half-way (give the
 * status of the engine call that failed; its kind is counted). Returns the
 * final status: `outcome`, except that an interrupt caused by the timeout
 * becomes WX_ETIMEOUT, with `err` rewritten to say so. The lease is
 * cleared.
 */
wx_status wxv_pool_return(wxv_pool *p, wxv_lease *lease, wx_status outcome,
                          wx_error *err);

/*
 * Starts the next call on the same lease, after the last one succeeded
 * (a batch of rows on one instance, src/manager/manager_batch.c): counts
 * the last call ok and a new call started, gives the new one the whole
 * fuel budget and a timeout clock of its own, as a checkout would, and
 * moves the lease's generation on so that a watchdog that looked at the
 * last call's deadline cannot interrupt the new one. False when the lease
 * must go back instead (then return it with WX_OK and check out again):
 * another call waits for an instance, so it gets its turn; the watchdog
 * interrupted the last call after it had finished; or the pool is being
 * released. One compare-and-swap on the slot's own line when true.
 */
bool wxv_lease_renew(wxv_pool *p, wxv_lease *lease);

/* Exported function `index` of the leased instance (NULL if that export is
 * not a function or the index is out of range). */
wx_wasm_func *wxv_lease_func(const wxv_lease *lease, const wxv_pool *p,
                        uint32_t index);

/* Checkout, wx_call, return: one call of exported function `name`. The
 * arguments are checked against its signature first, so a wrong call
 * (WX_EARG, WX_ENOEXPORT) costs no instance. */
wx_status wxv_pool_call(wxv_pool *p, const char *name, const wx_wasm_val *args,
                        size_t nargs, wx_wasm_val *results, size_t nresults,
                        wx_error *err);
/* The same with an index from wxv_pool_func_index(), without the lookup.
 * `fuel_used` (may be NULL) receives the fuel the call burnt on a metered
 * pool (wxv_pool_fuel), read before the instance goes back; 0 when the
 * pool is not metered or the call never ran. */
wx_status wxv_pool_call_index(wxv_pool *p, uint32_t index,
                              const wx_wasm_val *args, size_t nargs,
                              wx_wasm_val *results, size_t nresults,
                              uint64_t *fuel_used, wx_error *err);

/*
 * Counters and current occupancy. Calls do not stop for it (their counters
 * are per instance and taken without a lock), so while calls run it is a
 * snapshot in motion: a call may be in `calls` and not yet in `ok` or
 * `errors`, never the other way round; `busy + idle + empty` is always
 * `instances`.
 */
void wxv_pool_stats_get(wxv_pool *p, wxv_pool_stats *out);

/*
 * Runs the idle trim now, as the watchdog does (opts.trim_idle_ms), with
 * `idle_ms` as the bound (0: every grown idle instance, however recently
 * used). Returns how many instances it freed.
 */
uint32_t wxv_pool_trim(wxv_pool *p, uint32_t idle_ms);

/*
 * How many waits for a free instance, in every pool of the process, ended
 * because their wait_ms bound passed rather than because an instance was
 * handed over. With a bound far above any call's length this stays 0 in a
 * correct pool; the tests count it instead of timing themselves.
 */
uint64_t wxv_pool_wait_timeouts(void);

#endif
