/*
 * Instance pools (src/vm/pool.h) against real modules: calls, state that
 * persists, replacement after a trap, a timeout or an interrupt, the
 * memory and call-depth limits, the busy bound, the init hook, leases,
 * many threads on two pools at once, and a pool released while a call
 * still runs on it. The guest is tests/vm/guest.wat, assembled at build
 * time; argv[1] names the directory holding guest.wasm.
 *
 * Timing: nothing here asserts a duration beyond generous bounds, because
 * the machine is shared. Where a test needs an instance held busy, the
 * guest calls the host function env.block, which waits until the test
 * lets it go.
 */
#include "vm_test.h"
#include "check.h"
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *guest_dir = ".";

/* ------------------------------------------------------------- fixtures */

/* env.block: holds the calling instance until released. */
static vmt_gate the_blocker = VMT_GATE_INIT;

static wx_module *load_guest(const char *name)
{
    return vmt_load_guest(guest_dir, name);
}

static wx_linker *guest_linker(void)
{
    return vmt_block_linker(&the_blocker);
}

static wx_module *guest;
static wx_linker *linker;

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

/* Calls a function without arguments returning one i32; -1000 on error. */
static int32_t call0(wxv_pool *p, const char *name, wx_error *err)
{
    wx_wasm_val r[1];
    if (wxv_pool_call(p, name, NULL, 0, r, 1, err) != WX_OK)
        return -1000;
    return r[0].of.i32;
}

static int32_t call1(wxv_pool *p, const char *name, int32_t a,
                     wx_error *err)
{
    wx_wasm_val args[1] = {wx_wasm_i32(a)}, r[1];
    if (wxv_pool_call(p, name, args, 1, r, 1, err) != WX_OK)
        return -1000;
    return r[0].of.i32;
}

static uint64_t ms_since(uint64_t t0)
{
    return (wxv_now_ns() - t0) / 1000000u;
}

/* ---------------------------------------------------------------- tests */

static void test_basic_call(void)
{
    wxv_pool_opts o = {.instance_num = 2};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    wx_wasm_val args[2] = {wx_wasm_i32(40), wx_wasm_i32(2)}, r[1];
    CHECK(wxv_pool_call(p, "add", args, 2, r, 1, &err) == WX_OK);
    CHECK(r[0].type == WX_I32 && r[0].of.i32 == 42);

    uint32_t idx;
    CHECK(wxv_pool_func_index(p, "add", &idx, &err) == WX_OK);
    args[0] = wx_wasm_i32(-5);
    CHECK(wxv_pool_call_index(p, idx, args, 2, r, 1, NULL, &err) == WX_OK);
    CHECK(r[0].of.i32 == -3);

    CHECK(wxv_pool_call(p, "nope", NULL, 0, NULL, 0, &err) ==
          WX_ENOEXPORT);
    CHECK(strstr(err.message, "nope") != NULL);
    CHECK(wxv_pool_func_index(p, "memory", &idx, &err) == WX_ENOEXPORT);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.instances == 2 && st.idle == 2 && st.busy == 0);
    CHECK(st.calls == 3 && st.ok == 2 && st.errors[WXV_ERR_OTHER] == 1);
    CHECK(wxv_pool_instance_num(p) == 2 && wxv_pool_module(p) == guest);
    wxv_pool_release(p);
}

static void test_state_persists(void)
{
    wxv_pool_opts o = {.instance_num = 1};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    for (int i = 1; i <= 5; i++)
        CHECK(call0(p, "inc", &err) == i);

    /* A bad argument list is refused before guest code runs: the instance
     * and its counter stay. */
    CHECK(wxv_pool_call(p, "inc", NULL, 0, NULL, 0, &err) == WX_EARG);
    CHECK_MSG(strcmp(err.message, "inc: expected room for 1 results, got 0")
                  == 0, "%s", err.message);
    wx_wasm_val args[2] = {wx_wasm_i32(1), wx_wasm_i64(2)}, r[1];
    CHECK(wxv_pool_call(p, "add", args, 2, r, 1, &err) == WX_EARG);
    CHECK_MSG(strcmp(err.message, "add: argument 2: expected i32, got i64")
                  == 0, "%s", err.message);
    CHECK(wxv_pool_call(p, "add", args, 1, r, 1, &err) == WX_EARG);
    CHECK(wxv_pool_call_index(p, 999, NULL, 0, NULL, 0, NULL, &err) ==
          WX_ENOEXPORT);
    CHECK(call0(p, "inc", &err) == 6);
    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.replaced == 0 && st.errors[WXV_ERR_OTHER] == 4);
    wxv_pool_release(p);
}

