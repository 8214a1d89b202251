/*
 * Instance pools (see pool.h). A call's checkout and return take no lock:
 * each slot (one place for an instance) has one atomic word holding its
 * state, two flags and a lease generation, and a checkout takes an idle
 * slot with a compare-and-swap, a return gives it back with another.
 * The pool's mutex and condition variable are for what is rare: waiting
 * when no slot is idle, (re)creating instances, the watchdog's scan, the
 * statistics snapshot and the end of a released pool's last lease.
 *
 *   IDLE --checkout (CAS)--> BUSY --return ok (CAS)--> IDLE
 *                             |
 *                             +--return failed--> CREATING --made--> IDLE
 *                                                    |  ^
 *                                            failed  v  | a checkout retries
 *                                                   EMPTY
 *
 * Flags on a BUSY word, each set under the mutex by someone else than the
 * lease's holder, make that lease's return fail its CAS and go through the
 * mutex instead:
 *   - SLOW: someone must hear of the return: a waiter (so it is woken) or
 *     the owner's last release (so the pool is freed after its last lease).
 *   - FIRED: the watchdog interrupted the call (so the return reports a
 *     timeout, and clears the interrupt if the call finished anyway).
 * So a return that succeeds its CAS knows nobody waits and nobody is
 * interested, and it never touches the pool again: the pool may be freed
 * the moment the CAS lands. A waiter cannot miss a return: it marks every
 * BUSY slot SLOW under the mutex before it sleeps, and a slot it cannot
 * mark because its CAS lost was just made idle, which it then takes.
 *
 * Timeouts: checkout stores the slot's deadline; the watchdog scans the
 * slots under the mutex and sets FIRED with a CAS on the exact word it
 * read, generation included, before it interrupts the instance; so an
 * interrupt reaches only the lease whose deadline passed, never the next
 * user of the instance (whose generation differs), and a return that sees
 * FIRED waits on the mutex until the interrupt has been delivered.
 *
 * Counters of leases are per slot, written only by the lease's holder
 * (ownership passes with the word's acquire and release), so calls do not
 * share a cache line; the few counted outside a lease (refused, busy,
 * failed creation) are the pool's, under the mutex.
 */
#include "pool.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A slot's word: state in bits 0-1, flags in bits 2-3, the generation
 * (leases made from the slot so far) from bit 8 up. */
enum {
    SLOT_EMPTY = 0, /* zeroed memory: no instance yet */
    SLOT_IDLE = 1,
    SLOT_BUSY = 2,
    SLOT_CREATING = 3,
};
#define W_STATE 3u
#define W_FIRED 4u
#define W_SLOW 8u
#define W_FLAGS (W_FIRED | W_SLOW)
#define W_GEN_ONE 256u
#define W_GEN_MASK (~(uint64_t)(W_GEN_ONE - 1))

static unsigned word_state(uint64_t w)
{
    return (unsigned)(w & W_STATE);
}

/* The word a lease taking a slot of word `w` gives it. */
static uint64_t word_lent(uint64_t w)
{
    return ((w & W_GEN_MASK) + W_GEN_ONE) | SLOT_BUSY;
}

static uint64_t word_with_state(uint64_t w, unsigned state)
{
    return (w & W_GEN_MASK) | state;
}

/* Two cache lines: the adjacent-line prefetcher moves lines in pairs, so
 * less would let two threads' slots slow each other down. */
#define SLOT_ALIGN 128

typedef struct slot {
    _Alignas(SLOT_ALIGN) _Atomic uint64_t word;
    _Atomic uint64_t deadline; /* 0: no timeout armed */
    /* An instance being made for this slot whose start function or init
     * hook runs under a deadline (init_deadline), and whether the
     * watchdog interrupted it; all three under the pool's mutex. */
    wx_instance *initing;
    uint64_t init_deadline;
    bool init_fired;
    wx_instance *inst;
    wx_wasm_func **funcs; /* exported functions of inst, by export index */
    /* Guest memory of inst when it was made, written by its maker
     * before the slot is published. */
    uint64_t fresh_bytes;
    /* The idle trim's view, under the mutex: the word it last saw and
     * since when (an idle slot whose word, generation included, has not
     * changed has had no lease since). */
    uint64_t trim_word;
    uint64_t trim_since;
    /* Written by the lease's holder only; read by wxv_pool_stats_get. */
    _Atomic uint64_t leases, ok, errors[WXV_ERRKIND_COUNT_];
} slot;

/*
 * References: `refs` counts the owners' references (atomic, so that retain
 * and release need no lock). Leases are not counted while the pool is
 * owned, which keeps a shared counter off every call; the release that
 * takes `refs` to zero counts the leases still out (BUSY slots, which it
 * marks SLOW, and CREATING ones, being replaced by a return) into
 * `nleases` and sets `orphaned`, under the mutex, and each of those
 * leases' returns then comes through the mutex and counts down; whoever
 * reaches zero frees the pool.
 */
