/*
 * Instance pools (see pool.h). One mutex per pool guards the slots, the
 * idle and empty stacks and the counters; it is held only for a few
 * stores, never across guest code or instantiation. Each slot is one
 * place for an instance:
 *
 *   IDLE --checkout--> BUSY --return ok--> IDLE
 *                       |
 *                       +--return failed--> CREATING --made--> IDLE
 *                                               |  ^
 *                                       failed  v  | a checkout retries
 *                                              EMPTY
 *
 * Timeouts: checkout stores the slot's deadline; the watchdog thread scans
 * the slots under the same mutex and interrupts a busy instance past its
 * deadline, marking the slot `fired`. Because return clears the deadline
 * under that mutex, an interrupt can only reach the call it was meant for,
 * never the next user of the instance.
 */
#include "pool.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef enum slot_state {
    SLOT_IDLE,
    SLOT_BUSY,
    SLOT_CREATING,
    SLOT_EMPTY,
} slot_state;

typedef struct slot {
    wx_instance *inst;
    wx_func **funcs;   /* exported functions of inst, by export index */
    uint64_t deadline; /* 0: no timeout armed */
    bool fired;        /* the watchdog interrupted this call */
    slot_state state;
} slot;

/*
 * References: `refs` counts the owners' references (atomic, so that retain
 * and release need no lock); leases are counted in `nleases` under the
 * lock, which keeps two atomic read-modify-writes off every call. The pool
 * dies when both reach zero: the release that takes `refs` to zero frees
 * it if no lease is out, else marks it `orphaned` and the last return
 * frees it. Both decisions are made under the lock, so exactly one of them
 * sees the last of both.
 */
struct wxv_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed; /* an instance became idle or a slot empty */
    atomic_uint refs;
    uint32_t nleases;
    bool orphaned;

    const wx_module *module;
    wx_linker *linker;
    wxv_pool_opts opts;
    pthread_mutex_t own_link_lock;
    pthread_mutex_t *link_lock;
    uint64_t timeout_ns;
    uint64_t arm_ns; /* timeout_ns plus the coarse clock's resolution */
    uint64_t wait_ns;

    uint32_t nexports;
    const char **func_names; /* by export index; NULL: not a function */
    wx_functype *func_types; /* by export index, for checking calls */

    /* The arrays live in the pool's own allocation (see alloc_pool). */
    uint32_t n;
    slot *slots;
    uint32_t *idle, nidle;   /* stack: the last returned is reused first */
    uint32_t *empty, nempty;
    uint32_t nbusy, nwaiting;

    wxv_watchdog *watchdog;
    wxv_wd_source *wd_source;

    wxv_pool_stats stats; /* counters only; occupancy is computed */
};

static const char *const errkind_names[] = {
#define X_(e, n) n,
    WXV_ERRKIND_LIST(X_)
#undef X_
};

const char *wxv_errkind_name(wxv_errkind k)
{
    return (unsigned)k < WXV_ERRKIND_COUNT_ ? errkind_names[k] : "unknown";
}

/* Our own errors carry no trap, whatever the error object held before. */
static wx_status fail(wx_error *err, wx_status s, const char *what)
{
    if (err)
        err->trap = WX_TRAP_NONE;
    return wx_error_set(err, s, "%s", what);
}

/* ------------------------------------------------------------ instances */

/*
 * A fresh, initialised instance for `s`, or NULL with `err` set. Runs
 * without the pool's lock: instantiation may run a start function.
 */
static wx_instance *create_instance(wxv_pool *p, slot *s, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    wx_error_clear(err);

    pthread_mutex_lock(p->link_lock);
    wx_instance *inst = wx_instantiate(p->module, p->linker,
                                       &p->opts.instance, err);
    pthread_mutex_unlock(p->link_lock);
    if (!inst)
        return NULL;
    /* The start function had its budget (opts.instance.fuel); the init
     * hook gets a full one of its own. */
    if (p->opts.instance.fuel)
        wx_instance_set_fuel(inst, p->opts.instance.fuel);
    if (p->opts.on_instance) {
        wx_status st = p->opts.on_instance(inst, p->opts.ud, err);
        if (st != WX_OK) {
            /* A hook that failed without saying why still gets a reason. */
            if (err->status == WX_OK)
                wx_error_set(err, st, "instance init hook failed (%s)",
                             wx_status_name(st));
            wx_instance_free(inst);
            return NULL;
        }
    }
    for (uint32_t i = 0; i < p->nexports; i++)
        s->funcs[i] = p->func_names[i]
                          ? wx_instance_func(inst, p->func_names[i])
                          : NULL;
    err->status = WX_OK;
    return inst;
}

