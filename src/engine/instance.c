/*
 * Instantiation, following the WebAssembly 2.0 spec: resolve and check the
 * imports, allocate functions, tables, memories and globals, apply element
 * and data segments in order, then run the start function. Also exports,
 * interrupts, fuel and freeing an instance.
 */
#include "gc.h"
#include "runtime.h"
#include "reftype.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Default value-stack size in slots (8 MiB of address space, committed only
 * as deep calls touch it): room for WX_DEFAULT_CALL_DEPTH frames of about a
 * hundred slots each. */
#define WXI_DEFAULT_STACK_SLOTS (1u << 20)

/*
 * The value stack: an anonymous mapping of its own rather than malloc. Its
 * pages cost nothing until deep calls touch them, and, unlike a large
 * malloc, creating and freeing it costs the same under the sanitizers as
 * without them (ASan and TSan would otherwise write shadow memory for all
 * 8 MiB at each malloc and free, which made every pool replacement cost
 * milliseconds). The interpreter bounds-checks the stack itself.
 */
static wx_slot *stack_map(size_t slots)
{
    void *p = mmap(NULL, slots * sizeof(wx_slot), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void stack_unmap(wx_slot *base, wx_slot *limit)
{
    if (base)
        munmap(base, (size_t)(limit - base) * sizeof(wx_slot));
}

/* Zeroed array of n elements; never NULL for n == 0 on success. */
static void *alloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* ------------------------------------------------------------- imports */

/* Limits subtyping: the provided current size covers the declared minimum,
 * and a declared maximum is respected by a provided maximum. */
static bool limits_match(uint64_t cur, wx_limits provided, wx_limits declared)
{
    if (cur < declared.min)
        return false;
    if (!declared.has_max)
        return true;
    return provided.has_max && provided.max <= declared.max;
}

/* A function import: the export's type must be a subtype of the
 * import's (3.0: GC's declared supertypes; equivalent types are
 * subtypes). Types compare through each side's module. */
static bool func_matches(const wx_module *m, uint32_t index,
                         const wx_functype *want, const wx_wasm_func *f)
{
    if (f->module && f->mtype)
        return wxm_type_sub(f->module,
                            (uint32_t)(f->mtype - f->module->types), m,
                            m->funcs[index].type);
    /* A host function cannot name this module's types: a concrete type
     * index in its signature means nothing, and a function reference it
     * returned would be called unchecked by call_ref. */
    for (uint32_t i = 0; i < want->nparams + want->nresults; i++)
        if (wx_ref_concrete(i < want->nparams
                                ? want->params[i]
                                : want->results[i - want->nparams]))
            return false;
    return wxi_functype_equal(want, &f->type);
}

static wx_status incompatible(const wxm_import *imp, wx_error *err,
                              const char *why)
{
    return wx_error_set(err, WX_EUNLINKABLE,
                        "incompatible import type for \"%.100s\".\"%.100s\": "
                        "%s",
                        imp->module, imp->name, why);
}

/* A 32-bit memory or table does not match a 64-bit import, nor the
 * reverse (memory64, table64): NULL if the address types agree, else
 * the reason. */
static const char *addr_mismatch(wx_limits provided, wx_limits declared,
                                 const char *kind, char *buf, size_t size)
{
    if (provided.addr64 == declared.addr64)
        return NULL;
    snprintf(buf, size,
             "%s address types differ: expected a %s %s, got a %s one",
             kind, declared.addr64 ? "64-bit (i64)" : "32-bit (i32)", kind,
             provided.addr64 ? "64-bit (i64)" : "32-bit (i32)");
    return buf;
}

/* Checks `ext` against import `imp` and stores it in the index space. */
static wx_status link_import(wx_instance *inst, const wxm_import *imp,
                             wx_extern ext, wx_error *err)
{
    const wx_module *m = inst->module;
    if (ext.kind != imp->kind) {
        char why[64];
        snprintf(why, sizeof why, "expected a %s, got a %s",
                 wx_externkind_name(imp->kind),
                 wx_externkind_name(ext.kind));
        return incompatible(imp, err, why);
    }
    switch (imp->kind) {
    case WX_EXTERN_FUNC: {
        wx_functype want = wxm_functype_view(wxm_func_type(m, imp->index));
        if (!func_matches(m, imp->index, &want, ext.of.func))
            return incompatible(imp, err, "function signatures differ");
        inst->funcs[imp->index] = ext.of.func;
        break;
    }
    case WX_EXTERN_TABLE: {
        const wxm_table *want = &m->tables[imp->index];
        wx_table *t = ext.of.table;
        /* Tables are mutable: their types must be equivalent (3.0). */
        char why[96];
        if (!wxm_valtype_equiv(t->types, t->elem, m, want->elem))
            return incompatible(imp, err, "table element types differ");
        if (addr_mismatch(t->limits, want->limits, "table", why, sizeof why))
            return incompatible(imp, err, why);
        if (!limits_match(t->size, t->limits, want->limits))
            return incompatible(imp, err, "table limits do not match");
        inst->tables[imp->index] = t;
        break;
    }
    case WX_EXTERN_MEMORY: {
        const wxm_memory *want = &m->memories[imp->index];
        wx_memory *mem = ext.of.memory;
        char why[96];
        if (addr_mismatch(mem->limits, want->limits, "memory", why,
                          sizeof why))
            return incompatible(imp, err, why);
        if (!limits_match(mem->pages, mem->limits, want->limits))
            return incompatible(imp, err, "memory limits do not match");
        inst->memories[imp->index] = mem;
        break;
    }
    case WX_EXTERN_GLOBAL: {
        const wxm_global *want = &m->globals[imp->index];
        wx_global *g = ext.of.global;
        /* 3.0: an immutable global's type may be a subtype of the
         * import's; a mutable one's must be equivalent. */
        bool fits = want->mutable_
                        ? wxm_valtype_equiv(g->types, g->type, m, want->type)
                        : wxm_valtype_sub(g->types, g->type, m, want->type);
        if (!fits || g->mutable_ != want->mutable_) {
            char why[80];
            snprintf(why, sizeof why,
                     "global types differ: expected %s%s, got %s%s",
                     want->mutable_ ? "mut " : "", wx_valtype_name(want->type),
                     g->mutable_ ? "mut " : "", wx_valtype_name(g->type));
            return incompatible(imp, err, why);
        }
        inst->globals[imp->index] = g;
        break;
    }
    case WX_EXTERN_TAG: {
        /* Tag types must be equivalent, each read in its own module
         * (typed references name their module's types); the tag itself,
         * not a copy, is imported. */
        const wx_tag *tag = ext.of.tag;
        if (!wxm_functype_equiv(m, m->tags[imp->index].type, tag->module,
                                tag->module->tags[tag->index].type))
            return incompatible(imp, err, "tag types differ");
        inst->tags[imp->index] = ext.of.tag;
        break;
    }
    }
    return WX_OK;
}

static wx_status resolve_imports(wx_instance *inst, const wx_linker *l,
                                 wx_error *err)
{
    const wx_module *m = inst->module;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wxm_import *imp = &m->imports[i];
        wx_extern ext;
        if (!wx_linker_lookup(l, imp->module, imp->name, &ext))
            return wx_error_set(err, WX_EUNLINKABLE,
                                "unknown import \"%.100s\".\"%.100s\"",
                                imp->module, imp->name);
        wx_status s = link_import(inst, imp, ext, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

/* ---------------------------------------------------------- definitions */

/* Value of a one-instruction constant expression, or of one instruction
 * of a longer one; everything it refers to (functions, earlier globals) is
 * already in place. */
static wx_slot const_value(const wx_instance *inst, const wxm_const *c)
{
    switch (c->kind) {
    case WXM_CONST_I32:
    case WXM_CONST_F32: return (uint32_t)c->bits;
    case WXM_CONST_I64:
    case WXM_CONST_F64: return c->bits;
    case WXM_CONST_V128: return 0; /* only globals hold v128: init_global */
    case WXM_CONST_REF_NULL: return 0;
    case WXM_CONST_REF_FUNC: return (wx_slot)(uintptr_t)inst->funcs[c->index];
    case WXM_CONST_GLOBAL_GET: return inst->globals[c->index]->val;
    default: return 0; /* operators: only inside an expression */
    }
}

/* The 16 bytes of a v128 instruction of an expression, or NULL. */
static const uint8_t *const_v128(const wx_instance *inst, const wxm_const *c)
{
    if (c->kind == WXM_CONST_V128)
        return c->v128;
    if (c->kind == WXM_CONST_GLOBAL_GET &&
        inst->globals[c->index]->type == WX_V128)
        return inst->globals[c->index]->v128;
    return NULL;
}

/* An extended constant expression (validated: the stack never underflows
 * and never holds more than c->depth values). The arithmetic wraps, in
 * unsigned types, and i32 results stay zero-extended as slots are. Not
 * inlined: its 4 KB stack would deepen every instantiation's frame.
 * A v128 (v128.const, global.get of a v128 global: only GC operators
 * take one, as a field's value) takes two entries, as it takes two slots
 * in the interpreter, so gc_ops.c reads operands alike in both; hence
 * twice the validated depth. */
__attribute__((noinline)) static wx_slot expr_value(const wx_instance *inst, const wxm_const *c)
{
    wx_slot st[2 * WXM_MAX_CONST_DEPTH];
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->nops; i++) {
        const wxm_const *op = &c->ops[i];
        if (op->kind < WXM_CONST_I32_ADD) {
            const uint8_t *wide = const_v128(inst, op);
            if (wide) {
                memcpy(st + n, wide, 16);
                n += 2;
            } else {
                st[n++] = const_value(inst, op);
            }
            continue;
        }
        if (op->kind >= WXM_CONST_STRUCT_NEW) {
            /* Allocations never collect here (wxg_inhibit): the values
             * on `st` are no roots. A refused one leaves null and marks
             * the heap (wxg_refused). */
            wxg_heap *h = inst->heap;
            wxg_inhibit(h, 1);
            wxg_eval_const_op((wx_instance *)inst, op, st, &n);
            wxg_inhibit(h, -1);
            continue;
        }
        wx_slot b = st[--n], a = st[n - 1];
        switch (op->kind) {
        case WXM_CONST_I32_ADD: a = (uint32_t)(a + b); break;
        case WXM_CONST_I32_SUB: a = (uint32_t)(a - b); break;
        case WXM_CONST_I32_MUL: a = (uint32_t)(a * b); break;
        case WXM_CONST_I64_ADD: a = a + b; break;
        case WXM_CONST_I64_SUB: a = a - b; break;
        case WXM_CONST_I64_MUL: a = a * b; break;
        default: break;
        }
        st[n - 1] = a;
    }
    return st[0];
}

wx_slot wxi_eval_const(const wx_instance *inst, const wxm_const *c)
{
    return c->kind == WXM_CONST_EXPR ? expr_value(inst, c)
                                     : const_value(inst, c);
}

/* A defined global's first value. A v128 (validated: the constant or
 * global.get of an earlier v128 global; no operator makes one) takes all
 * 16 bytes; wxi_eval_const gives one slot. */
static void init_global(const wx_instance *inst, wx_global *g,
                        const wxm_const *c)
{
    if (g->type != WX_V128) {
        g->val = wxi_eval_const(inst, c);
        return;
    }
    const uint8_t *from = c->kind == WXM_CONST_GLOBAL_GET
                              ? inst->globals[c->index]->v128
                              : c->v128;
    memcpy(g->v128, from, sizeof g->v128);
}

static void define_funcs(wx_instance *inst)
{
    const wx_module *m = inst->module;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wx_wasm_func *f = &inst->own_funcs[i - m->nfunc_imports];
        const wxm_functype *t = wxm_func_type(m, i);
        f->type = wxm_functype_view(t);
        f->mtype = t;
        f->module = m;
        f->inst = inst;
        f->index = i;
        f->code = m->funcs[i].code;
        f->general = wxi_functype_general(&f->type);
        inst->funcs[i] = f;
    }
}

/* Each tag the module defines is a new tag, distinct from every other,
 * even from the same module's tags in another instance. */
static void define_tags(wx_instance *inst)
{
    const wx_module *m = inst->module;
    for (uint32_t i = m->ntag_imports; i < m->ntags; i++) {
        wx_tag *t = &inst->own_tags[i - m->ntag_imports];
        t->type = wxm_functype_view(&m->types[m->tags[i].type]);
        /* A v128 payload value takes two slots. */
        t->nslots = t->type.nparams;
        for (uint32_t k = 0; k < t->type.nparams; k++)
            t->nslots += t->type.params[k] == WX_V128;
        t->module = m;
        t->index = i;
        inst->tags[i] = t;
    }
}

static wx_status define_tables(wx_instance *inst, wx_error *err)
{
    const wx_module *m = inst->module;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        wx_table *t = &inst->own_tables[i - m->ntable_imports];
        wx_status s =
            wxi_table_init(t, m->tables[i].elem, m->tables[i].limits, err);
        if (s != WX_OK)
            return s;
        inst->tables[i] = t;
        t->types = m;
        t->heap = inst->heap;
        if (m->tables[i].has_init) {
            /* 3.0: every element starts as the initializer's value. */
            wx_slot v = wxi_eval_const(inst, &m->tables[i].init);
            for (uint32_t k = 0; k < t->size; k++)
                t->elems[k] = v;
        }
        /* A table is host memory too (a slot per element): the memory cap
         * bounds each table's bytes as well, so that table.grow cannot
         * take what memory.grow may not. */
        uint32_t pages = inst->opts.max_memory_pages;
        if (pages) {
            uint64_t cap = (uint64_t)pages * WXM_PAGE_SIZE / sizeof(wx_slot);
            if (t->size > cap)
                return wx_error_set(err, WX_ELIMIT,
                                    "table %u needs %u elements, more than "
                                    "the memory limit of %u pages holds "
                                    "(%llu)",
                                    i, t->size, pages,
                                    (unsigned long long)cap);
            if (t->max > cap)
                t->max = (uint32_t)cap;
        }
        if ((s = wxi_table_charge(t, inst->opts.budget, i, err)) != WX_OK)
            return s;
    }
    return WX_OK;
}

static wx_status define_memories(wx_instance *inst, wx_error *err)
{
    const wx_module *m = inst->module;
    for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
        wx_memory *mem = &inst->own_memories[i - m->nmemory_imports];
        wx_status s =
            wxi_memory_init(mem, m->memories[i].limits,
                            inst->opts.max_memory_pages, inst->opts.budget,
                            err);
        if (s != WX_OK)
            return s;
        inst->memories[i] = mem;
    }
    return WX_OK;
}

