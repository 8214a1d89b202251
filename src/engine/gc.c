/*
 * The GC heap and its collector (gc.h; docs/design.md, "Garbage
 * collection"). Objects are malloc'ed one by one and indexed by address
 * in an open-addressing hash set, which is both the list the sweep walks
 * and the exact answer to "is this slot an object?" that conservative
 * stack scanning and extern boxes need.
 */
#include "gc.h"
#include "reftype.h"

#include <stdlib.h>
#include <string.h>

/* A collection runs when the bytes allocated since the last one pass
 * max(WXG_MIN_THRESHOLD, live bytes after it): the heap at most doubles
 * between collections, and small heaps are not scanned for every few
 * objects. */
#define WXG_MIN_THRESHOLD (1u << 20)
/* The heap's hard cap whatever the budget says (objects and their
 * headers): an array.new of 2^32 - 1 elements must fail cleanly. */
#define WXG_MAX_BYTES (UINT64_C(1) << 32)

struct wxg_heap {
    unsigned refs;
    wxg_obj **set; /* open addressing, NULL empty; load <= 1/2 */
    size_t cap, count;
    uint64_t live_bytes, since, threshold, collections;
    int inhibit;
    bool refused;
    wx_instance **insts;
    size_t ninsts, capinsts;
    wx_global **globals;
    size_t nglobals, capglobals;
    wx_table **tables;
    size_t ntables, captables;
    wx_budget **budgets; /* retained: objects outlive their instances */
    size_t nbudgets, capbudgets;
    /* The `heap` fields of the linkers whose standalone globals and
     * tables it serves (each holds a reference): a merge repoints them. */
    wxg_heap ***linkers;
    size_t nlinkers, caplinkers;
    wxg_obj **work; /* the mark stack */
    size_t nwork, capwork;
};

/* ------------------------------------------------------------ the set */

static size_t hash_ptr(const void *p, size_t mask)
{
    uint64_t x = (uint64_t)(uintptr_t)p >> 4;
    x *= 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & mask;
}

static void set_put(wxg_obj **set, size_t cap, wxg_obj *o)
{
    size_t mask = cap - 1;
    for (size_t i = hash_ptr(o, mask);; i = (i + 1) & mask)
        if (!set[i]) {
            set[i] = o;
            return;
        }
}

static bool set_grow(wxg_heap *h)
{
    size_t cap = h->cap ? h->cap * 2 : 1024;
    wxg_obj **set = calloc(cap, sizeof *set);
    if (!set)
        return false;
    for (size_t i = 0; i < h->cap; i++)
        if (h->set[i])
            set_put(set, cap, h->set[i]);
    free(h->set);
    h->set = set;
    h->cap = cap;
    return true;
}

bool wxg_is_obj(const wxg_heap *h, wx_slot v)
{
    if (!h || !v || (v & 15u) != 0 || !h->count)
        return false;
    const wxg_obj *o = (const wxg_obj *)(uintptr_t)v;
    size_t mask = h->cap - 1;
    for (size_t i = hash_ptr(o, mask);; i = (i + 1) & mask) {
        if (h->set[i] == o)
            return true;
        if (!h->set[i])
            return false;
    }
}

/* --------------------------------------------------------- the heap */

wxg_heap *wxg_heap_new(void)
{
    wxg_heap *h = calloc(1, sizeof *h);
    if (h) {
        h->refs = 1;
        h->threshold = WXG_MIN_THRESHOLD;
    }
    return h;
}

void wxg_heap_retain(wxg_heap *h)
{
    h->refs++;
}

void wxg_heap_release(wxg_heap *h)
{
    if (!h || --h->refs)
        return;
    for (size_t i = 0; i < h->cap; i++)
        if (h->set[i]) {
            wx_budget_credit(h->set[i]->budget, h->set[i]->bytes);
            free(h->set[i]);
        }
    for (size_t i = 0; i < h->nbudgets; i++)
        wx_budget_release(h->budgets[i]);
    free(h->set);
    free(h->insts);
    free(h->globals);
    free(h->tables);
    free(h->budgets);
    free(h->linkers);
    free(h->work);
    free(h);
}

static bool push_ptr(void ***arr, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        void **a = realloc(*arr, c * sizeof *a);
        if (!a)
            return false;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = p;
    return true;
}

