/*
 * libFuzzer target for the whole engine: load (decode, validate, compile)
 * the input as a module; if it loads, describe it, instantiate it against
 * stand-in imports and call every exported function with zero arguments.
 * The engine must never crash, leak or hang on any input; under ASan and
 * UBSan every undefined behaviour it meets counts as a crash.
 *
 * Bounds on the work one input may cause:
 *   - the call depth is small (FUZZ_CALL_DEPTH) and so is the value stack;
 *   - memories and tables are capped (FUZZ_MAX_PAGES, FUZZ_MAX_ELEMS);
 *     modules declaring more are not instantiated;
 *   - each call runs under a watchdog that calls wx_instance_interrupt()
 *     after FUZZ_CALL_MS, within a total budget of FUZZ_INPUT_MS per input.
 * The watchdog is one thread started on the first input and reused (a test
 * harness may keep such process-wide state; the engine may not).
 *
 * The start function would run inside wx_instantiate(), before we hold the
 * instance the watchdog must interrupt, so we instantiate a shallow copy of
 * the module with the start function switched off and call it ourselves
 * (white-box: this is why we include module.h and runtime.h).
 */
#include "runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FUZZ_CALL_DEPTH 64
#define FUZZ_STACK_SLOTS (1u << 16)
#define FUZZ_MAX_PAGES 256u    /* 16 MiB per memory */
#define FUZZ_MAX_ELEMS 100000u /* initial table size we accept */
#define FUZZ_CALL_MS 50
#define FUZZ_INPUT_MS 300

/* Sanitizer defaults for this binary (ASAN_OPTIONS still overrides): a huge
 * allocation (table.grow by billions) must fail as wasm says, not abort. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=1024";
}

/* ------------------------------------------------------------ watchdog */

static struct {
    pthread_once_t once;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    wx_instance *target;      /* instance being watched, or NULL */
    struct timespec deadline; /* CLOCK_MONOTONIC */
} dog = {PTHREAD_ONCE_INIT,
         PTHREAD_MUTEX_INITIALIZER,
         PTHREAD_COND_INITIALIZER,
         NULL,
         {0, 0}};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool deadline_passed(const struct timespec *d)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec > d->tv_sec ||
           (t.tv_sec == d->tv_sec && t.tv_nsec >= d->tv_nsec);
}

/* Interrupts the watched instance once its deadline passes. The instance is
 * only touched under the lock, and the caller disarms under the same lock
 * before freeing it, so the watchdog never sees a freed instance. */
static void *watchdog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&dog.lock);
    for (;;) {
        if (!dog.target) {
            pthread_cond_wait(&dog.wake, &dog.lock);
            continue;
        }
        if (deadline_passed(&dog.deadline)) {
            wx_instance_interrupt(dog.target);
            dog.target = NULL;
            continue;
        }
        pthread_cond_timedwait(&dog.wake, &dog.lock, &dog.deadline);
    }
    return NULL;
}

static void watchdog_start(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&dog.wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_t thread;
    if (pthread_create(&thread, NULL, watchdog_main, NULL) != 0)
        abort();
    pthread_detach(thread);
}

static void watchdog_arm(wx_instance *inst, int64_t ms)
{
    pthread_once(&dog.once, watchdog_start);
    pthread_mutex_lock(&dog.lock);
    clock_gettime(CLOCK_MONOTONIC, &dog.deadline);
    dog.deadline.tv_sec += ms / 1000;
    dog.deadline.tv_nsec += (ms % 1000) * 1000000;
    if (dog.deadline.tv_nsec >= 1000000000) {
        dog.deadline.tv_sec++;
        dog.deadline.tv_nsec -= 1000000000;
    }
    dog.target = inst;
    pthread_cond_signal(&dog.wake);
    pthread_mutex_unlock(&dog.lock);
}

static void watchdog_disarm(void)
{
    pthread_mutex_lock(&dog.lock);
    dog.target = NULL;
    pthread_mutex_unlock(&dog.lock);
}

