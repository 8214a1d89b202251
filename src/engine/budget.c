/*
 * Memory budgets (engine.h, "Memory budgets"): one counter of bytes that
 * any number of instances, on any threads, charge as their memories and
 * tables are made and grow, and credit back as they shrink to nothing
 * (freed). A charge that would pass the limit is refused whole, so the
 * sum never exceeds it, and counted.
 */
#include "runtime.h"

#include <stdlib.h>

struct wx_budget {
    atomic_uint refs;
    _Atomic uint64_t limit;
    _Atomic uint64_t used;
    _Atomic uint64_t peak;
    _Atomic uint64_t refused;
};

wx_budget *wx_budget_new(uint64_t limit, wx_error *err)
{
    wx_budget *b = calloc(1, sizeof *b);
    if (!b) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    atomic_init(&b->refs, 1);
    atomic_init(&b->limit, limit);
    return b;
}

void wx_budget_retain(wx_budget *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void wx_budget_release(wx_budget *b)
{
    if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
        free(b);
}

void wx_budget_set_limit(wx_budget *b, uint64_t limit)
{
    atomic_store_explicit(&b->limit, limit, memory_order_relaxed);
}

bool wx_budget_charge(wx_budget *b, uint64_t bytes)
{
    if (!b || !bytes)
        return true;
    /* A compare-and-swap loop rather than add-then-check: two instances
     * growing at once must not both pass on a sum that is over the limit
     * for an instant, nor must a refused charge make a third fail. */
    uint64_t used = atomic_load_explicit(&b->used, memory_order_relaxed);
    for (;;) {
        uint64_t limit = atomic_load_explicit(&b->limit, memory_order_relaxed);
        if (bytes > limit || used > limit - bytes) {
            atomic_fetch_add_explicit(&b->refused, 1, memory_order_relaxed);
            return false;
        }
        if (atomic_compare_exchange_weak_explicit(
                &b->used, &used, used + bytes, memory_order_relaxed,
                memory_order_relaxed))
            break;
    }
    uint64_t now = used + bytes;
    uint64_t peak = atomic_load_explicit(&b->peak, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&b->peak, &peak, now,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
    return true;
}

void wx_budget_credit(wx_budget *b, uint64_t bytes)
{
    if (b && bytes)
        atomic_fetch_sub_explicit(&b->used, bytes, memory_order_relaxed);
}

void wx_budget_stats_get(const wx_budget *b, wx_budget_stats *out)
{
    out->limit = atomic_load_explicit(&b->limit, memory_order_relaxed);
    out->used = atomic_load_explicit(&b->used, memory_order_relaxed);
    out->peak = atomic_load_explicit(&b->peak, memory_order_relaxed);
    out->refused = atomic_load_explicit(&b->refused, memory_order_relaxed);
}