struct wxv_pool {
    /* Read-only after creation. */
    uint32_t n;
    slot *slots;
    const wx_module *module;
    wx_linker *linker;
    wxv_pool_opts opts;
    pthread_mutex_t *link_lock;
    uint64_t timeout_ns;
    uint64_t arm_ns; /* timeout_ns plus the coarse clock's resolution */
    uint64_t init_ns; /* the bound of a start function or init hook */
    uint64_t wait_ns;
    uint64_t handoff_ns; /* see struct waiter */
    uint64_t trim_ns;    /* opts.trim_idle_ms; 0: no trim */
    uint32_t nexports;
    const char **func_names; /* by export index; NULL: not a function */
    wx_functype *func_types; /* by export index, for checking calls */
    wxv_watchdog *watchdog;
    wxv_wd_source *wd_source;

    /* The slow paths' state, on lines of their own. */
    _Alignas(64) pthread_mutex_t lock;
    pthread_cond_t freed; /* a slot was handed over, or became empty */
    struct waiter *wq_head, *wq_tail; /* checkouts waiting, oldest first */
    uint32_t nwaiting;                /* their number */
    uint32_t nleases; /* leases still out, once orphaned */
    bool orphaned;
    wxv_pool_stats stats; /* calls and errors outside leases, replacements */
    pthread_mutex_t own_link_lock;

    _Alignas(64) atomic_uint refs;
};

/*
 * Where this thread's last checkout found an idle slot: its next checkout
 * (on any pool) looks there first. A hint only, never shared: it makes a
 * thread reuse "its" instance (warm caches) and keeps two threads from
 * trying the same slot on every call.
 */
static _Thread_local uint32_t preferred_slot;

/* Waits for an instance that ended at their bound, over every pool. */
static atomic_uint_fast64_t wait_timeouts;

uint64_t wxv_pool_wait_timeouts(void)
{
    return atomic_load_explicit(&wait_timeouts, memory_order_relaxed);
}

static const char *const errkind_names[] = {
#define X_(e, n) n,
    WXV_ERRKIND_LIST(X_)
#undef X_
};

const char *wxv_errkind_name(wxv_errkind k)
{
    return (unsigned)k < WXV_ERRKIND_COUNT_ ? errkind_names[k] : "unknown";
}

/* Counts one on a counter that only the caller writes: a plain load and
 * store, no locked instruction. The store releases, so that a snapshot that
 * sees an outcome also sees the lease it ended (wxv_pool_stats_get). */
static void bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_release);
}

/* ------------------------------------------------------------ instances */

/* Arms (inst) or disarms (NULL) the watchdog's deadline for the start
 * function or init hook running on `inst`; returns whether the watchdog
 * fired since the last arming. Under the mutex, so that the watchdog never
 * interrupts an instance that was freed. */
static bool arm_init(wxv_pool *p, slot *s, wx_instance *inst)
{
    if (!p->init_ns)
        return false;
    pthread_mutex_lock(&p->lock);
    bool fired = s->init_fired;
    s->initing = inst;
    s->init_fired = false;
    s->init_deadline = inst ? wxv_now_ns() + p->init_ns : 0;
    pthread_mutex_unlock(&p->lock);
    return fired;
}

/* Whether guest code running on a fresh instance needs the init deadline,
 * and if so that the watchdog's thread is there to enforce it. */
static wx_status need_init_deadline(wxv_pool *p, bool runs_guest, bool *armed,
                                    wx_error *err)
{
    *armed = runs_guest && p->init_ns;
    return *armed ? wxv_watchdog_start(p->watchdog, err) : WX_OK;
}

/* A start function or init hook stopped by the watchdog (`fired`), or by
 * the fuel bound: say so in the pool's words. The interrupt flag of an
 * instance that finished anyway is cleared. */
static wx_status init_outcome(wxv_pool *p, wx_instance *inst, bool fired,
                              wx_status st, bool start, wx_error *err)
{
    const char *what = start ? "start function" : "instance init";
    if (st == WX_OK) {
        if (fired)
            wx_instance_clear_interrupt(inst);
        return WX_OK;
    }
    if (fired && st == WX_EINTERRUPTED) {
        /* A hook names what it ran ("_initialize: call interrupted"):
         * keep that name. */
        char name[64];
        const char *cut = strstr(err->message, ": call interrupted");
        if (cut && cut > err->message &&
            (size_t)(cut - err->message) < sizeof name) {
            memcpy(name, err->message, (size_t)(cut - err->message));
            name[cut - err->message] = '\0';
            what = name;
        }
        return wx_error_set(err, WX_ETIMEOUT,
                            "%s: timeout after %llu ms (limits.timeout_ms)",
                            what,
                            (unsigned long long)(p->init_ns / 1000000u));
    }
    /* The hook's own message already says what ran out. */
    if (st == WX_ELIMIT && start && p->opts.instance.fuel &&
        wx_instance_fuel_left(inst) == 0)
        return wx_error_set(err, WX_ELIMIT,
                            "%s: fuel exhausted: used its %llu units "
                            "(limits.fuel)",
                            what,
                            (unsigned long long)p->opts.instance.fuel);
    return st;
}