static void define_globals(wx_instance *inst)
{
    const wx_module *m = inst->module;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wx_global *g = &inst->own_globals[i - m->nglobal_imports];
        g->type = m->globals[i].type;
        g->types = m;
        g->heap = inst->heap;
        g->mutable_ = m->globals[i].mutable_;
        init_global(inst, g, &m->globals[i].init);
        inst->globals[i] = g;
    }
}

/* ------------------------------------------------------------- segments */

/* An active segment's offset: an i32, or an i64 for a 64-bit table or
 * memory (memory64, table64), whose whole 64 bits count. */
static uint64_t segment_offset(const wx_instance *inst, const wxm_const *c,
                               wx_limits target)
{
    uint64_t at = wxi_eval_const(inst, c);
    return target.addr64 ? at : (uint32_t)at;
}

/* Active element segments act as table.init then elem.drop; declarative
 * ones are dropped at once. */
static wx_status init_elems(wx_instance *inst, wx_error *err)
{
    const wx_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wxm_elem *seg = &m->elems[i];
        if (seg->mode == WXM_SEG_PASSIVE)
            continue;
        inst->elem_dropped[i] = true;
        if (seg->mode == WXM_SEG_DECLARATIVE)
            continue;
        wx_table *t = inst->tables[seg->table];
        uint64_t at = segment_offset(inst, &seg->offset,
                                     m->tables[seg->table].limits);
        if (at > t->size || seg->count > t->size - at)
            return wxi_trap(err, WX_TRAP_TABLE_OOB, m, WX_NO_INDEX,
                            seg->offset.offset);
        for (uint32_t j = 0; j < seg->count; j++)
            t->elems[at + j] = wxi_elem_value(inst, i, j);
        /* Dropped: the table holds what it needs of the values. */
        if (inst->elem_vals) {
            free(inst->elem_vals[i]);
            inst->elem_vals[i] = NULL;
        }
    }
    return WX_OK;
}