static void test_trap_replaces(void)
{
    wxv_pool_opts o = {.instance_num = 1};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(call0(p, "inc", &err) == 1);
    CHECK(call0(p, "inc", &err) == 2);
    CHECK(wxv_pool_call(p, "inc_then_trap", NULL, 0, (wx_wasm_val[1]){{0}}, 1,
                        &err) == WX_ETRAP);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_UNREACHABLE);
    /* The trapping call's increment and the two before it are gone. */
    CHECK(call0(p, "inc", &err) == 1);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.errors[WXV_ERR_TRAP] == 1 && st.replaced == 1);
    CHECK(st.calls == 4 && st.ok == 3 && st.idle == 1);
    wxv_pool_release(p);
}

static void test_timeout(void)
{
    wxv_pool_opts o = {.instance_num = 1, .timeout_ms = 100};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(call0(p, "inc", &err) == 1);

    /* The outcome says the watchdog stopped it, not the clock: on a
     * loaded machine any duration is possible. */
    wx_status s = wxv_pool_call(p, "inc_then_spin", NULL, 0, NULL, 0, &err);
    CHECK(s == WX_ETIMEOUT && err.status == WX_ETIMEOUT);
    CHECK_MSG(strcmp(err.message, "timeout: call exceeded 100 ms") == 0,
              "%s", err.message);

    /* The pool keeps serving, on a fresh instance. */
    CHECK(call0(p, "inc", &err) == 1);
    for (int i = 0; i < 3; i++)
        CHECK(wxv_pool_call(p, "inc_then_spin", NULL, 0, NULL, 0, &err) ==
              WX_ETIMEOUT);
    CHECK(call0(p, "inc", &err) == 1);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.errors[WXV_ERR_TIMEOUT] == 4 && st.replaced == 4);
    CHECK(st.ok == 3 && st.calls == 7);
    wxv_pool_release(p);
}

/* A call that is fast never sees the watchdog, even when many run. */
static void test_timeout_spares_quick_calls(void)
{
    wxv_pool_opts o = {.instance_num = 1, .timeout_ms = 1};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    int ok = 0, timeouts = 0;
    for (int i = 0; i < 20000; i++) {
        int32_t v = call0(p, "inc", &err);
        if (v >= 0)
            ok++;
        else if (err.status == WX_ETIMEOUT)
            timeouts++;
    }
    /* On a loaded machine a descheduled call may really exceed 1 ms; what
     * must never happen is another error, or a stale interrupt. */
    CHECK(ok + timeouts == 20000);
    CHECK_MSG(timeouts < 200, "%d timeouts", timeouts);
    wxv_pool_release(p);
}

static void test_interrupt_is_not_timeout(void)
{
    wxv_pool_opts o = {.instance_num = 1, .timeout_ms = 60000};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    uint32_t spin;
    CHECK(wxv_pool_func_index(p, "inc_then_spin", &spin, &err) == WX_OK);
    CHECK(call0(p, "inc", &err) == 1);

    wxv_lease lease;
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    CHECK(lease.instance != NULL);
    wx_instance_interrupt(lease.instance);
    wx_status s = wx_call(wxv_lease_func(&lease, p, spin), NULL, 0, NULL, 0,
                          &err);
    CHECK(s == WX_EINTERRUPTED);
    s = wxv_pool_return(p, &lease, s, &err);
    CHECK(s == WX_EINTERRUPTED && err.status == WX_EINTERRUPTED);
    CHECK(lease.instance == NULL);
    CHECK(call0(p, "inc", &err) == 1);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.errors[WXV_ERR_OTHER] == 1 && st.errors[WXV_ERR_TIMEOUT] == 0);
    CHECK(st.replaced == 1);
    wxv_pool_release(p);
}