/*
 * A fresh, initialised instance for `s`, or NULL with `err` set. Runs
 * without the pool's lock: instantiation runs the start function and the
 * init hook, each under the pool's fuel budget and init deadline, so that
 * a guest looping there fails the creation instead of hanging it.
 */
static wx_instance *create_instance(wxv_pool *p, slot *s, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    wx_error_clear(err);

    /* The start function runs after the link lock is dropped, with its
     * deadline armed: only the linking needs the lock. */
    wx_instance_opts io = p->opts.instance;
    io.defer_start = true;
    pthread_mutex_lock(p->link_lock);
    wx_instance *inst = wx_instantiate(p->module, p->linker, &io, err);
    pthread_mutex_unlock(p->link_lock);
    if (!inst)
        return NULL;
    bool armed;
    wx_status st = need_init_deadline(
        p, wx_module_has_start(p->module), &armed, err);
    if (st == WX_OK) {
        if (armed)
            arm_init(p, s, inst);
        st = wx_instance_start(inst, err);
        st = init_outcome(p, inst, armed && arm_init(p, s, NULL), st, true,
                          err);
    }
    if (st != WX_OK) {
        wx_instance_free(inst);
        return NULL;
    }
    /* The start function had its budget (opts.instance.fuel); the init
     * hook gets a full one of its own, and a deadline of its own. */
    if (p->opts.instance.fuel)
        wx_instance_set_fuel(inst, p->opts.instance.fuel);
    if (p->opts.on_instance) {
        st = need_init_deadline(p, !p->opts.on_instance_host_only, &armed,
                                err);
        if (st == WX_OK) {
            if (armed)
                arm_init(p, s, inst);
            st = p->opts.on_instance(inst, p->opts.ud, err);
            st = init_outcome(p, inst, armed && arm_init(p, s, NULL), st,
                              false, err);
        }
        if (st != WX_OK) {
            /* A hook that failed without saying why still gets a reason. */
            if (err->status == WX_OK)
                wx_error_set(err, st, "instance init hook failed (%s)",
                             wx_status_name(st));
            wx_instance_free(inst);
            return NULL;
        }
    }
    if (p->opts.instance.fuel)
        wx_instance_set_fuel(inst, p->opts.instance.fuel);
    s->fresh_bytes = wx_instance_memory_bytes(inst);
    for (uint32_t i = 0; i < p->nexports; i++)
        s->funcs[i] = p->func_names[i]
                          ? wx_instance_func(inst, p->func_names[i])
                          : NULL;
    err->status = WX_OK;
    return inst;
}

/* Frees an instance create_instance made (NULL allowed). */
static void free_instance(wxv_pool *p, wx_instance *inst)
{
    if (inst && p->opts.on_instance_free)
        p->opts.on_instance_free(inst, p->opts.ud);
    wx_instance_free(inst);
}

/*
 * A checkout waiting in checkout_slow(), queued oldest first.
 *
 * A lease that ends while checkouts wait makes its slot idle and wakes
 * one, but the thread that just returned it, or any newcomer, takes it on
 * the lock-free path long before the woken waiter gets the mutex; left at
 * that, a waiter can lose every race until its wait bound runs out (the
 * review measured dozens of WX_EBUSY a second at instance_num 1 with
 * three threads). Handing every freed slot to the oldest waiter instead
 * cures that but makes each call a context switch (140x fewer calls in
 * the same test: a lock convoy). So the pool lets newcomers barge while
 * the oldest waiter is young, and once it has waited `handoff_ns` (1 ms,
 * or an eighth of the wait bound if that is shorter) the next lease to end
 * hands its slot straight to it (hand_off): the slot goes from one lease
 * to the next without ever being idle, and no waiter waits much longer
 * than that for an instance that is being freed all the time.
 */
typedef struct waiter {
    struct waiter *next;
    uint64_t since; /* when it started waiting (wxv_now_ns) */
    uint32_t slot;  /* the slot handed to it, or NO_SLOT */
} waiter;

#define NO_SLOT UINT32_MAX

static void enqueue(wxv_pool *p, waiter *wt, uint64_t now)
{
    wt->next = NULL;
    wt->since = now;
    wt->slot = NO_SLOT;
    if (p->wq_tail)
        p->wq_tail->next = wt;
    else
        p->wq_head = wt;
    p->wq_tail = wt;
    p->nwaiting++;
}

/* Takes `wt` out of the queue (it found a slot itself, or gave up). */
static void dequeue(wxv_pool *p, waiter *wt)
{
    waiter **link = &p->wq_head, *prev = NULL;
    while (*link && *link != wt) {
        prev = *link;
        link = &(*link)->next;
    }
    if (!*link)
        return; /* handed a slot: already out */
    *link = wt->next;
    if (p->wq_tail == wt)
        p->wq_tail = prev;
    p->nwaiting--;
}