/* Active data segments act as memory.init then data.drop. */
static wx_status init_datas(wx_instance *inst, wx_error *err)
{
    const wx_module *m = inst->module;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wxm_data *seg = &m->datas[i];
        if (seg->mode != WXM_SEG_ACTIVE)
            continue;
        inst->data_dropped[i] = true;
        wx_memory *mem = inst->memories[seg->memory];
        uint64_t at = segment_offset(inst, &seg->offset,
                                     m->memories[seg->memory].limits);
        if (at > mem->size || seg->len > mem->size - at)
            return wxi_trap(err, WX_TRAP_MEMORY_OOB, m, WX_NO_INDEX,
                            seg->offset.offset);
        if (seg->len)
            memcpy(mem->data + at, seg->bytes, seg->len);
    }
    return WX_OK;
}

static wx_status run_start(wx_instance *inst, wx_error *err)
{
    wx_wasm_func *f = inst->funcs[inst->module->start];
    wx_slot slots[1] = {0};
    if (!f->inst)
        return wxi_call_host(f, inst, slots, err);
    return wxe_invoke(f, slots, &inst->stack, err);
}

/* Whether functions of a half-initialised instance may have escaped into
 * something that outlives it: an imported table, an imported mutable
 * reference global, or (through the start function) a host function. */