static void test_lease(void)
{
    wxv_pool_opts o = {.instance_num = 1};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    uint32_t inc, add;
    CHECK(wxv_pool_func_index(p, "inc", &inc, &err) == WX_OK);
    CHECK(wxv_pool_func_index(p, "add", &add, &err) == WX_OK);

    /* Several engine calls on one lease count as one call. */
    wxv_lease lease;
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    wx_wasm_val r[1];
    for (int i = 1; i <= 3; i++) {
        CHECK(wx_call(wxv_lease_func(&lease, p, inc), NULL, 0, r, 1, &err) ==
              WX_OK);
        CHECK(r[0].of.i32 == i);
    }
    CHECK(wxv_lease_func(&lease, p, 1000) == NULL);
    wx_memory *mem = wx_instance_memory(lease.instance, 0);
    CHECK(mem && wx_memory_write(mem, 8, "hi", 2, &err) == WX_OK);
    CHECK(wxv_pool_return(p, &lease, WX_OK, &err) == WX_OK);

    /* Memory persists like globals. */
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    char buf[2] = {0};
    mem = wx_instance_memory(lease.instance, 0);
    CHECK(wx_memory_read(mem, 8, buf, 2, &err) == WX_OK);
    CHECK(memcmp(buf, "hi", 2) == 0);
    /* The caller may discard an instance it no longer trusts. */
    CHECK(wxv_pool_return(p, &lease, WX_EHOST, &err) == WX_EHOST);
    CHECK(call0(p, "inc", &err) == 1);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.calls == 3 && st.ok == 2 && st.errors[WXV_ERR_OTHER] == 1);
    CHECK(st.replaced == 1);
    wxv_pool_release(p);
}

static void test_memory_limit(void)
{
    wxv_pool_opts o = {.instance_num = 1};
    o.instance.max_memory_pages = 4;
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(call0(p, "pages", &err) == 1);
    CHECK(call1(p, "grow", 2, &err) == 1);
    CHECK(call1(p, "grow", 2, &err) == -1); /* 5 pages > 4 */
    CHECK(call1(p, "grow", 1, &err) == 3);
    CHECK(call1(p, "grow", 1, &err) == -1);
    CHECK(call0(p, "pages", &err) == 4);
    wxv_pool_release(p);

    /* Without the limit the same growth succeeds. */
    wxv_pool_opts free_o = {.instance_num = 1};
    p = new_pool(&free_o);
    CHECK(call1(p, "grow", 8, &err) == 1);
    wxv_pool_release(p);
}

static void test_call_depth(void)
{
    wxv_pool_opts o = {.instance_num = 1};
    o.instance.max_call_depth = 100;
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(call1(p, "recurse", 50, &err) == 50);
    CHECK(call1(p, "recurse", 1000, &err) == -1000);
    CHECK(err.status == WX_ETRAP && err.trap == WX_TRAP_STACK_EXHAUSTED);
    CHECK(call1(p, "recurse", 50, &err) == 50);
    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.errors[WXV_ERR_TRAP] == 1 && st.replaced == 1);
    wxv_pool_release(p);
}

typedef struct call_job {
    wxv_pool *p;
    const char *func;
    wx_status status;
    int32_t result;
    wx_error err;
} call_job;

static void *run_call0(void *arg)
{
    call_job *j = arg;
    wx_wasm_val r[1] = {{0}};
    j->status = wxv_pool_call(j->p, j->func, NULL, 0, r, 1, &j->err);
    j->result = r[0].of.i32;
    return NULL;
}