bool wxg_add_instance(wxg_heap *h, wx_instance *inst)
{
    wx_budget *b = inst->opts.budget;
    if (b) {
        bool known = false;
        for (size_t i = 0; i < h->nbudgets && !known; i++)
            known = h->budgets[i] == b;
        if (!known) {
            if (!push_ptr((void ***)&h->budgets, &h->nbudgets, &h->capbudgets,
                          b))
                return false;
            wx_budget_retain(b);
        }
    }
    return push_ptr((void ***)&h->insts, &h->ninsts, &h->capinsts, inst);
}

void wxg_remove_instance(wxg_heap *h, wx_instance *inst)
{
    for (size_t i = 0; i < h->ninsts; i++)
        if (h->insts[i] == inst) {
            h->insts[i] = h->insts[--h->ninsts];
            return;
        }
}

bool wxg_add_global(wxg_heap *h, wx_global *g)
{
    return push_ptr((void ***)&h->globals, &h->nglobals, &h->capglobals, g);
}

bool wxg_add_table(wxg_heap *h, wx_table *t)
{
    return push_ptr((void ***)&h->tables, &h->ntables, &h->captables, t);
}

/* Removes p from the list arr[0 .. *n) if it is there. */
static void drop_ptr(void **arr, size_t *n, const void *p)
{
    for (size_t i = 0; i < *n; i++)
        if (arr[i] == p) {
            arr[i] = arr[--*n];
            return;
        }
}

void wxg_forget_global(wxg_heap *h, const wx_global *g)
{
    drop_ptr((void **)h->globals, &h->nglobals, g);
}

void wxg_forget_table(wxg_heap *h, const wx_table *t)
{
    drop_ptr((void **)h->tables, &h->ntables, t);
}

bool wxg_add_linker(wxg_heap *h, wxg_heap **slot)
{
    return push_ptr((void ***)&h->linkers, &h->nlinkers, &h->caplinkers,
                    slot);
}

void wxg_forget_linker(wxg_heap *h, wxg_heap **slot)
{
    drop_ptr((void **)h->linkers, &h->nlinkers, slot);
}

/* ------------------------------------------------------------ merging */

/* Room for `more` entries in a pointer list, so that a merge, once
 * started, cannot fail half-way. */
static bool reserve_ptrs(void ***arr, size_t n, size_t *cap, size_t more)
{
    if (n + more <= *cap)
        return true;
    size_t c = *cap ? *cap : 8;
    while (c < n + more)
        c *= 2;
    void **a = realloc(*arr, c * sizeof *a);
    if (!a)
        return false;
    *arr = a;
    *cap = c;
    return true;
}

static bool reserve_merge(wxg_heap *into, const wxg_heap *from)
{
    size_t cap = into->cap ? into->cap : 1024;
    while (2 * (into->count + from->count) > cap)
        cap *= 2;
    if (cap != into->cap) {
        wxg_obj **set = calloc(cap, sizeof *set);
        if (!set)
            return false;
        for (size_t i = 0; i < into->cap; i++)
            if (into->set[i])
                set_put(set, cap, into->set[i]);
        free(into->set);
        into->set = set;
        into->cap = cap;
    }
    return reserve_ptrs((void ***)&into->insts, into->ninsts,
                        &into->capinsts, from->ninsts) &&
           reserve_ptrs((void ***)&into->globals, into->nglobals,
                        &into->capglobals, from->nglobals) &&
           reserve_ptrs((void ***)&into->tables, into->ntables,
                        &into->captables, from->ntables) &&
           reserve_ptrs((void ***)&into->budgets, into->nbudgets,
                        &into->capbudgets, from->nbudgets) &&
           reserve_ptrs((void ***)&into->linkers, into->nlinkers,
                        &into->caplinkers, from->nlinkers);
}

/* Every table and global of inst that names `from` names `into`. */
static void repoint_instance(wx_instance *inst, wxg_heap *from,
                             wxg_heap *into)
{
    const wx_module *m = inst->module;
    inst->heap = into;
    for (uint32_t i = 0; i < m->ntables; i++)
        if (inst->tables[i] && inst->tables[i]->heap == from)
            inst->tables[i]->heap = into;
    for (uint32_t i = 0; i < m->nglobals; i++)
        if (inst->globals[i] && inst->globals[i]->heap == from)
            inst->globals[i]->heap = into;
}

