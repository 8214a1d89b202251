/*
 * Batches: one function over many rows of arguments (wx_fn_call_batch,
 * include/wasmext.h), for the doors that receive rows together (REST's
 * /batch, `wasmext call --batch`) and for embedders with rows in hand.
 *
 * What a batch saves over a loop of wx_fn_call_values is everything
 * around the guest call: one pin of the plugin's version, one checkout
 * of an instance, no result allocation per row. Between two rows the
 * lease is renewed in place (wxv_lease_renew: one compare-and-swap, the
 * fuel and timeout armed afresh), which also tells when another caller
 * waits for an instance: the batch then gives its instance back and
 * checks out again, taking its turn like any call, rather than holding
 * it for the whole batch (a batch of a million rows of a 1 ms function
 * would otherwise keep an instance for 17 minutes). A chunk of fixed
 * size would be simpler but either unfair (big chunks) or pay a checkout
 * every few rows for nothing (small ones) when nobody waits.
 *
 * A row that fails inside the guest gives its instance back as failed,
 * so the pool replaces it, and the next row checks out a fresh one.
 *
 * The outcomes live in one arena: a block with the rows and, when the
 * function's result count is known, every row's result values; the
 * engine's block arena for the rest (error records, results of bindgen
 * functions whose count the guest decides). Result buffers (strings, bytes,
 * vectors) stay the ABI's allocations and are freed when the batch is.
 */
#include "cancel_call.h" /* src/api, the same library (wxframework) */
#include "manager.h"
/* The engine's arena (a layer below; not part of its public API). */
#include "../engine/arena.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- arena */

/* Rows are counted into the shared counters every this many rows, so a
 * scrape sees a long batch progress while most rows touch no atomic. */
#define FLUSH_ROWS 4096u

/* The engine's block arena for what does not fit the fixed block, and
 * whether some result owns a buffer (free then walks the values). */
typedef struct arena {
    wxm_arena mem;
    bool owns_buffers;
} arena;

void wx_batch_result_free(wx_batch_result *r)
{
    if (!r)
        return;
    arena *a = r->arena_;
    if (a && a->owns_buffers)
        for (size_t i = 0; i < r->nrows; i++)
            wxa_values_free(r->rows[i].values, r->rows[i].count);
    if (a) {
        wxm_arena_free(&a->mem);
        free(a);
    }
    /* The rows (and the fixed results) are the block after the arena's
     * header: one allocation, see batch_alloc. */
    memset(r, 0, sizeof *r);
}

/*
 * The arena and the block of rows and fixed results, in one allocation:
 * [arena][rows][values]. `per_row` values per row (0: none reserved).
 */
static wx_status batch_alloc(wx_batch_result *out, size_t nrows,
                             size_t per_row, wx_error *err)
{
    size_t head = (sizeof(arena) + sizeof(max_align_t) - 1) &
                  ~(sizeof(max_align_t) - 1);
    size_t rows_size = nrows * sizeof(wx_batch_row);
    if (nrows > SIZE_MAX / 2 / sizeof(wx_batch_row) ||
        (per_row && nrows > SIZE_MAX / 2 / per_row / sizeof(wx_value)))
        return wx_error_set(err, WX_ENOMEM, "batch of %zu rows is too big",
                            nrows);
    size_t values_size = nrows * per_row * sizeof(wx_value);
    char *block = malloc(head + rows_size + values_size);
    if (!block)
        return wx_error_set(err, WX_ENOMEM, "out of host memory for %zu rows",
                            nrows);
    arena *a = (arena *)block;
    memset(a, 0, sizeof *a);
    out->arena_ = a;
    out->rows = (wx_batch_row *)(block + head);
    wx_value *values = (wx_value *)(block + head + rows_size);
    for (size_t i = 0; i < nrows; i++)
        out->rows[i] = (wx_batch_row){
            WX_OK, 0, per_row ? values + i * per_row : NULL, NULL};
    out->nrows = nrows;
    out->failed = 0;
    return WX_OK;
}

/* ------------------------------------------------------------- runner */

/* One batch in progress: the version and function, the lease, what is
 * counted but not yet flushed. */
typedef struct runner {
    wxm_version *v;
    wxm_func *f;
    arena *a;
    uint64_t budget;   /* fuel per row; 0: not metered */
    wx_wasm_func *wfn; /* the numeric export on the leased instance */
    wxv_lease lease;
    bool leased;
    /* No instance could be had: every later row fails with this. */
    wx_status dead;
    wx_error dead_err;
    wx_values tmp; /* one row's results before they move to the arena */
    uint64_t counts[WX_STATUS_COUNT_];
    uint64_t fuel_sum, fuel_per[WX_FUEL_BUCKETS];
    size_t pending; /* rows counted here since the last flush */
} runner;