static bool may_have_escaped(const wx_instance *inst, bool started)
{
    const wx_module *m = inst->module;
    if (m->ntable_imports > 0)
        return true;
    for (uint32_t i = 0; i < m->nglobal_imports; i++)
        if (m->globals[i].mutable_ && wxm_is_reftype(m->globals[i].type))
            return true;
    return started && m->nfunc_imports > 0;
}

/* ---------------------------------------------------------- instantiate */

/* The heap of an import references may come through: an instance's
 * function, or a table or global of reference type (an instance's, or
 * the linker's standalone one); NULL for host functions, memories, tags
 * and numeric globals, through which no reference travels. */
static wxg_heap *import_heap(const wx_instance *inst, uint32_t i)
{
    const wx_module *m = inst->module;
    const wxm_import *imp = &m->imports[i];
    switch (imp->kind) {
    case WX_EXTERN_FUNC: {
        const wx_wasm_func *f = inst->funcs[imp->index];
        return f && f->inst ? f->inst->heap : NULL;
    }
    case WX_EXTERN_TABLE: return inst->tables[imp->index]->heap;
    case WX_EXTERN_GLOBAL: {
        const wx_global *g = inst->globals[imp->index];
        return wx_is_ref(g->type) ? g->heap : NULL;
    }
    default: return NULL;
    }
}