bool wxg_heap_merge(wxg_heap *into, wxg_heap *from)
{
    if (into == from)
        return true;
    if (!reserve_merge(into, from))
        return false;
    for (size_t i = 0; i < from->cap; i++)
        if (from->set[i])
            set_put(into->set, into->cap, from->set[i]);
    into->count += from->count;
    into->live_bytes += from->live_bytes;
    into->since += from->since;
    if (from->threshold > into->threshold)
        into->threshold = from->threshold;
    into->refused = into->refused || from->refused;
    for (size_t i = 0; i < from->ninsts; i++) {
        repoint_instance(from->insts[i], from, into);
        into->insts[into->ninsts++] = from->insts[i];
    }
    for (size_t i = 0; i < from->nglobals; i++) {
        from->globals[i]->heap = into;
        into->globals[into->nglobals++] = from->globals[i];
    }
    for (size_t i = 0; i < from->ntables; i++) {
        from->tables[i]->heap = into;
        into->tables[into->ntables++] = from->tables[i];
    }
    for (size_t i = 0; i < from->nlinkers; i++) {
        *from->linkers[i] = into;
        into->linkers[into->nlinkers++] = from->linkers[i];
    }
    /* The budgets' references move too; one of a budget into already
     * holds is given back. */
    for (size_t i = 0; i < from->nbudgets; i++) {
        bool known = false;
        for (size_t k = 0; k < into->nbudgets && !known; k++)
            known = into->budgets[k] == from->budgets[i];
        if (known)
            wx_budget_release(from->budgets[i]);
        else
            into->budgets[into->nbudgets++] = from->budgets[i];
    }
    /* Whoever held `from` (its instances, its linkers) now holds `into`. */
    into->refs += from->refs;
    free(from->set);
    free(from->insts);
    free(from->globals);
    free(from->tables);
    free(from->budgets);
    free(from->linkers);
    free(from->work);
    free(from);
    return true;
}

bool wxg_refused(wxg_heap *h)
{
    bool r = h->refused;
    h->refused = false;
    return r;
}

void wxg_stats(const wxg_heap *h, wx_gc_stats *out)
{
    out->live_objects = h->count;
    out->live_bytes = h->live_bytes + h->since;
    out->collections = h->collections;
}

void wxg_inhibit(wxg_heap *h, int delta)
{
    h->inhibit += delta;
}

void wxg_pin(wxg_heap *h, wx_slot v)
{
    if (wxg_is_obj(h, v))
        ((wxg_obj *)(uintptr_t)v)->pinned = true;
}

/* ------------------------------------------------------------ marking */

static void mark_slot(wxg_heap *h, wx_slot v)
{
    if (!wxg_is_obj(h, v))
        return;
    wxg_obj *o = (wxg_obj *)(uintptr_t)v;
    if (o->marked)
        return;
    o->marked = true;
    h->work[h->nwork++] = o; /* room for every object: collect() */
}

static void mark_slots(wxg_heap *h, const wx_slot *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mark_slot(h, p[i]);
}

/* The references inside an object, by its type's fields. */
static void scan_obj(wxg_heap *h, const wxg_obj *o)
{
    if (o->kind == WXG_ANY_BOX) {
        wx_slot v;
        memcpy(&v, o->data, sizeof v);
        mark_slot(h, v);
        return;
    }
    if (o->kind == WXG_HOST_BOX)
        return;
    const wxm_functype *t = o->type;
    if (o->kind == WXG_ARRAY) {
        if (!wx_is_ref(t->fields[0].type))
            return;
        for (uint32_t i = 0; i < o->len; i++) {
            wx_slot v;
            memcpy(&v, o->data + (size_t)i * sizeof v, sizeof v);
            mark_slot(h, v);
        }
        return;
    }
    for (uint32_t i = 0; i < t->nfields; i++) {
        if (!wx_is_ref(t->fields[i].type))
            continue;
        wx_slot v;
        memcpy(&v, o->data + t->fields[i].offset, sizeof v);
        mark_slot(h, v);
    }
}

static void scan_exn(wxg_heap *h, const wxe_exn *e)
{
    if (e)
        mark_slots(h, e->vals, e->n);
}

static void scan_table(wxg_heap *h, const wx_table *t)
{
    if (t && wx_is_ref(t->elem) && t->elem != WX_FUNCREF)
        mark_slots(h, t->elems, t->size);
}

static void scan_global(wxg_heap *h, const wx_global *g)
{
    if (g && wx_is_ref(g->type))
        mark_slot(h, g->val);
}

