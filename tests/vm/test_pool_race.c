/*
 * The races of the pool's lock-free checkout and return (src/vm/pool.c,
 * "Pool fast path" in docs/design.md), from several threads:
 *   - hand-offs: checkouts waiting for one instance, held by a call or
 *     being made, each get it in turn when it frees (no lost wake-up);
 *   - waiters: more threads than instances (1 instance and 2 threads, 1
 *     and 4, 2 and 3), so returns race with checkouts that are about to
 *     wait; a lost wake-up shows as a waiter sleeping until the bound;
 *   - replacement: traps replace instances while other threads check out,
 *     and an init hook that refuses every fourth instance leaves slots
 *     empty for checkouts to fill; the statistics must add up exactly,
 *     also in snapshots taken while the calls run;
 *   - the watchdog: a 1 ms timeout scanning slots while they change hands,
 *     so that an interrupt meant for one lease could reach the next;
 *   - the end of a pool released while its leases are out, freed once.
 * Meant to run under ThreadSanitizer too (docs/building.md), so the
 * counts are moderate. argv[1] names the directory holding guest.wasm.
 */
#include "vm_test.h"
#include "check.h"
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *guest_dir = ".";

/*
 * The wait bound of every pool here. A correct pool hands a freed instance
 * to a waiter within microseconds; a lost wake-up leaves the waiter asleep
 * until this bound, after which it looks again and (finding the instance
 * idle) still succeeds. So each test counts the waits that ended at the
 * bound (wxv_pool_wait_timeouts) and wants none: an event count, not a
 * clock, so that a loaded machine or a sanitizer cannot fail it.
 */
enum { WAIT_MS = 30000 };

#define CHECK_NOBODY_OVERSLEPT(before)                                        \
    CHECK_MSG(wxv_pool_wait_timeouts() == (before),                           \
              "%llu waits slept until the bound: a lost wake-up",            \
              (unsigned long long)(wxv_pool_wait_timeouts() - (before)))
static wx_module *guest;
static wx_linker *linker;

static vmt_gate the_gate = VMT_GATE_INIT;

static wx_module *load_guest(const char *name)
{
    return vmt_load_guest(guest_dir, name);
}

static wx_linker *guest_linker(void)
{
    return vmt_block_linker(&the_gate);
}

static wxv_pool *new_pool(const wxv_pool_opts *o)
{
    wx_error err;
    wx_error_clear(&err);
    wxv_pool *p = wxv_pool_new(guest, linker, o, &err);
    if (!p) {
        fprintf(stderr, "wxv_pool_new: %s\n", err.message);
        exit(2);
    }
    return p;
}

static uint64_t total_errors(const wxv_pool_stats *st)
{
    uint64_t n = 0;
    for (int k = 0; k < WXV_ERRKIND_COUNT_; k++)
        n += st->errors[k];
    return n;
}

/* ------------------------------------------------------------- workers */

/*
 * One thread's calls and what came of them. CHECK is not thread-safe, so
 * workers only count; the main thread checks.
 */
typedef struct job {
    wxv_pool *p;
    int id, calls;
    int trap_every, spin_every, lease_every; /* 0: never */
    bool release_at_end; /* the thread owns a reference and drops it */
    /* Outcomes. */
    int ok, busy, traps, timeouts, refused, bad;
} job;

static void note_bad(job *j, const char *what, wx_status s,
                     const wx_error *err)
{
    if (j->bad++ < 5)
        fprintf(stderr, "thread %d: %s: %s (%s)\n", j->id, what,
                wx_status_name(s), err->message);
}

/* Sorts an outcome that every kind of call may have; false if none. */
static bool common_outcome(job *j, wx_status s, const wx_error *err)
{
    if (s == WX_EBUSY) {
        j->busy++;
    } else if (s == WX_EHOST && strcmp(err->message, "no instance today") ==
                                    0) {
        j->refused++; /* an empty slot could not be filled */
    } else {
        return false;
    }
    return true;
}

static void call_add(job *j, int i, uint32_t add)
{
    wx_error err;
    int32_t a = j->id * 1000000 + i, b = i % 7;
    wx_wasm_val args[2] = {wx_wasm_i32(a), wx_wasm_i32(b)}, r[1] = {{0}};
    wx_status s = wxv_pool_call_index(j->p, add, args, 2, r, 1, NULL, &err);
    if (s == WX_OK && r[0].of.i32 == a + b)
        j->ok++;
    else if (s == WX_ETIMEOUT && j->spin_every)
        j->timeouts++; /* a 1 ms timeout may catch a quick call too */
    else if (!common_outcome(j, s, &err))
        note_bad(j, "add", s, &err);
}