/* Adds what the runner counted to the function's shared counters. */
static void flush_counts(runner *r)
{
    wxm_shard *sh = &r->f->counter->shards[wxm_thread_shard()];
    for (unsigned k = 0; k < WX_STATUS_COUNT_; k++) {
        if (!r->counts[k])
            continue;
        atomic_fetch_add_explicit(&sh->by_status[k], r->counts[k],
                                  memory_order_relaxed);
        r->counts[k] = 0;
    }
    if (r->fuel_sum) {
        wxm_count_fuel(r->f, r->fuel_sum, r->fuel_per);
        r->fuel_sum = 0;
        memset(r->fuel_per, 0, sizeof r->fuel_per);
    }
    r->pending = 0;
}

static void count_row(runner *r, wx_status s)
{
    unsigned k = (unsigned)s < WX_STATUS_COUNT_ ? (unsigned)s : WX_EHOST;
    r->counts[k]++;
    if (++r->pending == FLUSH_ROWS)
        flush_counts(r);
}

static void count_fuel(runner *r)
{
    uint64_t used = wxm_fuel_used(r->lease.instance, r->budget);
    if (!used)
        return;
    r->fuel_sum += used;
    r->fuel_per[wxm_fuel_bucket(used)]++;
}

/* Gives the lease back: `outcome` WX_OK keeps the instance, an error
 * replaces it. A cancel that hit while it was attached makes it a
 * failure (the instance's interrupt flag is set). Returns the pool's
 * final status (a timeout rewritten as such into err). */
static wx_status release(runner *r, wx_status outcome, wx_error *err)
{
    if (wx_cancel_detach_() && outcome == WX_OK)
        outcome = wx_error_set(err, WX_EINTERRUPTED, "call cancelled");
    r->leased = false;
    r->wfn = NULL;
    return wxv_pool_return(r->v->pool, &r->lease, outcome, err);
}

/* An instance for the next row: the lease renewed, or a new one. */
static wx_status acquire(runner *r, wx_error *err)
{
    if (r->leased) {
        if (wxv_lease_renew(r->v->pool, &r->lease))
            return WX_OK;
        /* Someone waits (or the watchdog fired after the last row
         * ended): back to the pool, then in line again. */
        wx_error ignored;
        release(r, WX_OK, &ignored);
    }
    wx_status s = wxv_pool_checkout(r->v->pool, &r->lease, err);
    if (s != WX_OK)
        return s;
    r->leased = true;
    if (!wx_cancel_attach_(r->lease.instance)) {
        r->leased = false;
        wx_error ignored;
        wxv_pool_return(r->v->pool, &r->lease, WX_OK, &ignored);
        return wx_error_set(err, WX_EINTERRUPTED,
                            "call cancelled before it started");
    }
    if (r->f->fn.abi == WX_ABI_NUMERIC)
        r->wfn = wxv_lease_func(&r->lease, r->v->pool, r->f->export_index);
    return WX_OK;
}

/* Runs one row's guest call on the lease (arguments prepared): the
 * numeric export straight from the leased instance's export list (wasm
 * results in `res`), the other ABIs through wxa_call (typed results in
 * r->tmp). The cancel scope, if any, is attached to the lease already. */
static wx_status run_row(runner *r, const wxa_value *args, size_t nargs,
                         wx_wasm_val *res, wx_error *err)
{
    wxm_func *f = r->f;
    r->tmp.count = 0;
    wx_status s;
    wxm_guest_fn = f->counter->name; /* for the guest log */
    if (f->fn.abi != WX_ABI_NUMERIC) {
        s = wxa_call(r->lease.instance, &f->fn, args, nargs, &r->tmp, err);
    } else {
        wx_wasm_val vals[WXA_MAX_VALUES];
        s = wxa_numeric_to_wasm(&f->type, args, nargs, vals, err);
        if (s == WX_OK)
            s = wx_call(r->wfn, vals, nargs, res, f->type.nresults, err);
    }
    wxm_guest_fn = NULL;
    return s;
}

/* The numeric results of the call just made, typed by the types bound
 * at load (after the lease step, as wx_fn_call_values does: a result
 * that does not fit its declared type is the row's error, not the
 * instance's). */
static wx_status numeric_results(runner *r, const wx_wasm_val *res,
                                 wx_error *err)
{
    return wxa_numeric_results_bound(&r->f->fn, res, &r->tmp, err);
}