static void scan_instance(wxg_heap *h, const wx_instance *inst,
                          const wxe_stack *running, const wx_slot *sp)
{
    const wx_module *m = inst->module;
    if (inst->globals)
        for (uint32_t i = 0; i < m->nglobals; i++)
            scan_global(h, inst->globals[i]);
    if (inst->tables)
        for (uint32_t i = 0; i < m->ntables; i++)
            scan_table(h, inst->tables[i]);
    if (inst->elem_vals)
        for (uint32_t i = 0; i < m->nelems; i++)
            if (inst->elem_vals[i])
                mark_slots(h, inst->elem_vals[i], m->elems[i].count);
    const wxe_stack *st = &inst->stack;
    /* Slots are untyped: the live part of a stack is scanned
     * conservatively (a slot equal to an object's address keeps it). */
    const wx_slot *end = st == running && sp ? sp : st->top;
    if (st->base && end > st->base)
        mark_slots(h, st->base, (size_t)(end - st->base));
    for (const wxe_exn *e = st->kept; e; e = e->next)
        scan_exn(h, e);
    scan_exn(h, st->exn);
}

void wxg_collect(wxg_heap *h, const wxe_stack *stack, const wx_slot *sp)
{
    if (h->capwork < h->count) {
        wxg_obj **w = realloc(h->work, h->count * sizeof *w);
        if (!w)
            return; /* no collection: everything stays */
        h->work = w;
        h->capwork = h->count;
    }
    h->nwork = 0;
    for (size_t i = 0; i < h->cap; i++)
        if (h->set[i] && h->set[i]->pinned && !h->set[i]->marked) {
            h->set[i]->marked = true;
            h->work[h->nwork++] = h->set[i];
        }
    bool running_seen = false;
    for (size_t i = 0; i < h->ninsts; i++) {
        scan_instance(h, h->insts[i], stack, sp);
        running_seen |= &h->insts[i]->stack == stack;
    }
    /* Code of this heap's instance may run on the stack of an instance
     * of another heap (a function imported across linkers). */
    if (stack && sp && !running_seen && sp > stack->base)
        mark_slots(h, stack->base, (size_t)(sp - stack->base));
    for (size_t i = 0; i < h->nglobals; i++)
        scan_global(h, h->globals[i]);
    for (size_t i = 0; i < h->ntables; i++)
        scan_table(h, h->tables[i]);
    while (h->nwork)
        scan_obj(h, h->work[--h->nwork]);

    /* Sweep: the survivors are put back into the set in place (a
     * rebuilt set keeps its probe chains right without tombstones). */
    wxg_obj **live = h->work; /* room for count entries */
    size_t nlive = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < h->cap; i++) {
        wxg_obj *o = h->set[i];
        if (!o)
            continue;
        h->set[i] = NULL;
        if (o->marked) {
            o->marked = false;
            live[nlive++] = o;
            bytes += o->bytes;
        } else {
            wx_budget_credit(o->budget, o->bytes);
            free(o);
        }
    }
    for (size_t i = 0; i < nlive; i++)
        set_put(h->set, h->cap, live[i]);
    h->count = nlive;
    h->live_bytes = bytes;
    h->since = 0;
    h->threshold = bytes > WXG_MIN_THRESHOLD ? bytes : WXG_MIN_THRESHOLD;
    h->collections++;
}

/* --------------------------------------------------------- allocation */

/* Charges an allocation of `inst`: under the heap's cap, which the
 * instance's memory limit (wx_instance_opts.max_memory_pages, the bound
 * of each of its memories and tables) lowers, and within its budget. */
static bool charge(wxg_heap *h, const wx_instance *inst, uint64_t bytes)
{
    uint64_t cap = WXG_MAX_BYTES;
    uint32_t pages = inst->opts.max_memory_pages;
    if (pages && (uint64_t)pages * WXM_PAGE_SIZE < cap)
        cap = (uint64_t)pages * WXM_PAGE_SIZE;
    return h->live_bytes + h->since + bytes <= cap &&
           wx_budget_charge(inst->opts.budget, bytes);
}