/* The slot's instance is ready for calls: make it idle and wake a waiter.
 * Called with the lock held. */
static void make_idle(wxv_pool *p, uint32_t i)
{
    p->slots[i].state = SLOT_IDLE;
    p->idle[p->nidle++] = i;
    if (p->nwaiting)
        pthread_cond_signal(&p->freed);
}

/* The slot has no instance; a checkout will try to make one. */
static void make_empty(wxv_pool *p, uint32_t i)
{
    p->slots[i].state = SLOT_EMPTY;
    p->slots[i].inst = NULL;
    p->empty[p->nempty++] = i;
    if (p->nwaiting)
        pthread_cond_signal(&p->freed);
}

/* ------------------------------------------------------------- watchdog */

static uint64_t scan_pool(void *ctx, uint64_t now)
{
    wxv_pool *p = ctx;
    uint64_t next = UINT64_MAX;
    pthread_mutex_lock(&p->lock);
    for (uint32_t i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        if (s->state != SLOT_BUSY || !s->deadline || s->fired)
            continue;
        if (now >= s->deadline) {
            s->fired = true;
            wx_instance_interrupt(s->inst);
        } else if (s->deadline < next) {
            next = s->deadline;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return next;
}

static wx_status start_watchdog(wxv_pool *p, wx_error *err)
{
    if (!p->timeout_ns)
        return WX_OK;
    if (p->opts.watchdog) {
        p->watchdog = p->opts.watchdog;
        wxv_watchdog_retain(p->watchdog);
    } else {
        p->watchdog = wxv_watchdog_new(err);
        if (!p->watchdog)
            return err ? err->status : WX_EHOST;
    }
    /* Every deadline is armed timeout_ns after the moment it is set, which
     * is the period the watchdog needs (watchdog.h). */
    p->wd_source = wxv_watchdog_add(p->watchdog, scan_pool, p, p->timeout_ns,
                                    err);
    return p->wd_source ? WX_OK : WX_ENOMEM;
}

/* ------------------------------------------------------------- lifetime */

static wx_status check_opts(const wxv_pool_opts *o, wx_error *err)
{
    if (o->instance_num > WXV_MAX_INSTANCES)
        return wx_error_set(err, WX_EARG,
                            "instance_num %u is more than the maximum %u",
                            o->instance_num, WXV_MAX_INSTANCES);
    return WX_OK;
}

#define WXV_CACHE_LINE 64

static size_t round_up(size_t x)
{
    return (x + WXV_CACHE_LINE - 1) & ~(size_t)(WXV_CACHE_LINE - 1);
}

/*
 * One allocation holds the pool and its arrays, rounded to cache lines, so
 * that what a call writes (lock, slot, stacks, counters) shares no cache
 * line with another pool's: two threads each calling their own pool would
 * otherwise slow each other down.
 */
static wxv_pool *alloc_pool(uint32_t n, uint32_t ne)
{
    size_t at_slots = round_up(sizeof(wxv_pool));
    size_t at_idle = at_slots + (size_t)n * sizeof(slot);
    size_t at_empty = at_idle + (size_t)n * sizeof(uint32_t);
    size_t at_names = round_up(at_empty + (size_t)n * sizeof(uint32_t));
    size_t at_types = at_names + (size_t)ne * sizeof(const char *);
    size_t at_funcs = at_types + (size_t)ne * sizeof(wx_functype);
    size_t size = round_up(at_funcs + (size_t)n * ne * sizeof(wx_func *));
    char *block = aligned_alloc(WXV_CACHE_LINE, size);
    if (!block)
        return NULL;
    memset(block, 0, size);
    wxv_pool *p = (wxv_pool *)block;
    p->n = n;
    p->nexports = ne;
    p->slots = (slot *)(block + at_slots);
    p->idle = (uint32_t *)(block + at_idle);
    p->empty = (uint32_t *)(block + at_empty);
    p->func_names = (const char **)(block + at_names);
    p->func_types = (wx_functype *)(block + at_types);
    wx_func **funcs = (wx_func **)(block + at_funcs);
    for (uint32_t i = 0; i < n; i++)
        p->slots[i].funcs = funcs + (size_t)i * ne;
    return p;
}

static void name_funcs(wxv_pool *p)
{
    for (uint32_t i = 0; i < p->nexports; i++) {
        wx_externdesc d;
        if (wx_module_export(p->module, i, &d) &&
            d.kind == WX_EXTERN_FUNC) {
            p->func_names[i] = d.name;
            p->func_types[i] = d.func;
        }
    }
}

static void destroy(wxv_pool *p)
{
    if (p->wd_source)
        wxv_watchdog_remove(p->watchdog, p->wd_source);
    wxv_watchdog_release(p->watchdog);
    for (uint32_t i = 0; i < p->n; i++)
        wx_instance_free(p->slots[i].inst);
    pthread_cond_destroy(&p->freed);
    pthread_mutex_destroy(&p->own_link_lock);
    pthread_mutex_destroy(&p->lock);
    void (*on_free)(void *) = p->opts.on_free;
    void *ud = p->opts.ud;
    free(p);
    if (on_free)
        on_free(ud);
}

wxv_pool *wxv_pool_new(const wx_module *m, wx_linker *l,
                       const wxv_pool_opts *opts, wx_error *err)
{
    wxv_pool_opts none = {0};
    if (!opts)
        opts = &none;
    if (!m) {
        fail(err, WX_EARG, "no module");
        return NULL;
    }
    if (check_opts(opts, err) != WX_OK)
        return NULL;
    wxv_pool *p = alloc_pool(opts->instance_num ? opts->instance_num : 1,
                             wx_module_export_count(m));
    if (!p) {
        fail(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    p->module = m;
    p->linker = l;
    p->opts = *opts;
    /* The pool's own failure cleanup must not free what the caller keeps
     * after a failed creation. */
    p->opts.on_free = NULL;
    p->timeout_ns = (uint64_t)opts->timeout_ms * 1000000u;
    p->arm_ns = p->timeout_ns ? p->timeout_ns + wxv_coarse_res_ns() : 0;
    p->wait_ns = opts->wait_ms == WXV_WAIT_NONE ? 0
                 : (uint64_t)(opts->wait_ms ? opts->wait_ms
                                            : WXV_DEFAULT_WAIT_MS) *
                       1000000u;
    atomic_init(&p->refs, 1);
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->own_link_lock, NULL);
    p->link_lock = opts->link_lock ? opts->link_lock : &p->own_link_lock;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->freed, &ca);
    pthread_condattr_destroy(&ca);
    name_funcs(p);

    for (uint32_t i = 0; i < p->n; i++) {
        p->slots[i].inst = create_instance(p, &p->slots[i], err);
        if (!p->slots[i].inst)
            goto fail;
        make_idle(p, i);
    }
    if (start_watchdog(p, err) != WX_OK)
        goto fail;
    p->opts.on_free = opts->on_free;
    if (err)
        err->status = WX_OK;
    return p;

fail:
    destroy(p);
    return NULL;
}

void wxv_pool_retain(wxv_pool *p)
{
    atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
}

void wxv_pool_release(wxv_pool *p)
{
    if (!p ||
        atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_lock(&p->lock);
    bool last = p->nleases == 0;
    p->orphaned = !last;
    pthread_mutex_unlock(&p->lock);
    if (last)
        destroy(p);
}

const wx_module *wxv_pool_module(const wxv_pool *p)
{
    return p->module;
}

uint32_t wxv_pool_instance_num(const wxv_pool *p)
{
    return p->n;
}

wx_status wxv_pool_func_index(const wxv_pool *p, const char *name,
                              uint32_t *index, wx_error *err)
{
    for (uint32_t i = 0; i < p->nexports; i++) {
        if (p->func_names[i] && strcmp(p->func_names[i], name) == 0) {
            *index = i;
            return WX_OK;
        }
    }
    if (err)
        err->trap = WX_TRAP_NONE;
    return wx_error_set(err, WX_ENOTFOUND,
                        "function '%s' is not exported by the module", name);
}

/* ------------------------------------------------------- checkout, return */

static struct timespec timespec_from_ns(uint64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    return ts;
}

/* Hands slot `i` out as a lease; called with the lock held. */
static void lend(wxv_pool *p, uint32_t i, wxv_lease *lease)
{
    slot *s = &p->slots[i];
    s->state = SLOT_BUSY;
    s->fired = false;
    s->deadline = p->arm_ns ? wxv_coarse_now_ns() + p->arm_ns : 0;
    /* Every lease gets the full budget: what earlier calls used does not
     * count against this one. */
    if (p->opts.instance.fuel)
        wx_instance_set_fuel(s->inst, p->opts.instance.fuel);
    p->nbusy++;
    p->nleases++;
    lease->instance = s->inst;
    lease->funcs_ = s->funcs;
    lease->slot_ = i;
}

/* Fills empty slot `i` (state CREATING, lock not held) and lends it. */
static wx_status fill_and_lend(wxv_pool *p, uint32_t i, wxv_lease *lease,
                               wx_error *err)
{
    wx_instance *inst = create_instance(p, &p->slots[i], err);
    pthread_mutex_lock(&p->lock);
    if (!inst) {
        p->stats.create_failures++;
        p->stats.errors[WXV_ERR_OTHER]++;
        make_empty(p, i);
        pthread_mutex_unlock(&p->lock);
        return err ? err->status : WX_EHOST;
    }
    p->slots[i].inst = inst;
    lend(p, i, lease);
    pthread_mutex_unlock(&p->lock);
    return WX_OK;
}

/* Waits on `freed` until `*deadline` (computed on the first wait); false
 * once the deadline has passed. Called with the lock held. */
static bool wait_for_instance(wxv_pool *p, uint64_t *deadline)
{
    uint64_t now = wxv_now_ns();
    if (!*deadline)
        *deadline = now + p->wait_ns;
    if (now >= *deadline)
        return false;
    struct timespec ts = timespec_from_ns(*deadline);
    p->nwaiting++;
    pthread_cond_timedwait(&p->freed, &p->lock, &ts);
    p->nwaiting--;
    return true;
}

wx_status wxv_pool_checkout(wxv_pool *p, wxv_lease *lease, wx_error *err)
{
    uint64_t deadline = 0;
    pthread_mutex_lock(&p->lock);
    p->stats.calls++;
    for (;;) {
        if (p->nidle) {
            lend(p, p->idle[--p->nidle], lease);
            pthread_mutex_unlock(&p->lock);
            return WX_OK;
        }
        if (p->nempty) {
            uint32_t i = p->empty[--p->nempty];
            p->slots[i].state = SLOT_CREATING;
            pthread_mutex_unlock(&p->lock);
            return fill_and_lend(p, i, lease, err);
        }
        if (!wait_for_instance(p, &deadline))
            break;
    }
    p->stats.errors[WXV_ERR_BUSY]++;
    pthread_mutex_unlock(&p->lock);
    if (err)
        err->trap = WX_TRAP_NONE;
    return wx_error_set(err, WX_EBUSY,
                        "plugin pool busy: all %u instances in use for "
                        "%llu ms",
                        p->n, (unsigned long long)(p->wait_ns / 1000000u));
}

static wxv_errkind kind_of(wx_status s)
{
    switch (s) {
    case WX_ETRAP: return WXV_ERR_TRAP;
    case WX_ETIMEOUT: return WXV_ERR_TIMEOUT;
    case WX_EBUSY: return WXV_ERR_BUSY;
    default: return WXV_ERR_OTHER;
    }
}

/* Frees the failed instance of slot `i` and makes a new one in its place,
 * then ends the lease; true if that was the pool's last reference. The
 * slot is CREATING; the lock is not held. */
static bool replace(wxv_pool *p, uint32_t i)
{
    slot *s = &p->slots[i];
    wx_instance_free(s->inst);
    s->inst = NULL;
    wx_instance *inst = create_instance(p, s, NULL);
    pthread_mutex_lock(&p->lock);
    if (inst) {
        s->inst = inst;
        p->stats.replaced++;
        make_idle(p, i);
    } else {
        p->stats.create_failures++;
        make_empty(p, i);
    }
    bool last = --p->nleases == 0 && p->orphaned;
    pthread_mutex_unlock(&p->lock);
    return last;
}

wx_status wxv_pool_return(wxv_pool *p, wxv_lease *lease, wx_status outcome,
                          wx_error *err)
{
    uint32_t i = lease->slot_;
    slot *s = &p->slots[i];
    lease->instance = NULL;
    lease->funcs_ = NULL;

    pthread_mutex_lock(&p->lock);
    bool fired = s->fired;
    s->deadline = 0;
    s->fired = false;
    p->nbusy--;
    if (fired && outcome == WX_EINTERRUPTED) {
        outcome = WX_ETIMEOUT;
        if (err)
            err->trap = WX_TRAP_NONE;
        wx_error_set(err, WX_ETIMEOUT, "timeout: call exceeded %u ms",
                     p->opts.timeout_ms);
    } else if (outcome == WX_ELIMIT && p->opts.instance.fuel &&
               wx_instance_fuel_left(s->inst) == 0) {
        /* The engine's words, with the budget's name and scope. */
        wx_error_set(err, WX_ELIMIT,
                     "fuel exhausted: the call used its %llu units "
                     "(limits.fuel)",
                     (unsigned long long)p->opts.instance.fuel);
    }
    if (outcome == WX_OK)
        p->stats.ok++;
    else
        p->stats.errors[kind_of(outcome)]++;
    /* Only a clean return keeps the instance: after any error, even one
     * that looks harmless (WX_EARG from a host function), the guest may
     * have stopped half-way through changing its state. */
    bool keep = outcome == WX_OK, last = false;
    if (keep) {
        /* The interrupt came too late to stop the call: the instance is
         * sound, but the flag would stop its next call. */
        if (fired)
            wx_instance_clear_interrupt(s->inst);
        make_idle(p, i);
        last = --p->nleases == 0 && p->orphaned;
    } else if (p->orphaned && p->nleases == 1) {
        /* The last call of a released pool: nobody needs a replacement,
         * and destroy() frees the failed instance. */
        p->nleases = 0;
        last = true;
    } else {
        /* The lease stays counted until the replacement is in place. */
        s->state = SLOT_CREATING;
    }
    pthread_mutex_unlock(&p->lock);

    if (!keep && !last)
        last = replace(p, i);
    if (last)
        destroy(p);
    return outcome;
}

wx_func *wxv_lease_func(const wxv_lease *lease, const wxv_pool *p,
                        uint32_t index)
{
    return index < p->nexports ? lease->funcs_[index] : NULL;
}

/* ----------------------------------------------------------------- calls */

/* Counts a call refused before checkout. */
static wx_status refuse(wxv_pool *p, wx_status s)
{
    pthread_mutex_lock(&p->lock);
    p->stats.calls++;
    p->stats.errors[WXV_ERR_OTHER]++;
    pthread_mutex_unlock(&p->lock);
    return s;
}

/* The engine checks arguments too, but only once the call has an instance,
 * and then a refusal would be indistinguishable from a host function's
 * WX_EARG and cost the instance. */
static wx_status check_call(const wxv_pool *p, uint32_t index,
                            const wx_val *args, size_t nargs,
                            size_t nresults, wx_error *err)
{
    if (err)
        err->trap = WX_TRAP_NONE;
    if (index >= p->nexports || !p->func_names[index])
        return wx_error_set(err, WX_ENOTFOUND,
                            "no exported function at index %u", index);
    const wx_functype *t = &p->func_types[index];
    const char *name = p->func_names[index];
    if (nargs != t->nparams)
        return wx_error_set(err, WX_EARG, "%s: expected %u arguments, got %zu",
                            name, t->nparams, nargs);
    if (nresults != t->nresults)
        return wx_error_set(err, WX_EARG,
                            "%s: expected room for %u results, got %zu", name,
                            t->nresults, nresults);
    for (uint32_t i = 0; i < t->nparams; i++)
        if (args[i].type != t->params[i])
            return wx_error_set(err, WX_EARG,
                                "%s: argument %u: expected %s, got %s", name,
                                i + 1, wx_valtype_name(t->params[i]),
                                wx_valtype_name(args[i].type));
    return WX_OK;
}

wx_status wxv_pool_call_index(wxv_pool *p, uint32_t index,
                              const wx_val *args, size_t nargs,
                              wx_val *results, size_t nresults,
                              wx_error *err)
{
    wx_status s = check_call(p, index, args, nargs, nresults, err);
    if (s != WX_OK)
        return refuse(p, s);
    wxv_lease lease;
    s = wxv_pool_checkout(p, &lease, err);
    if (s != WX_OK)
        return s;
    s = wx_call(lease.funcs_[index], args, nargs, results, nresults, err);
    return wxv_pool_return(p, &lease, s, err);
}

wx_status wxv_pool_call(wxv_pool *p, const char *name, const wx_val *args,
                        size_t nargs, wx_val *results, size_t nresults,
                        wx_error *err)
{
    uint32_t index;
    if (wxv_pool_func_index(p, name, &index, err) != WX_OK)
        return refuse(p, WX_ENOTFOUND);
    return wxv_pool_call_index(p, index, args, nargs, results, nresults,
                               err);
}

void wxv_pool_stats_get(wxv_pool *p, wxv_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    out->instances = p->n;
    out->busy = p->nbusy;
    out->idle = p->nidle;
    out->empty = p->n - p->nbusy - p->nidle;
    out->waiting = p->nwaiting;
    pthread_mutex_unlock(&p->lock);
}