/* The GC heap (docs/design.md, "Garbage collection"): that of the
 * instances (or the linker's tables and globals) the imports link to (all
 * of them made one), so
 * that every reference the instance can receive is of its own heap;
 * otherwise one of its own, so that instances that share nothing but a
 * linker's host functions and memories (a pool's, one a thread) share no
 * heap either. The instance's globals, tables and stack are its roots. */
static wx_status join_heap(wx_instance *inst, wx_error *err)
{
    wxg_heap *h = NULL;
    /* Imports that link to two heaps make them one: references may now
     * pass from either to the other, and a heap only knows its own
     * roots and objects. */
    for (uint32_t i = 0; i < inst->module->nimports; i++) {
        wxg_heap *o = import_heap(inst, i);
        if (!o || o == h)
            continue;
        if (!h)
            h = o;
        else if (!wxg_heap_merge(h, o))
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    if (h)
        wxg_heap_retain(h);
    else if (!(h = wxg_heap_new()))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    inst->heap = h;
    if (!wxg_add_instance(h, inst))
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    return WX_OK;
}

/* Whether a constant expression allocates (a GC operator but ref.i31):
 * its value must be made once, not at every use. */
static bool const_allocates(const wxm_const *c)
{
    if (c->kind != WXM_CONST_EXPR)
        return false;
    for (uint32_t i = 0; i < c->nops; i++)
        if (c->ops[i].kind >= WXM_CONST_STRUCT_NEW &&
            c->ops[i].kind != WXM_CONST_REF_I31)
            return true;
    return false;
}

/* Element segments whose items allocate get their values now, as the
 * spec evaluates every segment at instantiation (a later table.init or
 * array.new_elem sees the same objects each time). */
static wx_status eval_elem_segments(wx_instance *inst, wx_error *err)
{
    const wx_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wxm_elem *seg = &m->elems[i];
        if (seg->mode == WXM_SEG_DECLARATIVE)
            continue; /* dropped at once, never read */
        bool allocates = false;
        for (uint32_t k = 0; k < seg->count && !allocates; k++)
            allocates = const_allocates(&seg->items[k]);
        if (!allocates)
            continue;
        if (!inst->elem_vals &&
            !(inst->elem_vals = alloc_array(m->nelems, sizeof(wx_slot *))))
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        wx_slot *v = alloc_array(seg->count, sizeof *v);
        if (!v)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        inst->elem_vals[i] = v; /* a root from here on */
        for (uint32_t k = 0; k < seg->count; k++)
            v[k] = wxi_eval_const(inst, &seg->items[k]);
    }
    return WX_OK;
}