static wxg_obj *alloc_obj(wx_instance *inst, uint8_t kind, uint64_t size,
                          const wxe_stack *stack, const wx_slot *sp)
{
    wxg_heap *h = inst->heap;
    wx_budget *b = inst->opts.budget;
    if (size > WXG_MAX_BYTES) {
        h->refused = true;
        return NULL;
    }
    uint64_t bytes = sizeof(wxg_obj) + size;
    if (!h->inhibit && h->since >= h->threshold)
        wxg_collect(h, stack, sp);
    if (!charge(h, inst, bytes)) {
        if (!h->inhibit)
            wxg_collect(h, stack, sp); /* and try once more */
        if (h->inhibit || !charge(h, inst, bytes)) {
            h->refused = true;
            return NULL;
        }
    }
    wxg_obj *o = NULL;
    if ((h->count + 1) * 2 <= h->cap || set_grow(h))
        o = aligned_alloc(16, (bytes + 15) & ~(uint64_t)15);
    if (!o) {
        wx_budget_credit(b, bytes);
        h->refused = true;
        return NULL;
    }
    memset(o, 0, bytes);
    o->kind = kind;
    o->budget = b;
    o->bytes = bytes;
    set_put(h->set, h->cap, o);
    h->count++;
    h->since += bytes;
    return o;
}

wxg_obj *wxg_new_struct(wx_instance *inst, uint32_t type,
                        const wxe_stack *stack, const wx_slot *sp)
{
    const wx_module *m = inst->module;
    const wxm_functype *t = &m->types[type];
    wxg_obj *o = alloc_obj(inst, WXG_STRUCT, t->size, stack, sp);
    if (o) {
        o->module = m;
        o->type = t;
        o->type_index = type;
    }
    return o;
}

wxg_obj *wxg_new_array(wx_instance *inst, uint32_t type, uint32_t len,
                       const wxe_stack *stack, const wx_slot *sp)
{
    const wx_module *m = inst->module;
    const wxm_functype *t = &m->types[type];
    wxg_obj *o = alloc_obj(inst, WXG_ARRAY, (uint64_t)len * t->fields[0].size,
                           stack, sp);
    if (o) {
        o->module = m;
        o->type = t;
        o->type_index = type;
        o->len = len;
    }
    return o;
}

static wxg_obj *new_box(wx_instance *inst, uint8_t kind, wx_slot v,
                        const wxe_stack *stack, const wx_slot *sp)
{
    wxg_obj *o = alloc_obj(inst, kind, sizeof v, stack, sp);
    if (o)
        memcpy(o->data, &v, sizeof v);
    return o;
}

static wx_slot box_value(const wxg_obj *o)
{
    wx_slot v;
    memcpy(&v, o->data, sizeof v);
    return v;
}

bool wxg_extern_from_any(wx_instance *inst, wx_slot any, wx_slot *out,
                         const wxe_stack *stack, const wx_slot *sp)
{
    if (!any) {
        *out = 0;
        return true;
    }
    if (!wxg_is_i31(any)) {
        const wxg_obj *o = (const wxg_obj *)(uintptr_t)any;
        if (o->kind == WXG_HOST_BOX) { /* the host's pointer, unboxed */
            *out = box_value(o);
            return true;
        }
    }
    wxg_obj *box = new_box(inst, WXG_ANY_BOX, any, stack, sp);
    *out = (wx_slot)(uintptr_t)box;
    return box != NULL;
}

bool wxg_any_from_extern(wx_instance *inst, wx_slot ext, wx_slot *out,
                         const wxe_stack *stack, const wx_slot *sp)
{
    if (!ext) {
        *out = 0;
        return true;
    }
    if (wxg_is_obj(inst->heap, ext)) {
        const wxg_obj *o = (const wxg_obj *)(uintptr_t)ext;
        if (o->kind == WXG_ANY_BOX) {
            *out = box_value(o);
            return true;
        }
    }
    wxg_obj *box = new_box(inst, WXG_HOST_BOX, ext, stack, sp);
    *out = (wx_slot)(uintptr_t)box;
    return box != NULL;
}

/* ------------------------------------------------------ field access */

void wxg_load(const wxm_field *f, const uint8_t *p, bool sx, wx_slot *out)
{
    switch (f->size) {
    case 1: {
        uint8_t v = *p;
        *out = sx ? (uint32_t)(int32_t)(int8_t)v : v;
        return;
    }
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        *out = sx ? (uint32_t)(int32_t)(int16_t)v : v;
        return;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        *out = v;
        return;
    }
    case 16: memcpy(out, p, 16); return;
    default: memcpy(out, p, 8); return;
    }
}