/* Moves the row's results from r->tmp into the arena. */
static wx_status keep_results(runner *r, wx_batch_row *row, size_t fixed,
                              wx_error *err)
{
    uint32_t n = r->tmp.count;
    if (n > fixed || !row->values) {
        wx_value *v =
            n ? wxm_arena_alloc(&r->a->mem, n * sizeof *v) : NULL;
        if (n && !v) {
            wxa_results_free(&r->tmp);
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        }
        row->values = v;
    }
    for (uint32_t i = 0; i < n; i++) {
        row->values[i] = r->tmp.values[i];
        if (wxa_type_is_buf(row->values[i].type) ||
            wxa_type_is_vec(row->values[i].type))
            r->a->owns_buffers = true;
    }
    row->count = n;
    r->tmp.count = 0;
    return WX_OK;
}

/* Records a failed row: its status and a copy of its error. */
static void fail_row(runner *r, wx_batch_row *row, wx_status s,
                     const wx_error *e, size_t *failed)
{
    row->status = s;
    row->count = 0;
    wx_error *copy = wxm_arena_memdup(&r->a->mem, e, sizeof *e);
    if (copy) {
        copy->status = s;
        if (!copy->message[0])
            snprintf(copy->message, sizeof copy->message, "%s",
                     wx_status_message(s));
    }
    row->error = copy;
    (*failed)++;
}

/* One row, from its arguments to its outcome in `row`. */
static void batch_row(runner *r, const wx_value *args, size_t ncols,
                      wx_batch_row *row, size_t fixed, size_t *failed)
{
    /* Only what a failure might not set itself: clearing the whole
     * message buffer on every row cost a tenth of a row's time. */
    wx_error e;
    e.status = WX_OK;
    e.trap = WX_TRAP_NONE;
    e.func_index = WX_NO_INDEX;
    e.offset = 0;
    e.exit_code = 0;
    e.message[0] = '\0';
    wxa_value conv[WXA_MAX_VALUES];
    const wxa_value *use;
    uint64_t owned = 0;
    wx_status s = wxm_args_prepare(r->f, args, ncols, conv, &use, &owned, &e);
    if (s == WX_OK && r->dead != WX_OK) {
        s = r->dead;
        e = r->dead_err;
    } else if (s == WX_OK && (s = acquire(r, &e)) != WX_OK) {
        r->dead = s;
        r->dead_err = e;
    } else if (s == WX_OK) {
        wx_wasm_val res[WXA_MAX_VALUES];
        bool numeric = r->f->fn.abi == WX_ABI_NUMERIC;
        s = run_row(r, use, ncols, res, &e);
        count_fuel(r);
        /* A guest's error result leaves a sound instance; anything else
         * that failed inside may have stopped it half-way. */
        if (s != WX_OK && s != WX_EGUEST)
            s = release(r, s, &e);
        if (s == WX_OK && numeric)
            s = numeric_results(r, res, &e);
        if (s == WX_OK)
            s = keep_results(r, row, fixed, &e);
    }
    wxm_args_release(conv, owned);
    count_row(r, s);
    if (s != WX_OK) {
        fail_row(r, row, s, &e, failed);
        if (r->v->record)
            wxm_record_values(r->v, r->f, args, ncols, s, &e);
    }
}

wx_status wx_fn_call_batch(wx_fn *fn, const wx_value *args, size_t nrows,
                           size_t ncols, wx_batch_result *out, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    wx_error_clear(err);
    memset(out, 0, sizeof *out);
    runner r = {0};
    unsigned shard;
    wx_status s = wxm_fn_pin(fn, &r.v, &r.f, &shard, err);
    if (s != WX_OK)
        return s;
    if (ncols != r.f->fn.nparams) {
        s = wx_error_set(err, WX_EARG,
                         "%s: expected %u argument%s per row, got %zu",
                         r.f->fn.name, r.f->fn.nparams,
                         r.f->fn.nparams == 1 ? "" : "s", ncols);
    } else if (nrows && ncols && !args) {
        s = wx_error_set(err, WX_EARG, "%s: no argument array",
                         r.f->fn.name);
    } else {
        /* bindgen results the config leaves open: the guest decides
         * their number, row by row. */
        bool known = r.f->fn.abi != WX_ABI_BINDGEN || r.f->fn.has_results;
        size_t fixed = known ? r.f->fn.nresults : 0;
        s = batch_alloc(out, nrows, fixed, err);
        if (s == WX_OK) {
            r.a = out->arena_;
            r.budget = wxv_pool_fuel(r.v->pool);
            for (size_t i = 0; i < nrows; i++)
                batch_row(&r, args + i * ncols, ncols, &out->rows[i], fixed,
                          &out->failed);
            if (r.leased) {
                wx_error ignored;
                release(&r, WX_OK, &ignored);
            }
            flush_counts(&r);
        }
    }
    wxm_plugin_unpin(fn->plugin, r.v, shard);
    return s;
}