/* Several engine calls on one lease. */
static void call_lease(job *j, uint32_t add)
{
    wx_error err;
    wxv_lease lease;
    wx_status s = wxv_pool_checkout(j->p, &lease, &err);
    if (s != WX_OK) {
        if (!common_outcome(j, s, &err))
            note_bad(j, "checkout", s, &err);
        return;
    }
    wx_wasm_val args[2] = {wx_wasm_i32(j->id), wx_wasm_i32(1)}, r[1];
    wx_wasm_func *f = wxv_lease_func(&lease, j->p, add);
    s = wx_call(f, args, 2, r, 1, &err);
    if (s == WX_OK && r[0].of.i32 == j->id + 1)
        s = wx_call(f, args, 2, r, 1, &err);
    s = wxv_pool_return(j->p, &lease, s, &err);
    if (s == WX_OK)
        j->ok++;
    else if (s == WX_ETIMEOUT && j->spin_every)
        j->timeouts++;
    else
        note_bad(j, "lease", s, &err);
}

static void call_trap(job *j)
{
    wx_error err;
    wx_wasm_val r[1];
    wx_status s = wxv_pool_call(j->p, "inc_then_trap", NULL, 0, r, 1, &err);
    if (s == WX_ETRAP && err.trap == WX_TRAP_UNREACHABLE)
        j->traps++;
    else if (!common_outcome(j, s, &err))
        note_bad(j, "inc_then_trap", s, &err);
}

static void call_spin(job *j)
{
    wx_error err;
    wx_status s = wxv_pool_call(j->p, "inc_then_spin", NULL, 0, NULL, 0,
                                &err);
    if (s == WX_ETIMEOUT &&
        strcmp(err.message, "timeout: call exceeded 1 ms") == 0)
        j->timeouts++;
    else if (!common_outcome(j, s, &err))
        note_bad(j, "inc_then_spin", s, &err);
}

static void *worker(void *arg)
{
    job *j = arg;
    uint32_t add;
    wx_error err;
    if (wxv_pool_func_index(j->p, "add", &add, &err) != WX_OK) {
        j->bad++;
        return NULL;
    }
    for (int i = 1; i <= j->calls; i++) {
        call_add(j, i, add);
        if (j->trap_every && i % j->trap_every == 0)
            call_trap(j);
        if (j->spin_every && i % j->spin_every == 0)
            call_spin(j);
        if (j->lease_every && i % j->lease_every == 0)
            call_lease(j, add);
    }
    if (j->release_at_end)
        wxv_pool_release(j->p);
    return NULL;
}

enum { MAX_THREADS = 8 };

/* Runs `n` copies of `proto` (ids 0..n-1) and sums their outcomes. */
static job run_jobs(const job *proto, int n)
{
    job jobs[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    for (int i = 0; i < n; i++) {
        jobs[i] = *proto;
        jobs[i].id = i;
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    job sum = {0};
    uint64_t t0 = wxv_pool_wait_timeouts();
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        sum.ok += jobs[i].ok;
        sum.busy += jobs[i].busy;
        sum.traps += jobs[i].traps;
        sum.timeouts += jobs[i].timeouts;
        sum.refused += jobs[i].refused;
        sum.bad += jobs[i].bad;
    }
    CHECK_NOBODY_OVERSLEPT(t0);
    return sum;
}

/* --------------------------------------------------------------- tests */

/*
 * More threads than instances: most checkouts find nothing idle and wait,
 * while returns race with them. Every call must get an instance well
 * within the wait bound, and the counters must add up.
 */
static void test_waiters(uint32_t instances, int threads, int calls)
{
    wxv_pool_opts o = {.instance_num = instances, .wait_ms = WAIT_MS};
    wxv_pool *p = new_pool(&o);
    job proto = {.p = p, .calls = calls, .lease_every = 5};
    job sum = run_jobs(&proto, threads);
    int leases = threads * (calls / 5);
    CHECK_MSG(sum.bad == 0 && sum.busy == 0,
              "%u instances, %d threads: %d bad, %d busy", instances,
              threads, sum.bad, sum.busy);
    CHECK(sum.ok == threads * calls + leases);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.calls == (uint64_t)(threads * calls + leases));
    CHECK(st.ok == st.calls && total_errors(&st) == 0);
    CHECK(st.busy == 0 && st.idle == instances && st.waiting == 0);
    CHECK(st.empty == 0 && st.replaced == 0);
    wxv_pool_release(p);
}