static void test_busy(void)
{
    wxv_pool_opts o = {.instance_num = 1, .wait_ms = 50};
    wxv_pool *p = new_pool(&o);
    gate_shut(&the_blocker);
    call_job j = {.p = p, .func = "blocking"};
    pthread_t t;
    pthread_create(&t, NULL, run_call0, &j);
    gate_wait_entered(&the_blocker, 1);

    wx_error err;
    CHECK(call0(p, "inc", &err) == -1000);
    CHECK(err.status == WX_EBUSY && err.trap == WX_TRAP_NONE);
    CHECK_MSG(strcmp(err.message,
                     "plugin pool busy: all 1 instances in use for 50 ms") ==
                  0,
              "%s", err.message);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.busy == 1 && st.idle == 0 && st.errors[WXV_ERR_BUSY] == 1);

    gate_open(&the_blocker);
    pthread_join(t, NULL);
    CHECK(j.status == WX_OK && j.result == 7);
    /* Nothing was lost: the busy call did not touch the instance. */
    CHECK(call0(p, "inc", &err) == 1);
    wxv_pool_release(p);

    /* WXV_WAIT_NONE fails at once; a waiter gets the instance once free. */
    wxv_pool_opts o2 = {.instance_num = 1, .wait_ms = WXV_WAIT_NONE};
    p = new_pool(&o2);
    gate_shut(&the_blocker);
    j = (call_job){.p = p, .func = "blocking"};
    pthread_create(&t, NULL, run_call0, &j);
    gate_wait_entered(&the_blocker, 1);
    CHECK(call0(p, "inc", &err) == -1000 && err.status == WX_EBUSY);
    gate_open(&the_blocker);
    pthread_join(t, NULL);
    wxv_pool_release(p);

    wxv_pool_opts o3 = {.instance_num = 1}; /* default wait: 5 s */
    p = new_pool(&o3);
    gate_shut(&the_blocker);
    j = (call_job){.p = p, .func = "blocking"};
    pthread_create(&t, NULL, run_call0, &j);
    gate_wait_entered(&the_blocker, 1);
    call_job j2 = {.p = p, .func = "inc"};
    pthread_t t2;
    pthread_create(&t2, NULL, run_call0, &j2);
    /* Let the second call start waiting, then free the instance. */
    for (int i = 0; i < 1000; i++) {
        wxv_pool_stats_get(p, &st);
        if (st.waiting)
            break;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    CHECK(st.waiting == 1);
    gate_open(&the_blocker);
    pthread_join(t, NULL);
    pthread_join(t2, NULL);
    CHECK(j2.status == WX_OK && j2.result == 1);
    wxv_pool_release(p);
}

static atomic_int hook_calls;

static wx_status hook_ok(wx_instance *inst, void *ud, wx_error *err)
{
    (void)err;
    CHECK(ud == &hook_calls);
    atomic_fetch_add(&hook_calls, 1);
    /* Start every instance's counter at 100, as an _initialize would. */
    wx_extern ext;
    CHECK(wx_instance_export(inst, "inc", &ext));
    wx_wasm_val r[1];
    for (int i = 0; i < 100; i++)
        wx_call(ext.of.func, NULL, 0, r, 1, NULL);
    return WX_OK;
}

/* Shares `ud` with on_free, as a manager's plugin record would. */
static wx_status hook_counts(wx_instance *inst, void *ud, wx_error *err)
{
    (void)inst;
    (void)ud;
    (void)err;
    atomic_fetch_add(&hook_calls, 1);
    return WX_OK;
}

static wx_status hook_fails(wx_instance *inst, void *ud, wx_error *err)
{
    (void)inst;
    (void)ud;
    return wx_error_set(err, WX_EHOST, "init said no");
}

static void test_init_hook(void)
{
    atomic_store(&hook_calls, 0);
    wxv_pool_opts o = {.instance_num = 2, .on_instance = hook_ok,
                       .ud = &hook_calls};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(atomic_load(&hook_calls) == 2);
    CHECK(call0(p, "inc", &err) == 101);
    CHECK(wxv_pool_call(p, "inc_then_trap", NULL, 0, (wx_wasm_val[1]){{0}}, 1,
                        &err) == WX_ETRAP);
    CHECK(atomic_load(&hook_calls) == 3);
    wxv_pool_release(p);

    wxv_pool_opts bad = {.instance_num = 2, .on_instance = hook_fails};
    wx_error_clear(&err);
    CHECK(wxv_pool_new(guest, linker, &bad, &err) == NULL);
    CHECK(err.status == WX_EHOST && strcmp(err.message, "init said no") == 0);

    /* Unlinkable: the module's import is missing. */
    wx_error_clear(&err);
    wxv_pool_opts one = {.instance_num = 1};
    CHECK(wxv_pool_new(guest, NULL, &one, &err) == NULL);
    CHECK(err.status == WX_EUNLINKABLE);

    wxv_pool_opts many = {.instance_num = WXV_MAX_INSTANCES + 1};
    CHECK(wxv_pool_new(guest, linker, &many, &err) == NULL);
    CHECK(err.status == WX_EARG);
}

static atomic_bool refuse_instances;

static wx_status hook_maybe(wx_instance *inst, void *ud, wx_error *err)
{
    (void)inst;
    (void)ud;
    if (atomic_load(&refuse_instances))
        return wx_error_set(err, WX_EHOST, "no instance today");
    return WX_OK;
}