/* An allocation of a constant expression was refused. */
static bool gc_refused(wx_instance *inst, wx_error *err)
{
    if (!wxg_refused(inst->heap))
        return false;
    wx_error_set(err, WX_ELIMIT,
                 "GC heap exhausted (memory budget or heap cap) while "
                 "evaluating constant expressions");
    return true;
}

static wx_status alloc_instance(wx_instance *inst, wx_error *err)
{
    const wx_module *m = inst->module;
    inst->funcs = alloc_array(m->nfuncs, sizeof *inst->funcs);
    inst->tables = alloc_array(m->ntables, sizeof *inst->tables);
    inst->memories = alloc_array(m->nmemories, sizeof *inst->memories);
    inst->globals = alloc_array(m->nglobals, sizeof *inst->globals);
    inst->tags = alloc_array(m->ntags, sizeof *inst->tags);
    inst->own_tags = alloc_array(m->ntags - m->ntag_imports,
                                 sizeof *inst->own_tags);
    inst->own_funcs =
        alloc_array(m->nfuncs - m->nfunc_imports, sizeof *inst->own_funcs);
    inst->own_tables =
        alloc_array(m->ntables - m->ntable_imports, sizeof *inst->own_tables);
    inst->own_memories = alloc_array(m->nmemories - m->nmemory_imports,
                                     sizeof *inst->own_memories);
    inst->own_globals = alloc_array(m->nglobals - m->nglobal_imports,
                                    sizeof *inst->own_globals);
    inst->data_dropped = alloc_array(m->ndatas, sizeof *inst->data_dropped);
    inst->elem_dropped = alloc_array(m->nelems, sizeof *inst->elem_dropped);

    uint32_t slots = inst->opts.stack_slots ? inst->opts.stack_slots
                                            : WXI_DEFAULT_STACK_SLOTS;
    inst->stack.base = stack_map(slots);
    inst->stack.limit = inst->stack.base ? inst->stack.base + slots : NULL;
    if (!inst->funcs || !inst->tables || !inst->memories || !inst->globals ||
        !inst->own_funcs || !inst->own_tables || !inst->own_memories ||
        !inst->own_globals || !inst->data_dropped || !inst->elem_dropped ||
        !inst->tags || !inst->own_tags ||
        !inst->stack.base)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    inst->stack.top = inst->stack.base;
    inst->stack.depth = 0;
    inst->stack.max_depth = inst->opts.max_call_depth
                                ? inst->opts.max_call_depth
                                : WX_DEFAULT_CALL_DEPTH;
    inst->stack.interrupt = &inst->interrupt;
    wx_instance_set_fuel(inst, inst->opts.fuel);
    return WX_OK;
}