/* One call on its own thread, for the hand-off tests. */
typedef struct call_job {
    wxv_pool *p;
    const char *func;
    wx_status status;
    int32_t result;
    wx_error err;
    pthread_t thread;
} call_job;

static void *run_call(void *arg)
{
    call_job *j = arg;
    wx_wasm_val r[1] = {{0}};
    j->status = wxv_pool_call(j->p, j->func, NULL, 0, r, 1, &j->err);
    j->result = r[0].of.i32;
    return NULL;
}

static void start_call(call_job *j, wxv_pool *p, const char *func)
{
    *j = (call_job){.p = p, .func = func};
    pthread_create(&j->thread, NULL, run_call, j);
}

/* Waits (for at most 10 s) until `n` checkouts wait; true if they do. */
static bool wait_for_waiters(wxv_pool *p, uint32_t n)
{
    for (int i = 0; i < 10000; i++) {
        wxv_pool_stats st;
        wxv_pool_stats_get(p, &st);
        if (st.waiting >= n)
            return true;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

/*
 * Three checkouts wait for the one instance while a call holds it; once
 * it ends, the instance must go from one to the next: the wake-up of the
 * first return reaches one waiter, whose own return (marked because
 * others still wait) must wake the next, and so on. A lost wake-up leaves
 * a waiter asleep until the wait bound, then WX_EBUSY.
 */
static void test_handoff(void)
{
    wxv_pool_opts o = {.instance_num = 1, .wait_ms = WAIT_MS};
    wxv_pool *p = new_pool(&o);
    gate_shut(&the_gate);
    call_job holder, waiters[3];
    start_call(&holder, p, "blocking");
    gate_wait_entered(&the_gate, 1);
    for (int i = 0; i < 3; i++)
        start_call(&waiters[i], p, "inc");
    CHECK(wait_for_waiters(p, 3));
    uint64_t t0 = wxv_pool_wait_timeouts();
    gate_open(&the_gate);
    pthread_join(holder.thread, NULL);
    CHECK(holder.status == WX_OK && holder.result == 7);
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(waiters[i].thread, NULL);
        CHECK_MSG(waiters[i].status == WX_OK, "waiter %d: %s", i,
                  waiters[i].err.message);
        if (waiters[i].result >= 1 && waiters[i].result <= 3)
            seen |= 1 << waiters[i].result;
    }
    CHECK(seen == (1 << 1 | 1 << 2 | 1 << 3)); /* each inc ran once */
    CHECK_NOBODY_OVERSLEPT(t0);
    wxv_pool_release(p);
}

/*
 * A waiter that has waited a while gets the next instance freed, although
 * the thread that frees it asks for one again at once: the slot must go
 * straight to the waiter (hand_off), never idle, or the returning thread
 * takes it back on the lock-free path every time and the waiter starves
 * until its wait bound (WX_EBUSY with an instance freed millions of
 * times meanwhile).
 */
static atomic_int handoff_order;
static int waiter_rank;

static void *checkout_and_rank(void *arg)
{
    wxv_pool *p = arg;
    wxv_lease lease;
    wx_error err;
    if (wxv_pool_checkout(p, &lease, &err) == WX_OK) {
        waiter_rank = atomic_fetch_add(&handoff_order, 1) + 1;
        wxv_pool_return(p, &lease, WX_OK, &err);
    }
    return NULL;
}

static void test_no_barging_past_a_patient_waiter(void)
{
    wxv_pool_opts o = {.instance_num = 1, .wait_ms = WAIT_MS};
    wxv_pool *p = new_pool(&o);
    atomic_store(&handoff_order, 0);
    waiter_rank = 0;
    wxv_lease mine;
    wx_error err;
    CHECK(wxv_pool_checkout(p, &mine, &err) == WX_OK);
    pthread_t t;
    pthread_create(&t, NULL, checkout_and_rank, p);
    CHECK(wait_for_waiters(p, 1));
    /* Past the hand-off age (1 ms with this wait bound). */
    struct timespec ts = {0, 5 * 1000000};
    nanosleep(&ts, NULL);
    wxv_pool_return(p, &mine, WX_OK, &err);
    CHECK(wxv_pool_checkout(p, &mine, &err) == WX_OK);
    int my_rank = atomic_fetch_add(&handoff_order, 1) + 1;
    wxv_pool_return(p, &mine, WX_OK, &err);
    pthread_join(t, NULL);
    CHECK_MSG(waiter_rank == 1 && my_rank == 2,
              "the waiter came %d, the returning thread %d", waiter_rank,
              my_rank);
    wxv_pool_release(p);
}

static atomic_bool hook_refuses, hook_holds;

static wx_status hook_gated(wx_instance *inst, void *ud, wx_error *err)
{
    (void)inst;
    (void)ud;
    if (atomic_load(&hook_refuses))
        return wx_error_set(err, WX_EHOST, "no instance today");
    if (atomic_load(&hook_holds))
        gate_pass(&the_gate);
    return WX_OK;
}

/*
 * A checkout fills the empty slot (its instance is being made) while
 * another waits for it: the filler's lease must wake the waiter when it
 * ends, although the waiter saw the slot being made, not busy.
 */
static void test_fill_handoff(void)
{
    atomic_store(&hook_refuses, false);
    atomic_store(&hook_holds, false);
    wxv_pool_opts o = {.instance_num = 1, .wait_ms = WAIT_MS,
                       .on_instance = hook_gated};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    wx_wasm_val r[1];
    atomic_store(&hook_refuses, true);
    CHECK(wxv_pool_call(p, "inc_then_trap", NULL, 0, r, 1, &err) ==
          WX_ETRAP);
    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.empty == 1 && st.create_failures == 1);

    atomic_store(&hook_refuses, false);
    atomic_store(&hook_holds, true);
    gate_shut(&the_gate);
    call_job filler, waiter;
    start_call(&filler, p, "inc");
    gate_wait_entered(&the_gate, 1); /* its instance is being made */
    start_call(&waiter, p, "inc");
    CHECK(wait_for_waiters(p, 1));
    atomic_store(&hook_holds, false);
    uint64_t t0 = wxv_pool_wait_timeouts();
    gate_open(&the_gate);
    pthread_join(filler.thread, NULL);
    pthread_join(waiter.thread, NULL);
    CHECK(filler.status == WX_OK && filler.result == 1);
    CHECK_MSG(waiter.status == WX_OK && waiter.result == 2, "waiter: %s",
              waiter.err.message);
    CHECK_NOBODY_OVERSLEPT(t0);
    wxv_pool_release(p);
}