void wxg_store(const wxm_field *f, uint8_t *p, const wx_slot *in)
{
    switch (f->size) {
    case 1: *p = (uint8_t)*in; return;
    case 2: {
        uint16_t v = (uint16_t)*in;
        memcpy(p, &v, 2);
        return;
    }
    case 4: {
        uint32_t v = (uint32_t)*in;
        memcpy(p, &v, 4);
        return;
    }
    case 16: memcpy(p, in, 16); return;
    default: memcpy(p, in, 8); return;
    }
}

/* ------------------------------------------------------------- casts */

/* Whether type io of mo is a subtype of type t of m (reftype.h: a walk
 * up the supertypes to t's depth and one comparison). */
static bool type_sub(const wx_module *mo, uint32_t io, const wx_module *m,
                     uint32_t t)
{
    return wxm_type_sub(mo, io, m, t);
}

static bool func_is(const wx_module *m, uint32_t t, const wx_wasm_func *f)
{
    if (f->module && f->mtype)
        return type_sub(f->module, (uint32_t)(f->mtype - f->module->types), m,
                        t);
    /* A host function made by the host: its signature, structurally. */
    wx_functype want = wxm_functype_view(&m->types[t]);
    return m->types[t].kind == WXM_TYPE_FUNC &&
           wxi_functype_equal(&f->type, &want);
}

bool wxg_ref_is(const wx_module *m, uint32_t heap, wx_slot v)
{
    const wxg_obj *o = wxg_is_i31(v) ? NULL : (const wxg_obj *)(uintptr_t)v;
    if (heap & WX_REF_CONCRETE) {
        uint32_t t = heap >> WX_REF_INDEX_SHIFT;
        if (m->types[t].kind == WXM_TYPE_FUNC)
            return func_is(m, t, (const wx_wasm_func *)(uintptr_t)v);
        return o && (o->kind == WXG_STRUCT || o->kind == WXG_ARRAY) &&
               type_sub(o->module, o->type_index, m, t);
    }
    switch (heap) {
    case WX_HEAP_ANY:
    case WX_HEAP_FUNC:
    case WX_HEAP_EXTERN:
    case WX_HEAP_EXN: return true;
    case WX_HEAP_EQ:
        return !o || o->kind == WXG_STRUCT || o->kind == WXG_ARRAY;
    case WX_HEAP_I31: return !o;
    case WX_HEAP_STRUCT: return o && o->kind == WXG_STRUCT;
    case WX_HEAP_ARRAY: return o && o->kind == WXG_ARRAY;
    default: return false; /* the bottom types: only null */
    }
}

/* ---------------------------------------------------------------- API */

wx_anyref_kind wx_anyref_kind_of(const void *ref)
{
    wx_slot v = (wx_slot)(uintptr_t)ref;
    if (!v)
        return WX_ANYREF_NULL;
    if (wxg_is_i31(v))
        return WX_ANYREF_I31;
    switch (((const wxg_obj *)ref)->kind) {
    case WXG_STRUCT: return WX_ANYREF_STRUCT;
    case WXG_ARRAY: return WX_ANYREF_ARRAY;
    default: return WX_ANYREF_HOST;
    }
}

int32_t wx_anyref_i31(const void *ref)
{
    return (int32_t)(uint32_t)(uintptr_t)ref >> 1;
}

void *wx_anyref_host(const void *ref)
{
    if (wx_anyref_kind_of(ref) != WX_ANYREF_HOST)
        return NULL;
    return (void *)(uintptr_t)box_value(ref);
}

wx_status wx_anyref_from_host(wx_instance *inst, void *host, void **out,
                              wx_error *err)
{
    wx_slot v;
    if (!wxg_any_from_extern(inst, (wx_slot)(uintptr_t)host, &v, NULL, NULL)) {
        wxg_refused(inst->heap);
        return wx_error_set(err, WX_ELIMIT,
                            "GC heap exhausted (memory budget or heap cap)");
    }
    wxg_pin(inst->heap, v);
    *out = (void *)(uintptr_t)v;
    return WX_OK;
}

void wx_gc_stats_get(const wx_instance *inst, wx_gc_stats *out)
{
    wxg_stats(inst->heap, out);
}

void wx_gc_collect(wx_instance *inst)
{
    wxg_collect(inst->heap, NULL, NULL);
}