/*
 * Gives slot `i` (BUSY or CREATING: a lease just ended, or its instance
 * was just replaced) to the oldest waiter as a new lease if it has waited
 * handoff_ns; false (make the slot idle) otherwise. The generation moves
 * on, so the watchdog cannot fire on the new lease from a stale look, and
 * while others still wait the new lease's return comes through the mutex
 * too. Lock held.
 */
static bool hand_off(wxv_pool *p, uint32_t i)
{
    waiter *wt = p->wq_head;
    if (!wt || wxv_now_ns() - wt->since < p->handoff_ns)
        return false;
    p->wq_head = wt->next;
    if (!p->wq_head)
        p->wq_tail = NULL;
    p->nwaiting--;
    wt->slot = i;
    slot *s = &p->slots[i];
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    atomic_store_explicit(&s->word,
                          word_lent(w) | (p->nwaiting ? W_SLOW : 0),
                          memory_order_release);
    /* Every waiter wakes and looks whether it is the one. */
    pthread_cond_broadcast(&p->freed);
    return true;
}

/* The slot's instance is ready for calls: make it idle (publishing the
 * instance to the next checkout) and wake a waiter. Lock held. */
static void make_idle(wxv_pool *p, uint32_t i)
{
    slot *s = &p->slots[i];
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    atomic_store_explicit(&s->word, word_with_state(w, SLOT_IDLE),
                          memory_order_release);
    if (p->nwaiting)
        pthread_cond_signal(&p->freed);
}

/* The slot has no instance; a checkout will try to make one. Lock held. */
static void make_empty(wxv_pool *p, uint32_t i)
{
    slot *s = &p->slots[i];
    s->inst = NULL;
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    atomic_store_explicit(&s->word, word_with_state(w, SLOT_EMPTY),
                          memory_order_release);
    if (p->nwaiting)
        pthread_cond_signal(&p->freed);
}

/* ------------------------------------------------------------ idle trim */

/*
 * Frees the idle instances that have had no lease for `idle_ns` and whose
 * memory grew since they were made; returns how many, and the time of
 * the next look in *next. Lock held. A slot is taken from IDLE to
 * CREATING with a compare-and-swap on the exact word seen, so a checkout
 * that took it first wins, and one that comes after finds it CREATING and
 * then EMPTY, and fills it.
 */
static uint32_t trim_locked(wxv_pool *p, uint64_t now, uint64_t idle_ns,
                            uint64_t *next)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        uint64_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        if (word_state(w) != SLOT_IDLE || w != s->trim_word) {
            s->trim_word = w;
            s->trim_since = now;
            if (idle_ns)
                continue;
        }
        if (word_state(w) != SLOT_IDLE)
            continue;
        if (now - s->trim_since < idle_ns) {
            if (next && s->trim_since + idle_ns < *next)
                *next = s->trim_since + idle_ns;
            continue;
        }
        /* Only what grew: a fresh instance costs a call its creation and
         * gives back nothing that the next one would not take again. */
        if (wx_instance_memory_bytes(s->inst) <= s->fresh_bytes)
            continue;
        if (!atomic_compare_exchange_strong_explicit(
                &s->word, &w, word_with_state(w, SLOT_CREATING),
                memory_order_acquire, memory_order_relaxed))
            continue;
        free_instance(p, s->inst);
        make_empty(p, i);
        p->stats.trimmed++;
        n++;
    }
    return n;
}