static atomic_int creations;  /* init hook runs since the counter's reset */
static atomic_int refusals;   /* of which refused */

/* Refuses every fourth instance made after the first two. */
static wx_status hook_flaky(wx_instance *inst, void *ud, wx_error *err)
{
    (void)inst;
    (void)ud;
    int n = atomic_fetch_add(&creations, 1);
    if (n >= 2 && n % 4 == 3) {
        atomic_fetch_add(&refusals, 1);
        return wx_error_set(err, WX_EHOST, "no instance today");
    }
    return WX_OK;
}

/* Reads snapshots while the calls run: they must never be inconsistent. */
typedef struct watcher {
    wxv_pool *p;
    atomic_bool stop;
    int snapshots, bad;
    uint32_t max_threads;
} watcher;

static void *watch(void *arg)
{
    watcher *w = arg;
    while (!atomic_load(&w->stop)) {
        wxv_pool_stats st;
        wxv_pool_stats_get(w->p, &st);
        w->snapshots++;
        bool ok = st.calls >= st.ok + total_errors(&st) &&
                  st.busy + st.idle + st.empty == st.instances &&
                  st.waiting <= w->max_threads;
        if (!ok && w->bad++ < 5)
            fprintf(stderr,
                    "snapshot: calls %llu ok %llu errors %llu busy %u "
                    "idle %u empty %u waiting %u\n",
                    (unsigned long long)st.calls,
                    (unsigned long long)st.ok,
                    (unsigned long long)total_errors(&st), st.busy, st.idle,
                    st.empty, st.waiting);
    }
    return NULL;
}

/*
 * Traps replace instances while other threads check out; refused
 * replacements leave empty slots that checkouts fill (or fail to). Each
 * trap's replacement is made or failed; each failed fill is one refused
 * call; so traps == replaced + (create_failures - refused).
 */