/* A replacement that cannot be made leaves the slot empty; the next call
 * that finds no idle instance tries again, and the pool recovers. */
static void test_replacement_failure(void)
{
    atomic_store(&refuse_instances, false);
    wxv_pool_opts o = {.instance_num = 1, .on_instance = hook_maybe};
    wxv_pool *p = new_pool(&o);
    wx_error err;
    CHECK(call0(p, "inc", &err) == 1);
    atomic_store(&refuse_instances, true);
    CHECK(call0(p, "inc_then_trap", &err) == -1000 &&
          err.status == WX_ETRAP);

    wxv_pool_stats st;
    wxv_pool_stats_get(p, &st);
    CHECK(st.create_failures == 1 && st.replaced == 0);
    CHECK(st.empty == 1 && st.idle == 0 && st.busy == 0);

    CHECK(call0(p, "inc", &err) == -1000);
    CHECK(err.status == WX_EHOST &&
          strcmp(err.message, "no instance today") == 0);
    atomic_store(&refuse_instances, false);
    CHECK(call0(p, "inc", &err) == 1);
    CHECK(call0(p, "inc", &err) == 2);

    wxv_pool_stats_get(p, &st);
    CHECK(st.create_failures == 2 && st.empty == 0 && st.idle == 1);
    CHECK(st.calls == 5 && st.ok == 3 && st.errors[WXV_ERR_TRAP] == 1 &&
          st.errors[WXV_ERR_OTHER] == 1);
    wxv_pool_release(p);
}

/* ------------------------------------------------------------ stress */

enum { STRESS_THREADS = 6, STRESS_CALLS = 4000 };

typedef struct stress_job {
    wxv_pool *pools[3];
    int id;
    int bad; /* wrong results or unexpected errors */
    int traps, timeouts;
} stress_job;

static void *stress_main(void *arg)
{
    stress_job *j = arg;
    wx_error err;
    for (int i = 0; i < STRESS_CALLS; i++) {
        wxv_pool *p = j->pools[i & 1];
        int32_t a = j->id * 1000000 + i, b = i * 3;
        wx_wasm_val args[2] = {wx_wasm_i32(a), wx_wasm_i32(b)}, r[1];
        wx_status s = wxv_pool_call(p, "add", args, 2, r, 1, &err);
        if (s != WX_OK || r[0].of.i32 != a + b) {
            j->bad++;
            if (j->bad < 5)
                fprintf(stderr, "thread %d call %d: %s %d\n", j->id, i,
                        err.message, r[0].of.i32);
        }
        if (i % 97 == 0) {
            s = wxv_pool_call(p, "inc_then_trap", NULL, 0, r, 1, &err);
            j->traps += s == WX_ETRAP;
            j->bad += s != WX_ETRAP;
        }
        if (i % 1000 == 500) {
            s = wxv_pool_call(j->pools[2], "inc_then_spin", NULL, 0, NULL,
                              0, &err);
            j->timeouts += s == WX_ETIMEOUT;
            j->bad += s != WX_ETIMEOUT;
        }
    }
    return NULL;
}