/* ------------------------------------------------------ stand-in imports */

static wx_wasm_val zero_val(wx_valtype t)
{
    wx_wasm_val v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Every imported function: returns zeros of its result types. */
static wx_status host_zero(wx_host_ctx *ctx, const wx_wasm_val *args,
                           wx_wasm_val *results, void *env)
{
    const wx_functype *t = env;
    (void)ctx;
    (void)args;
    for (uint32_t i = 0; i < t->nresults; i++)
        results[i] = zero_val(t->results[i]);
    return WX_OK;
}

static wx_limits capped(wx_limits want, uint64_t cap)
{
    wx_limits l = want;
    if (!l.has_max || l.max > cap) {
        l.has_max = true;
        l.max = cap > l.min ? cap : l.min;
    }
    return l;
}

/* Defines import `d` in `l`; false if we will not provide it (too big, or a
 * type the engine refuses), and then the module is not instantiated. */
static bool define_import(wx_linker *l, const wx_externdesc *d,
                          wx_functype *type_copy)
{
    wx_extern ext = {.kind = d->kind};
    switch (d->kind) {
    case WX_EXTERN_FUNC:
        *type_copy = d->func;
        return wx_linker_define_func(l, d->module, d->name, type_copy,
                                     host_zero, type_copy, NULL) == WX_OK;
    case WX_EXTERN_MEMORY:
        if (d->limits.min > FUZZ_MAX_PAGES)
            return false;
        ext.of.memory = wx_memory_new(capped(d->limits, FUZZ_MAX_PAGES), NULL);
        if (!ext.of.memory)
            return false;
        break;
    case WX_EXTERN_TABLE:
        if (d->limits.min > FUZZ_MAX_ELEMS)
            return false;
        ext.of.table =
            wx_table_new(d->elem, capped(d->limits, FUZZ_MAX_ELEMS), NULL);
        if (!ext.of.table)
            return false;
        break;
    case WX_EXTERN_GLOBAL:
        ext.of.global =
            wx_global_new(zero_val(d->global_type), d->global_mutable, NULL);
        if (!ext.of.global)
            return false;
        break;
    case WX_EXTERN_TAG:
        return false; /* tags come only from instances: no stand-in */
    }
    if (wx_linker_define(l, d->module, d->name, ext, NULL) != WX_OK) {
        wx_extern_free(ext);
        return false;
    }
    return true;
}

/* The module's own tables and memories must fit the caps too. */
static bool own_sizes_ok(const wx_module *m)
{
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
        if (m->tables[i].limits.min > FUZZ_MAX_ELEMS)
            return false;
    for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++)
        if (m->memories[i].limits.min > FUZZ_MAX_PAGES)
            return false;
    return true;
}

/* ---------------------------------------------------------------- calls */

/* FUZZ_VERBOSE=1 in the environment prints what each input does, to
 * diagnose a reproducer. */
static bool verbose(void)
{
    static int v = -1; /* harness-only cache, read once */
    if (v < 0)
        v = getenv("FUZZ_VERBOSE") != NULL;
    return v;
}

/* Calls `f` with zero arguments under the watchdog; false once the input's
 * time budget is spent. */
static bool call_zero(wx_instance *inst, wx_wasm_func *f, const char *name,
                      int64_t budget_end)
{
    int64_t left = budget_end - now_ms();
    if (left <= 0)
        return false;
    const wx_functype *t = wx_wasm_func_type(f);
    wx_wasm_val args[64], results[64];
    if (t->nparams > 64 || t->nresults > 64)
        return true;
    for (uint32_t i = 0; i < t->nparams; i++)
        args[i] = zero_val(t->params[i]);
    wx_error err;
    wx_instance_clear_interrupt(inst);
    watchdog_arm(inst, left < FUZZ_CALL_MS ? left : FUZZ_CALL_MS);
    wx_status s = wx_call(f, args, t->nparams, results, t->nresults, &err);
    watchdog_disarm();
    if (verbose())
        fprintf(stderr, "call %s: %s %s (%lld ms left)\n", name,
                wx_status_name(s), s == WX_OK ? "" : err.message,
                (long long)(budget_end - now_ms()));
    /* wx_call must return values of the right types: a number as
     * itself, a reference (typed ones too) as a reference, which the API
     * gives as its family's top type (wasmext/engine.h). */
    if (s == WX_OK)
        for (uint32_t i = 0; i < t->nresults; i++)
            if (wx_is_ref(t->results[i]) ? !wx_is_ref(results[i].type)
                                         : results[i].type != t->results[i])
                abort();
    return true;
}