uint32_t wxv_pool_trim(wxv_pool *p, uint32_t idle_ms)
{
    pthread_mutex_lock(&p->lock);
    uint32_t n = trim_locked(p, wxv_now_ns(), (uint64_t)idle_ms * 1000000u,
                             NULL);
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* ------------------------------------------------------------- watchdog */

static uint64_t scan_pool(void *ctx, uint64_t now)
{
    wxv_pool *p = ctx;
    uint64_t next = UINT64_MAX;
    pthread_mutex_lock(&p->lock);
    if (p->trim_ns) {
        /* Slots that change are looked at again after a whole idle_ns;
         * so the watchdog wakes at most twice per idle_ns for a pool in
         * use. */
        uint64_t later = now + p->trim_ns / 2;
        trim_locked(p, now, p->trim_ns, &next);
        if (later < next)
            next = later;
    }
    for (uint32_t i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        if (s->initing && !s->init_fired) {
            if (now >= s->init_deadline) {
                s->init_fired = true;
                wx_instance_interrupt(s->initing);
            } else if (s->init_deadline < next) {
                next = s->init_deadline;
            }
        }
        uint64_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        if (word_state(w) != SLOT_BUSY || (w & W_FIRED))
            continue;
        uint64_t d = atomic_load_explicit(&s->deadline, memory_order_relaxed);
        if (!d)
            continue;
        if (now < d) {
            next = d < next ? d : next;
            continue;
        }
        /* Only if the lease is still the one whose deadline we read: a
         * failed CAS means it ended (or a new one began) meanwhile. */
        if (atomic_compare_exchange_strong_explicit(
                &s->word, &w, w | W_FIRED, memory_order_acq_rel,
                memory_order_relaxed))
            wx_instance_interrupt(s->inst);
    }
    pthread_mutex_unlock(&p->lock);
    return next;
}

static wx_status start_watchdog(wxv_pool *p, wx_error *err)
{
    if (!p->timeout_ns && !p->init_ns && !p->trim_ns)
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
    uint64_t period = p->timeout_ns;
    if (!period || (p->init_ns && p->init_ns < period))
        period = p->init_ns;
    /* The trim reports its looks half an idle bound ahead. */
    if (p->trim_ns && (!period || p->trim_ns / 2 < period))
        period = p->trim_ns / 2 ? p->trim_ns / 2 : 1;
    p->wd_source = wxv_watchdog_add(p->watchdog, scan_pool, p, period, err);
    if (!p->wd_source)
        return WX_ENOMEM;
    /* Call deadlines and trims need the thread from now on; init deadlines
     * start it when a fresh instance has guest code to run
     * (need_init_deadline). */
    if (p->timeout_ns || p->trim_ns)
        return wxv_watchdog_start(p->watchdog, err);
    return WX_OK;
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

static size_t round_up(size_t x)
{
    return (x + SLOT_ALIGN - 1) & ~(size_t)(SLOT_ALIGN - 1);
}

/*
 * One allocation holds the pool and its arrays, rounded to slot alignment,
 * so that what a call writes (its slot) shares no cache line with another
 * slot's or another pool's: two threads each calling their own instance
 * would otherwise slow each other down.
 */
static wxv_pool *alloc_pool(uint32_t n, uint32_t ne)
{
    size_t at_slots = round_up(sizeof(wxv_pool));
    size_t at_names = round_up(at_slots + (size_t)n * sizeof(slot));
    size_t at_types = at_names + (size_t)ne * sizeof(const char *);
    size_t at_funcs = at_types + (size_t)ne * sizeof(wx_functype);
    size_t size = round_up(at_funcs + (size_t)n * ne * sizeof(wx_wasm_func *));
    char *block = aligned_alloc(SLOT_ALIGN, size);
    if (!block)
        return NULL;
    memset(block, 0, size);
    wxv_pool *p = (wxv_pool *)block;
    p->n = n;
    p->nexports = ne;
    p->slots = (slot *)(block + at_slots);
    p->func_names = (const char **)(block + at_names);
    p->func_types = (wx_functype *)(block + at_types);
    wx_wasm_func **funcs = (wx_wasm_func **)(block + at_funcs);
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
        free_instance(p, p->slots[i].inst);
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
        wx_error_set(err, WX_EARG, "no module");
        return NULL;
    }
    if (check_opts(opts, err) != WX_OK)
        return NULL;
    wxv_pool *p = alloc_pool(opts->instance_num ? opts->instance_num : 1,
                             wx_module_export_count(m));
    if (!p) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
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
    p->init_ns = (uint64_t)(opts->init_timeout_ms ? opts->init_timeout_ms
                                                  : opts->timeout_ms) *
                 1000000u;
    p->wait_ns = opts->wait_ms == WXV_WAIT_NONE ? 0
                 : (uint64_t)(opts->wait_ms ? opts->wait_ms
                                            : WXV_DEFAULT_WAIT_MS) *
                       1000000u;
    p->handoff_ns = p->wait_ns / 8 < 1000000u ? p->wait_ns / 8 : 1000000u;
    p->trim_ns = (uint64_t)opts->trim_idle_ms * 1000000u;
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

    /* The watchdog first: the instances' start functions run under it. */
    if (start_watchdog(p, err) != WX_OK)
        goto fail;
    for (uint32_t i = 0; i < p->n; i++) {
        p->slots[i].inst = create_instance(p, &p->slots[i], err);
        if (!p->slots[i].inst)
            goto fail;
        make_idle(p, i);
    }
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

/* Counts the leases still out and marks them so that their returns come
 * through the mutex; lock held. */
static uint32_t mark_leases(wxv_pool *p)
{
    uint32_t out = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        /* Acquire: a lease that ended on the fast path published its
         * work with a release CAS, and destroy() may free its instance
         * right after this. */
        uint64_t w = atomic_load_explicit(&s->word, memory_order_acquire);
        for (;;) {
            unsigned st = word_state(w);
            if (st == SLOT_CREATING) {
                out++; /* a failed lease's replacement */
            } else if (st == SLOT_BUSY) {
                if (!(w & W_SLOW) &&
                    !atomic_compare_exchange_weak_explicit(
                        &s->word, &w, w | W_SLOW, memory_order_acquire,
                        memory_order_acquire))
                    continue; /* it changed: look again */
                out++;
            }
            break;
        }
    }
    return out;
}

void wxv_pool_release(wxv_pool *p)
{
    if (!p ||
        atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    /* Nobody can check out any more (a checkout needs a reference); only
     * leases already out can still end. */
    pthread_mutex_lock(&p->lock);
    p->nleases = mark_leases(p);
    p->orphaned = p->nleases != 0;
    bool last = !p->orphaned;
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

uint64_t wxv_pool_fuel(const wxv_pool *p)
{
    return p->opts.instance.fuel;
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
    return wx_error_set(err, WX_ENOEXPORT,
                        "function '%s' is not exported by the module", name);
}

/* ------------------------------------------------------------- checkout */

/* Takes slot `s` if it is idle. */
static bool try_take(slot *s)
{
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    return word_state(w) == SLOT_IDLE &&
           atomic_compare_exchange_strong_explicit(
               &s->word, &w, word_lent(w), memory_order_acquire,
               memory_order_relaxed);
}

/* Hands slot `i`, just taken (state BUSY), out as a lease. */
static void lend(wxv_pool *p, uint32_t i, wxv_lease *lease)
{
    slot *s = &p->slots[i];
    atomic_store_explicit(&s->deadline,
                          p->arm_ns ? wxv_coarse_now_ns() + p->arm_ns : 0,
                          memory_order_relaxed);
    /* Every lease gets the full budget: what earlier calls used does not
     * count against this one. */
    if (p->opts.instance.fuel)
        wx_instance_set_fuel(s->inst, p->opts.instance.fuel);
    bump(&s->leases);
    preferred_slot = i;
    lease->instance = s->inst;
    lease->funcs_ = s->funcs;
    lease->slot_ = i;
}

/* Fills empty slot `i` (state CREATING, lock not held) and lends it. */
static wx_status fill_and_lend(wxv_pool *p, uint32_t i, wxv_lease *lease,
                               wx_error *err)
{
    slot *s = &p->slots[i];
    wx_instance *inst = create_instance(p, s, err);
    pthread_mutex_lock(&p->lock);
    if (!inst) {
        p->stats.calls++;
        p->stats.create_failures++;
        p->stats.errors[WXV_ERR_OTHER]++;
        make_empty(p, i);
        pthread_mutex_unlock(&p->lock);
        return err ? err->status : WX_EHOST;
    }
    s->inst = inst;
    /* A waiter saw this slot CREATING and counts on hearing of it. */
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    atomic_store_explicit(&s->word,
                          word_lent(w) | (p->nwaiting ? W_SLOW : 0),
                          memory_order_relaxed);
    pthread_mutex_unlock(&p->lock);
    lend(p, i, lease);
    return WX_OK;
}

/*
 * One look at every slot under the lock, by a checkout that is `waiting`
 * (registered in nwaiting) or not yet: takes an idle slot (returned), or
 * reports the first empty one in `*empty`. A waiter sets SLOW on every BUSY
 * slot so that its return wakes it: a slot whose mark fails because its
 * lease just ended is idle, and taken.
 *
 * A slot taken here while others wait is marked too: the wake-up that made
 * it idle may have been meant for them, and its return must pass one on.
 */
static uint32_t look(wxv_pool *p, bool waiting, uint32_t *empty)
{
    uint64_t taken_flags = p->nwaiting > (waiting ? 1u : 0u) ? W_SLOW : 0;
    *empty = NO_SLOT;
    for (uint32_t i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
        for (;;) {
            unsigned st = word_state(w);
            if (st == SLOT_IDLE) {
                if (atomic_compare_exchange_weak_explicit(
                        &s->word, &w, word_lent(w) | taken_flags,
                        memory_order_acquire, memory_order_relaxed))
                    return i;
                continue;
            }
            if (st == SLOT_BUSY && waiting && !(w & W_SLOW)) {
                if (atomic_compare_exchange_weak_explicit(
                        &s->word, &w, w | W_SLOW, memory_order_relaxed,
                        memory_order_relaxed))
                    break;
                continue;
            }
            if (st == SLOT_EMPTY && *empty == NO_SLOT)
                *empty = i;
            break;
        }
    }
    return NO_SLOT;
}

/* No slot was idle at first sight: look again under the lock, fill an
 * empty slot, or wait (registered as a waiter, see look()). */
static wx_status checkout_slow(wxv_pool *p, wxv_lease *lease, wx_error *err)
{
    uint64_t deadline = 0;
    bool waiting = false;
    waiter me = {.next = NULL, .since = 0, .slot = NO_SLOT};
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (waiting && me.slot != NO_SLOT) {
            /* A returning lease handed its slot over (see hand_off). */
            pthread_mutex_unlock(&p->lock);
            lend(p, me.slot, lease);
            return WX_OK;
        }
        uint32_t empty, i = look(p, waiting, &empty);
        if (i != NO_SLOT || empty != NO_SLOT) {
            if (waiting)
                dequeue(p, &me);
            if (i == NO_SLOT) {
                uint64_t w = atomic_load_explicit(&p->slots[empty].word,
                                                  memory_order_relaxed);
                atomic_store_explicit(&p->slots[empty].word,
                                      word_with_state(w, SLOT_CREATING),
                                      memory_order_relaxed);
            }
            pthread_mutex_unlock(&p->lock);
            if (i == NO_SLOT)
                return fill_and_lend(p, empty, lease, err);
            lend(p, i, lease);
            return WX_OK;
        }
        uint64_t now = wxv_now_ns();
        if (!waiting) {
            if (!p->wait_ns)
                break;
            /* Register, then look again with the marks set. */
            deadline = now + p->wait_ns;
            waiting = true;
            enqueue(p, &me, now);
            continue;
        }
        if (now >= deadline)
            break;
        struct timespec ts = wxv_timespec_from_ns(deadline);
        if (pthread_cond_timedwait(&p->freed, &p->lock, &ts) == ETIMEDOUT)
            atomic_fetch_add_explicit(&wait_timeouts, 1,
                                      memory_order_relaxed);
    }
    if (waiting)
        dequeue(p, &me);
    p->stats.calls++;
    p->stats.errors[WXV_ERR_BUSY]++;
    pthread_mutex_unlock(&p->lock);
    return wx_error_set(err, WX_EBUSY,
                        "plugin pool busy: all %u instances in use for "
                        "%llu ms",
                        p->n, (unsigned long long)(p->wait_ns / 1000000u));
}

wx_status wxv_pool_checkout(wxv_pool *p, wxv_lease *lease, wx_error *err)
{
    uint32_t n = p->n, i = preferred_slot;
    if (i >= n)
        i %= n;
    for (uint32_t k = 0; k < n; k++) {
        if (try_take(&p->slots[i])) {
            lend(p, i, lease);
            return WX_OK;
        }
        if (++i == n)
            i = 0;
    }
    return checkout_slow(p, lease, err);
}

/* --------------------------------------------------------------- return */

static wxv_errkind kind_of(wx_status s)
{
    switch (s) {
    case WX_ETRAP: return WXV_ERR_TRAP;
    case WX_ETIMEOUT: return WXV_ERR_TIMEOUT;
    case WX_EBUSY: return WXV_ERR_BUSY;
    default: return WXV_ERR_OTHER;
    }
}

/* Ends an orphaned pool's lease; true if it was the last. Lock held. */
static bool end_orphan_lease(wxv_pool *p)
{
    return p->orphaned && --p->nleases == 0;
}

/* Frees the failed instance of slot `i` and makes a new one in its place,
 * then ends the lease; true if that was the pool's last reference. The
 * slot is CREATING; the lock is not held. */
static bool replace(wxv_pool *p, uint32_t i)
{
    slot *s = &p->slots[i];
    free_instance(p, s->inst);
    s->inst = NULL;
    wx_instance *inst = create_instance(p, s, NULL);
    pthread_mutex_lock(&p->lock);
    if (inst) {
        s->inst = inst;
        p->stats.replaced++;
        if (!hand_off(p, i))
            make_idle(p, i);
    } else {
        p->stats.create_failures++;
        make_empty(p, i);
    }
    bool last = end_orphan_lease(p);
    pthread_mutex_unlock(&p->lock);
    return last;
}

/* A successful lease whose word carries a flag: someone waits, the pool
 * is orphaned, or the watchdog fired too late to stop the call. */
static void return_kept_slow(wxv_pool *p, uint32_t i)
{
    slot *s = &p->slots[i];
    pthread_mutex_lock(&p->lock);
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    /* The interrupt came too late to stop the call: the instance is
     * sound, but the flag would stop its next call. The watchdog set it
     * under this lock, so it is set by now. */
    if (w & W_FIRED)
        wx_instance_clear_interrupt(s->inst);
    if (!hand_off(p, i))
        make_idle(p, i);
    bool last = end_orphan_lease(p);
    pthread_mutex_unlock(&p->lock);
    if (last)
        destroy(p);
}

/* A failed lease: report a timeout or exhausted fuel in the pool's words,
 * count it, and replace the instance. */
static wx_status return_failed(wxv_pool *p, uint32_t i, wx_status outcome,
                               wx_error *err)
{
    slot *s = &p->slots[i];
    pthread_mutex_lock(&p->lock);
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    if ((w & W_FIRED) && outcome == WX_EINTERRUPTED) {
        outcome = WX_ETIMEOUT;
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
    bump(&s->errors[kind_of(outcome)]);
    bool last = false;
    if (p->orphaned) {
        /* Nobody can call a released pool any more: no replacement. The
         * failed instance stays in its slot until destroy() frees it. */
        last = end_orphan_lease(p);
    } else {
        /* The lease stays out until the replacement is in place. */
        atomic_store_explicit(&s->word, word_with_state(w, SLOT_CREATING),
                              memory_order_relaxed);
    }
    bool orphaned = p->orphaned;
    pthread_mutex_unlock(&p->lock);

    if (!orphaned)
        last = replace(p, i);
    if (last)
        destroy(p);
    return outcome;
}

wx_status wxv_pool_return(wxv_pool *p, wxv_lease *lease, wx_status outcome,
                          wx_error *err)
{
    uint32_t i = lease->slot_;
    slot *s = &p->slots[i];
    lease->instance = NULL;
    lease->funcs_ = NULL;
    atomic_store_explicit(&s->deadline, 0, memory_order_relaxed);
    /* Only a clean return keeps the instance: after any error, even one
     * that looks harmless (WX_EARG from a host function), the guest may
     * have stopped half-way through changing its state. */
    if (outcome != WX_OK)
        return return_failed(p, i, outcome, err);
    bump(&s->ok);
    /* The common case: nobody waits or watches. After this CAS the slot,
     * and perhaps the pool, belong to others: touch neither. */
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    if (!(w & W_FLAGS) &&
        atomic_compare_exchange_strong_explicit(
            &s->word, &w, word_with_state(w, SLOT_IDLE),
            memory_order_release, memory_order_relaxed))
        return WX_OK;
    return_kept_slow(p, i);
    return WX_OK;
}

bool wxv_lease_renew(wxv_pool *p, wxv_lease *lease)
{
    slot *s = &p->slots[lease->slot_];
    uint64_t w = atomic_load_explicit(&s->word, memory_order_relaxed);
    if (w & W_FLAGS)
        return false;
    /* The new deadline first, then the new generation (released with
     * it): a watchdog that reads the new word reads the new deadline, and
     * one that read the old word fails its CAS on it (scan_pool). */
    atomic_store_explicit(&s->deadline,
                          p->arm_ns ? wxv_coarse_now_ns() + p->arm_ns : 0,
                          memory_order_relaxed);
    if (!atomic_compare_exchange_strong_explicit(
            &s->word, &w, w + W_GEN_ONE, memory_order_release,
            memory_order_relaxed))
        return false;
    bump(&s->ok);
    bump(&s->leases);
    if (p->opts.instance.fuel)
        wx_instance_set_fuel(s->inst, p->opts.instance.fuel);
    return true;
}

wx_wasm_func *wxv_lease_func(const wxv_lease *lease, const wxv_pool *p,
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
                            const wx_wasm_val *args, size_t nargs,
                            size_t nresults, wx_error *err)
{
    if (err)
        err->trap = WX_TRAP_NONE;
    if (index >= p->nexports || !p->func_names[index])
        return wx_error_set(err, WX_ENOEXPORT,
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
                              const wx_wasm_val *args, size_t nargs,
                              wx_wasm_val *results, size_t nresults,
                              uint64_t *fuel_used, wx_error *err)
{
    if (fuel_used)
        *fuel_used = 0;
    wx_status s = check_call(p, index, args, nargs, nresults, err);
    if (s != WX_OK)
        return refuse(p, s);
    wxv_lease lease;
    s = wxv_pool_checkout(p, &lease, err);
    if (s != WX_OK)
        return s;
    s = wx_call(lease.funcs_[index], args, nargs, results, nresults, err);
    uint64_t budget = p->opts.instance.fuel;
    if (fuel_used && budget) {
        uint64_t left = wx_instance_fuel_left(lease.instance);
        *fuel_used = left < budget ? budget - left : 0;
    }
    return wxv_pool_return(p, &lease, s, err);
}

wx_status wxv_pool_call(wxv_pool *p, const char *name, const wx_wasm_val *args,
                        size_t nargs, wx_wasm_val *results, size_t nresults,
                        wx_error *err)
{
    uint32_t index;
    if (wxv_pool_func_index(p, name, &index, err) != WX_OK)
        return refuse(p, WX_ENOEXPORT);
    return wxv_pool_call_index(p, index, args, nargs, results, nresults, NULL,
                               err);
}

void wxv_pool_stats_get(wxv_pool *p, wxv_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    *out = p->stats;
    out->instances = p->n;
    out->waiting = p->nwaiting;
    pthread_mutex_unlock(&p->lock);
    out->busy = out->idle = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        slot *s = &p->slots[i];
        /* Outcomes before leases: a lease that ends between the two reads
         * is then never counted as finished without having started. */
        out->ok += atomic_load_explicit(&s->ok, memory_order_acquire);
        for (int k = 0; k < WXV_ERRKIND_COUNT_; k++)
            out->errors[k] +=
                atomic_load_explicit(&s->errors[k], memory_order_acquire);
        out->calls += atomic_load_explicit(&s->leases, memory_order_acquire);
        unsigned st = word_state(
            atomic_load_explicit(&s->word, memory_order_relaxed));
        out->busy += st == SLOT_BUSY;
        out->idle += st == SLOT_IDLE;
    }
    out->empty = p->n - out->busy - out->idle;
}