static void test_stress(void)
{
    /* Two pools sharing one linker, hence one link lock. */
    static pthread_mutex_t link_lock = PTHREAD_MUTEX_INITIALIZER;
    wx_error err;
    wxv_watchdog *wd = wxv_watchdog_new(&err);
    CHECK(wd != NULL);
    wxv_pool_opts o1 = {.instance_num = 3, .link_lock = &link_lock,
                        .watchdog = wd, .timeout_ms = 5000};
    wxv_pool_opts o2 = {.instance_num = 2, .link_lock = &link_lock,
                        .watchdog = wd, .timeout_ms = 5000};
    wxv_pool_opts o3 = {.instance_num = 2, .link_lock = &link_lock,
                        .watchdog = wd, .timeout_ms = 20,
                        .wait_ms = 60000};
    wxv_pool *pools[3] = {new_pool(&o1), new_pool(&o2), new_pool(&o3)};
    wxv_watchdog_release(wd); /* the pools hold it now */

    stress_job jobs[STRESS_THREADS];
    pthread_t threads[STRESS_THREADS];
    uint64_t t0 = wxv_now_ns();
    for (int i = 0; i < STRESS_THREADS; i++) {
        jobs[i] = (stress_job){.pools = {pools[0], pools[1], pools[2]},
                               .id = i};
        pthread_create(&threads[i], NULL, stress_main, &jobs[i]);
    }
    int bad = 0, traps = 0, timeouts = 0;
    for (int i = 0; i < STRESS_THREADS; i++) {
        pthread_join(threads[i], NULL);
        bad += jobs[i].bad;
        traps += jobs[i].traps;
        timeouts += jobs[i].timeouts;
    }
    printf("stress: %d threads x %d calls in %llu ms\n", STRESS_THREADS,
           STRESS_CALLS, (unsigned long long)ms_since(t0));
    CHECK(bad == 0);

    uint64_t calls = 0, ok = 0, trap_errs = 0, replaced = 0;
    for (int i = 0; i < 2; i++) {
        wxv_pool_stats st;
        wxv_pool_stats_get(pools[i], &st);
        uint64_t errs = 0;
        for (int k = 0; k < WXV_ERRKIND_COUNT_; k++)
            errs += st.errors[k];
        CHECK(st.calls == st.ok + errs);
        CHECK(st.busy == 0 && st.idle == st.instances && st.waiting == 0);
        CHECK(st.errors[WXV_ERR_TRAP] == st.replaced);
        CHECK(st.errors[WXV_ERR_BUSY] == 0 && st.errors[WXV_ERR_OTHER] == 0);
        calls += st.calls;
        ok += st.ok;
        trap_errs += st.errors[WXV_ERR_TRAP];
        replaced += st.replaced;
    }
    int per_thread_traps = (STRESS_CALLS + 96) / 97;
    CHECK(traps == STRESS_THREADS * per_thread_traps);
    CHECK(trap_errs == (uint64_t)traps && replaced == (uint64_t)traps);
    CHECK(ok == (uint64_t)STRESS_THREADS * STRESS_CALLS);
    CHECK(calls == ok + trap_errs);

    wxv_pool_stats st;
    wxv_pool_stats_get(pools[2], &st);
    CHECK(timeouts == STRESS_THREADS * (STRESS_CALLS / 1000));
    CHECK(st.errors[WXV_ERR_TIMEOUT] == (uint64_t)timeouts);
    CHECK(st.replaced == (uint64_t)timeouts && st.calls == st.errors[1]);
    for (int i = 0; i < 3; i++)
        wxv_pool_release(pools[i]);
}

/* ------------------------------------------------------- swap, refcount */

static atomic_int freed_pools;

static void count_free(void *ud)
{
    CHECK(ud == &freed_pools);
    atomic_fetch_add(&freed_pools, 1);
}

static void test_release_in_flight(void)
{
    atomic_store(&freed_pools, 0);
    wxv_pool_opts o = {.instance_num = 2, .on_free = count_free,
                       .ud = &freed_pools, .timeout_ms = 10000};
    wxv_pool *old = new_pool(&o);
    gate_shut(&the_blocker);
    call_job j = {.p = old, .func = "blocking"};
    pthread_t t;
    /* The caller's own reference, as a manager's reader would take. */
    wxv_pool_retain(old);
    pthread_create(&t, NULL, run_call0, &j);
    gate_wait_entered(&the_blocker, 1);

    /* The swap: the new pool serves while the old one drains. */
    wxv_pool *fresh = new_pool(&o);
    wxv_pool_release(old); /* the manager's reference */
    wxv_pool_release(old); /* the reader's, with its call still running */
    CHECK(atomic_load(&freed_pools) == 0);
    wx_error err;
    CHECK(call0(fresh, "inc", &err) == 1);

    gate_open(&the_blocker);
    pthread_join(t, NULL);
    CHECK(j.status == WX_OK && j.result == 7);
    CHECK(atomic_load(&freed_pools) == 1); /* freed by the lease's return */
    wxv_pool_release(fresh);
    CHECK(atomic_load(&freed_pools) == 2);

    /* The last lease of a released pool fails: the pool goes away without
     * making a replacement nobody would use. */
    atomic_store(&hook_calls, 0);
    wxv_pool_opts h = {.instance_num = 1, .on_free = count_free,
                       .ud = &freed_pools, .on_instance = hook_counts};
    wxv_pool *p = new_pool(&h);
    wxv_lease lease;
    CHECK(wxv_pool_checkout(p, &lease, &err) == WX_OK);
    wxv_pool_release(p);
    CHECK(atomic_load(&freed_pools) == 2);
    CHECK(wxv_pool_return(p, &lease, WX_ETRAP, &err) == WX_ETRAP);
    CHECK(atomic_load(&freed_pools) == 3 && atomic_load(&hook_calls) == 1);

    /* A failed creation does not call on_free: the caller still owns the
     * module and linker. */
    wxv_pool_opts bad = {.on_free = count_free, .ud = &freed_pools,
                         .on_instance = hook_fails};
    CHECK(wxv_pool_new(guest, linker, &bad, &err) == NULL);
    CHECK(atomic_load(&freed_pools) == 3);
}