wx_instance *wx_instantiate(const wx_module *m, wx_linker *l,
                            const wx_instance_opts *opts, wx_error *err)
{
    /* The start function's interpreter run needs an error object. */
    wx_error local;
    if (!err) {
        wx_error_clear(&local);
        err = &local;
    }
    if (!m) {
        wx_error_set(err, WX_EARG, "no module");
        return NULL;
    }
    wx_instance *inst = calloc(1, sizeof *inst);
    if (!inst) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    inst->module = m;
    bool started = false;
    if (opts)
        inst->opts = *opts;
    /* Held until wx_instance_free, after the memories have credited it. */
    wx_budget_retain(inst->opts.budget);
    atomic_init(&inst->interrupt, 0);

    if (alloc_instance(inst, err) != WX_OK ||
        resolve_imports(inst, l, err) != WX_OK ||
        join_heap(inst, err) != WX_OK)
        goto fail;
    define_funcs(inst);
    define_tags(inst);
    if (define_tables(inst, err) != WX_OK ||
        define_memories(inst, err) != WX_OK)
        goto fail;
    define_globals(inst);
    if (eval_elem_segments(inst, err) != WX_OK || gc_refused(inst, err))
        goto fail;

    /* From here on, writes into imported tables and memories are visible
     * to others and stay even if instantiation fails. */
    if (init_elems(inst, err) != WX_OK || init_datas(inst, err) != WX_OK ||
        gc_refused(inst, err))
        goto fail_visible;
    if (m->has_start && !inst->opts.defer_start) {
        started = true;
        if (run_start(inst, err) != WX_OK)
            goto fail_visible;
    }
    err->status = WX_OK;
    return inst;

fail_visible:
    if (l && may_have_escaped(inst, started)) {
        wxi_linker_adopt(l, inst);
        return NULL;
    }
fail:
    wx_instance_free(inst);
    return NULL;
}

wx_status wx_instance_start(wx_instance *inst, wx_error *err)
{
    wx_error local;
    if (!err) {
        wx_error_clear(&local);
        err = &local;
    }
    if (!inst->module->has_start)
        return WX_OK;
    return run_start(inst, err);
}