static void test_replacement(void)
{
    atomic_store(&creations, 0);
    atomic_store(&refusals, 0);
    wxv_pool_opts o = {.instance_num = 2, .wait_ms = WAIT_MS,
                       .on_instance = hook_flaky};
    wxv_pool *p = new_pool(&o);
    watcher w = {.p = p, .max_threads = 3};
    pthread_t wt;
    pthread_create(&wt, NULL, watch, &w);
    job proto = {.p = p, .calls = 3000, .trap_every = 7, .lease_every = 11};
    job sum = run_jobs(&proto, 3);
    atomic_store(&w.stop, true);
    pthread_join(wt, NULL);

    CHECK_MSG(sum.bad == 0 && sum.busy == 0, "%d bad, %d busy", sum.bad,
              sum.busy);
    CHECK(sum.traps > 0);
    CHECK_MSG(w.bad == 0, "%d of %d snapshots inconsistent", w.bad,
              w.snapshots);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.calls == st.ok + total_errors(&st));
    CHECK(st.ok == (uint64_t)sum.ok);
    CHECK(st.errors[WXV_ERR_TRAP] == (uint64_t)sum.traps);
    CHECK(st.errors[WXV_ERR_OTHER] == (uint64_t)sum.refused);
    CHECK(st.errors[WXV_ERR_BUSY] == 0 && st.errors[WXV_ERR_TIMEOUT] == 0);
    CHECK(st.create_failures == (uint64_t)atomic_load(&refusals));
    CHECK_MSG(st.replaced + st.create_failures - (uint64_t)sum.refused ==
                  (uint64_t)sum.traps,
              "replaced %llu, create failures %llu, refused %d, traps %d",
              (unsigned long long)st.replaced,
              (unsigned long long)st.create_failures, sum.refused,
              sum.traps);
    CHECK(st.busy == 0 && st.waiting == 0 && st.idle + st.empty == 2);
    wxv_pool_release(p);
}

/*
 * A 1 ms timeout: the watchdog scans the slots about every millisecond
 * while they change hands thousands of times. Spinning calls must end as
 * timeouts; a quick call may too on a loaded machine, but nothing may end
 * in a plain interrupt (a stale one reaching the next lease) or wrong.
 */
static void test_watchdog(void)
{
    wxv_pool_opts o = {.instance_num = 2, .timeout_ms = 1, .wait_ms = WAIT_MS};
    wxv_pool *p = new_pool(&o);
    job proto = {.p = p, .calls = 4000, .spin_every = 400,
                 .lease_every = 3};
    job sum = run_jobs(&proto, 3);
    CHECK_MSG(sum.bad == 0 && sum.busy == 0, "%d bad, %d busy", sum.bad,
              sum.busy);
    int spins = 3 * (4000 / 400);
    CHECK(sum.timeouts >= spins);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.calls == st.ok + total_errors(&st));
    CHECK(st.errors[WXV_ERR_TIMEOUT] == (uint64_t)sum.timeouts);
    CHECK(st.errors[WXV_ERR_OTHER] == 0 && st.errors[WXV_ERR_TRAP] == 0);
    CHECK(st.replaced == (uint64_t)sum.timeouts);
    CHECK(st.busy == 0 && st.idle == 2 && st.waiting == 0);
    wxv_pool_release(p);
}

static atomic_int freed;

static void count_free(void *ud)
{
    (void)ud;
    atomic_fetch_add(&freed, 1);
}

/*
 * The owner drops its reference while threads, each holding one of its
 * own, still call (traps included, so some leases end in replacements):
 * the pool is freed exactly once, after the last of them, whichever
 * thread's release or return that is.
 */
static void test_release(void)
{
    int bad = 0, busy = 0;
    for (int round = 0; round < 20; round++) {
        atomic_store(&freed, 0);
        wxv_pool_opts o = {.instance_num = 2, .wait_ms = WAIT_MS,
                           .on_free = count_free};
        wxv_pool *p = new_pool(&o);
        enum { N = 3 };
        job jobs[N];
        pthread_t t[N];
        for (int i = 0; i < N; i++) {
            wxv_pool_retain(p);
            jobs[i] = (job){.p = p, .id = i, .calls = 200 + 50 * i,
                            .trap_every = 13 + i, .lease_every = 9,
                            .release_at_end = true};
            pthread_create(&t[i], NULL, worker, &jobs[i]);
        }
        wxv_pool_release(p); /* the owner's, with calls running */
        uint64_t t0 = wxv_pool_wait_timeouts();
        for (int i = 0; i < N; i++) {
            pthread_join(t[i], NULL);
            bad += jobs[i].bad;
            busy += jobs[i].busy;
        }
        CHECK(atomic_load(&freed) == 1);
        CHECK_NOBODY_OVERSLEPT(t0);
    }
    CHECK_MSG(bad == 0 && busy == 0, "%d bad, %d busy", bad, busy);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    guest = load_guest("guest.wasm");
    linker = guest_linker();

    test_handoff();
    test_no_barging_past_a_patient_waiter();
    test_fill_handoff();
    test_waiters(1, 2, 20000);
    test_waiters(1, 4, 5000);
    test_waiters(2, 3, 10000);
    test_replacement();
    test_watchdog();
    test_release();

    wx_linker_free(linker);
    wx_module_free(guest);
    return CHECK_DONE();
}