static wx_status host_only_hook(wx_instance *inst, void *ud, wx_error *err)
{
    (void)inst;
    (void)err;
    ++*(int *)ud;
    return WX_OK;
}

/*
 * The watchdog's thread is made only when a deadline needs it: not for a
 * pool whose calls are unbounded and whose instances run no guest code
 * while being made (no start function, a host-only hook), as `wasmext
 * run` makes; at once for a pool with a call timeout; and for an init
 * deadline as soon as a start function is about to run.
 */
static void test_watchdog_on_need(void)
{
    wx_error err;
    wxv_watchdog *wd = wxv_watchdog_new(&err);
    CHECK(wd != NULL);
    int hooked = 0;
    wxv_pool_opts o = {.instance_num = 2, .watchdog = wd,
                       .init_timeout_ms = 5000, .on_instance = host_only_hook,
                       .on_instance_host_only = true, .ud = &hooked};
    wxv_pool *p = new_pool(&o);
    CHECK(call0(p, "inc", &err) > 0);
    CHECK(hooked >= 1);
    CHECK(!wxv_watchdog_started(wd));
    wxv_pool_release(p);

    /* The same hook, not declared host-only, may run guest code. */
    o.on_instance_host_only = false;
    p = new_pool(&o);
    CHECK(call0(p, "inc", &err) > 0);
    wxv_pool_release(p);
    CHECK(wxv_watchdog_started(wd));
    wxv_watchdog_release(wd);

    wd = wxv_watchdog_new(&err);
    wxv_pool_opts t = {.instance_num = 1, .watchdog = wd, .timeout_ms = 1000};
    p = new_pool(&t);
    CHECK(wxv_watchdog_started(wd));
    wxv_pool_release(p);
    wxv_watchdog_release(wd);

    /* A start function that loops: its init deadline needs the thread,
     * which then stops it (the pool cannot be made). */
    wx_module *endless = load_guest("fuel_start.wasm");
    wd = wxv_watchdog_new(&err);
    wxv_pool_opts s = {.instance_num = 1, .watchdog = wd,
                       .init_timeout_ms = 50};
    wx_error_clear(&err);
    p = wxv_pool_new(endless, linker, &s, &err);
    CHECK(p == NULL && err.status == WX_ETIMEOUT);
    CHECK(wxv_watchdog_started(wd));
    wxv_pool_release(p);
    wxv_watchdog_release(wd);
    wx_module_free(endless);
}

static void test_errkind_names(void)
{
    CHECK(strcmp(wxv_errkind_name(WXV_ERR_TRAP), "trap") == 0);
    CHECK(strcmp(wxv_errkind_name(WXV_ERR_TIMEOUT), "timeout") == 0);
    CHECK(strcmp(wxv_errkind_name(WXV_ERR_BUSY), "busy") == 0);
    CHECK(strcmp(wxv_errkind_name(WXV_ERR_OTHER), "other") == 0);
    CHECK(strcmp(wx_status_name(WX_ETIMEOUT), "timeout") == 0);
    CHECK(strcmp(wx_status_name(WX_EBUSY), "busy") == 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        guest_dir = argv[1];
    guest = load_guest("guest.wasm");
    linker = guest_linker();

    test_basic_call();
    test_state_persists();
    test_trap_replaces();
    test_timeout();
    test_timeout_spares_quick_calls();
    test_interrupt_is_not_timeout();
    test_lease();
    test_memory_limit();
    test_call_depth();
    test_busy();
    test_init_hook();
    test_replacement_failure();
    test_stress();
    test_release_in_flight();
    test_watchdog_on_need();
    test_errkind_names();

    wx_linker_free(linker);
    wx_module_free(guest);
    return CHECK_DONE();
}