/* Touches every export through the public API. */
static void run_exports(const wx_module *m, wx_instance *inst,
                        int64_t budget_end)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        wx_extern ext;
        /* Export names are byte strings and may contain U+0000. */
        if (!wx_module_export(m, i, &d) ||
            !wx_instance_export_n(inst, d.name, d.name_len, &ext))
            abort(); /* listed exports must resolve */
        switch (ext.kind) {
        case WX_EXTERN_FUNC:
            if (!call_zero(inst, ext.of.func, d.name, budget_end))
                return;
            break;
        case WX_EXTERN_MEMORY: (void)wx_memory_size(ext.of.memory); break;
        case WX_EXTERN_TABLE: {
            wx_wasm_val v;
            if (wx_table_size(ext.of.table) > 0)
                (void)wx_table_get(ext.of.table, 0, &v);
            break;
        }
        case WX_EXTERN_GLOBAL: (void)wx_global_get(ext.of.global); break;
        case WX_EXTERN_TAG: break;
        }
    }
}

static void instantiate_and_run(const wx_module *m)
{
    uint32_t nimports = wx_module_import_count(m);
    wx_functype *types = calloc(nimports ? nimports : 1, sizeof *types);
    wx_linker *l = wx_linker_new(NULL);
    if (!types || !l)
        goto out;
    for (uint32_t i = 0; i < nimports; i++) {
        wx_externdesc d;
        if (!wx_module_import(m, i, &d))
            abort();
        if (!define_import(l, &d, &types[i])) {
            if (verbose())
                fprintf(stderr, "import %s.%s not provided\n", d.module,
                        d.name);
            goto out;
        }
    }
    if (!own_sizes_ok(m))
        goto out;

    wx_module shadow = *m;
    shadow.has_start = false;
    wx_instance_opts opts = {.max_memory_pages = FUZZ_MAX_PAGES,
                             .max_call_depth = FUZZ_CALL_DEPTH,
                             .stack_slots = FUZZ_STACK_SLOTS};
    wx_error err;
    wx_instance *inst = wx_instantiate(&shadow, l, &opts, &err);
    if (verbose())
        fprintf(stderr, "instantiate: %s\n", inst ? "ok" : err.message);
    if (!inst)
        goto out;
    int64_t budget_end = now_ms() + FUZZ_INPUT_MS;
    if (m->has_start)
        (void)call_zero(inst, inst->funcs[m->start], "(start)", budget_end);
    run_exports(&shadow, inst, budget_end);
    wx_instance_free(inst);
out:
    wx_linker_free(l);
    free(types);
}

/* The description functions must work on any module that loaded. */
static void describe(const wx_module *m)
{
    uint32_t n = wx_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_import(m, i, &d) || !d.module || !d.name)
            abort();
    }
    n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || !d.name)
            abort();
    }
    for (uint32_t i = 0; i < m->nfuncs + 1; i++)
        (void)wx_module_func_name(m, i);
    (void)wx_module_custom_section(m, "name", NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wx_error err;
    wx_module *m = wx_module_load(data, size, NULL, &err);
    if (verbose())
        fprintf(stderr, "load: %s\n", m ? "ok" : err.message);
    if (!m) {
        if (err.status == WX_OK)
            abort(); /* a failed load must say why */
        return 0;
    }
    describe(m);
    instantiate_and_run(m);
    wx_module_free(m);
    return 0;
}