void wx_instance_free(wx_instance *inst)
{
    if (!inst)
        return;
    const wx_module *m = inst->module;
    if (inst->own_tables)
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
            wxi_table_release(&inst->own_tables[i]);
    if (inst->own_memories)
        for (uint32_t i = 0; i < m->nmemories - m->nmemory_imports; i++)
            wxi_memory_release(&inst->own_memories[i]);
    free(inst->funcs);
    free(inst->tables);
    free(inst->memories);
    free(inst->globals);
    free(inst->own_funcs);
    free(inst->own_tables);
    free(inst->own_memories);
    free(inst->own_globals);
    free(inst->data_dropped);
    free(inst->elem_dropped);
    free(inst->tags);
    free(inst->own_tags);
    if (inst->heap) {
        wxg_remove_instance(inst->heap, inst);
        wxg_heap_release(inst->heap);
    }
    if (inst->elem_vals)
        for (uint32_t i = 0; i < m->nelems; i++)
            free(inst->elem_vals[i]);
    free(inst->elem_vals);
    wxe_exn_free_kept(&inst->stack);
    stack_unmap(inst->stack.base, inst->stack.limit);
    wx_budget_release(inst->opts.budget);
    free(inst);
}

uint64_t wx_instance_memory_bytes(const wx_instance *inst)
{
    const wx_module *m = inst->module;
    uint64_t n = 0;
    if (inst->own_memories)
        for (uint32_t i = 0; i < m->nmemories - m->nmemory_imports; i++)
            n += inst->own_memories[i].size;
    if (inst->own_tables)
        for (uint32_t i = 0; i < m->ntables - m->ntable_imports; i++)
            n += (uint64_t)inst->own_tables[i].size * sizeof(wx_slot);
    return n;
}

/* ------------------------------------------------------------- queries */

const wx_module *wx_instance_module(const wx_instance *inst)
{
    return inst->module;
}

bool wx_instance_export_n(wx_instance *inst, const char *name, size_t len,
                          wx_extern *out)
{
    const wx_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wxm_export *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0)
            continue;
        out->kind = e->kind;
        switch (e->kind) {
        case WX_EXTERN_FUNC: out->of.func = inst->funcs[e->index]; break;
        case WX_EXTERN_TABLE: out->of.table = inst->tables[e->index]; break;
        case WX_EXTERN_MEMORY:
            out->of.memory = inst->memories[e->index];
            break;
        case WX_EXTERN_GLOBAL: out->of.global = inst->globals[e->index]; break;
        case WX_EXTERN_TAG: out->of.tag = inst->tags[e->index]; break;
        }
        return true;
    }
    return false;
}

bool wx_instance_export(wx_instance *inst, const char *name, wx_extern *out)
{
    return wx_instance_export_n(inst, name, strlen(name), out);
}

wx_wasm_func *wx_instance_func(wx_instance *inst, const char *name)
{
    wx_extern ext;
    if (!wx_instance_export(inst, name, &ext) || ext.kind != WX_EXTERN_FUNC)
        return NULL;
    return ext.of.func;
}

wx_memory *wx_instance_memory(wx_instance *inst, uint32_t index)
{
    if (index >= inst->module->nmemories)
        return NULL;
    return inst->memories[index];
}

void wx_instance_interrupt(wx_instance *inst)
{
    atomic_store(&inst->interrupt, 1);
}

bool wx_instance_interrupted(const wx_instance *inst)
{
    return atomic_load_explicit(&inst->interrupt, memory_order_relaxed) != 0;
}

void wx_instance_clear_interrupt(wx_instance *inst)
{
    atomic_store(&inst->interrupt, 0);
}

void wx_instance_set_fuel(wx_instance *inst, uint64_t fuel)
{
    inst->stack.metered = fuel != 0;
    inst->stack.fuel = fuel ? fuel : UINT64_MAX;
    inst->stack.fuel_budget = fuel;
    inst->stack.tick = 1;
}

uint64_t wx_instance_fuel_left(const wx_instance *inst)
{
    const wxe_stack *st = &inst->stack;
    return st->metered ? st->fuel + st->tick - 1 : UINT64_MAX;
}

void wx_instance_set_userdata(wx_instance *inst, void *data)
{
    inst->userdata = data;
}

void *wx_instance_userdata(const wx_instance *inst)
{
    return inst->userdata;
}
