/*
 * Tables of references: a heap array of slots (wx_wasm_func* for funcref, the
 * host pointer for externref, 0 for null) that grows by realloc.
 */
#include "runtime.h"
#include "reftype.h"

#include <stdlib.h>
#include <string.h>

/* An implementation limit on table sizes, as other engines have, so that a
 * guest cannot make the host allocate gigabytes through table.grow. */
#define WXI_TABLE_LIMIT 10000000u
/* So every table's size fits a u32 with room to spare: compile.c
 * saturates the i64 indices and counts of a 64-bit table to 2^32-1,
 * which is out of bounds of every table, and uses the 32-bit ops. */
_Static_assert(WXI_TABLE_LIMIT < UINT32_MAX,
               "64-bit table indices are saturated to 2^32-1");

wx_status wxi_table_init(wx_table *t, wx_valtype elem, wx_limits limits,
                         wx_error *err)
{
    if (!wxm_is_reftype(elem))
        return wx_error_set(err, WX_EARG,
                            "table element type must be a "
                            "reference type, not %s",
                            wx_valtype_name(elem));
    uint64_t range = limits.addr64 ? WXM_MAX_TABLE64 : WXM_MAX_TABLE;
    if (limits.min > range ||
        (limits.has_max && (limits.max > range || limits.max < limits.min)))
        return wx_error_set(err, WX_EARG, "invalid table limits");
    if (limits.min > WXI_TABLE_LIMIT)
        return wx_error_set(err, WX_ELIMIT,
                            "table of %llu elements exceeds the limit of %u",
                            (unsigned long long)limits.min, WXI_TABLE_LIMIT);
    uint32_t size = (uint32_t)limits.min;
    t->elem = elem;
    t->limits = limits;
    t->max = WXI_TABLE_LIMIT;
    if (limits.has_max && limits.max < t->max)
        t->max = (uint32_t)limits.max;
    t->elems = calloc(size ? size : 1, sizeof *t->elems);
    if (!t->elems)
        return wx_error_set(err, WX_ENOMEM,
                            "cannot allocate a table of %u "
                            "elements",
                            size);
    t->size = size;
    t->cap = size ? size : 1;
    return WX_OK;
}

void wxi_table_release(wx_table *t)
{
    free(t->elems);
    t->elems = NULL;
    wx_budget_credit(t->budget, (uint64_t)t->size * sizeof(wx_slot));
    t->budget = NULL;
}

wx_status wxi_table_charge(wx_table *t, wx_budget *budget, uint32_t index,
                           wx_error *err)
{
    uint64_t bytes = (uint64_t)t->size * sizeof(wx_slot);
    if (!wx_budget_charge(budget, bytes)) {
        wx_budget_stats bs;
        wx_budget_stats_get(budget, &bs);
        return wx_error_set(err, WX_ELIMIT,
                            "memory budget: table %u needs %llu bytes (%u "
                            "elements), %llu of the budget's %llu are in use",
                            index, (unsigned long long)bytes, t->size,
                            (unsigned long long)bs.used,
                            (unsigned long long)bs.limit);
    }
    t->budget = budget;
    return WX_OK;
}

int64_t wxi_table_grow(wx_table *t, uint32_t delta, wx_slot init)
{
    uint32_t old = t->size;
    if ((uint64_t)old + delta > t->max)
        return -1;
    uint32_t size = old + delta;
    uint64_t charge = (uint64_t)delta * sizeof(wx_slot);
    if (!wx_budget_charge(t->budget, charge))
        return -1;
    if (size > t->cap) {
        /* Double the capacity so that a loop of small grows stays linear. */
        uint64_t cap = (uint64_t)t->cap * 2;
        if (cap < size)
            cap = size;
        if (cap > t->max)
            cap = t->max;
        wx_slot *p = realloc(t->elems, (size_t)cap * sizeof *p);
        if (!p) {
            wx_budget_credit(t->budget, charge);
            return -1;
        }
        t->elems = p;
        t->cap = (uint32_t)cap;
    }
    for (uint32_t i = old; i < size; i++)
        t->elems[i] = init;
    t->size = size;
    return old;
}

wx_table *wx_table_new(wx_valtype elem, wx_limits limits, wx_error *err)
{
    wx_table *t = calloc(1, sizeof *t);
    if (!t) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    if (wxi_table_init(t, elem, limits, err) != WX_OK) {
        free(t);
        return NULL;
    }
    t->standalone = true;
    return t;
}

uint32_t wx_table_size(const wx_table *t)
{
    return t->size;
}

wx_valtype wx_table_elem_type(const wx_table *t)
{
    return t->elem;
}

bool wx_table_get(const wx_table *t, uint32_t i, wx_wasm_val *out)
{
    if (i >= t->size)
        return false;
    *out = wxi_val_from_slot(wxm_ref_top(t->types, t->elem), t->elems[i]);
    return true;
}

bool wx_table_set(wx_table *t, uint32_t i, wx_wasm_val v)
{
    if (i >= t->size ||
        (v.type != t->elem && !wxi_ref_fits(t->types, t->elem, &v)))
        return false;
    t->elems[i] = wxi_slot_from_val(&v);
    return true;
}
