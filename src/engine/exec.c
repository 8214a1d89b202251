/*
 * The interpreter: one function, run(), executes the internal code of
 * compile.h. Dispatch is computed goto through the handler address stored
 * in each op's first cell, or a switch on the op number when built with
 * WX_SWITCH_DISPATCH. Handlers are generated from ops.def where they are
 * one expression; the rest are written out below.
 *
 * Wasm-to-wasm calls never recurse in C: a call pushes a record (return
 * pc, caller fp, caller function, caller instance) on a control stack that
 * grows down from the top of the slot area, and jumps to the callee's code;
 * return pops it. The entry function's record returns to an EXIT op, so a
 * return needs no test for the bottom. A tail call (return_call...) moves
 * its arguments down and reuses the caller's frame without a record, so
 * it grows neither stack. Only host functions (which may
 * re-enter wx_call) use the C stack, and a nested run starts above the
 * frames and records in use (published in stack->top and stack->limit for
 * the time of the host call).
 *
 * State kept in locals of run(): pc, fp, fn (the running function), csp,
 * the running instance and its globals, the base and size of memory 0,
 * reloaded after anything that may move or grow it (calls, memory.grow,
 * instance switches), and `tick`, the countdown of fuel that every taken
 * branch and call decrements (see CHARGE_DISPATCH and `refuel`). Which of
 * them GCC keeps in registers decides the speed of every handler, so the
 * values only the entry and exit paths need are kept out of its way
 * (volatile).
 */
#include "compile.h"
#include "gc.h"
#include "numeric.h"
#include "reftype.h"
#include "simd.h"

#include <string.h>

/* ------------------------------------------------- slot <-> C values */

#define T_U32 uint32_t
#define T_I32 int32_t
#define T_U64 uint64_t
#define T_I64 int64_t
#define T_F32 float
#define T_F64 double

#define RD_U32(v) ((uint32_t)(v))
#define RD_I32(v) ((int32_t)(uint32_t)(v))
#define RD_U64(v) ((uint64_t)(v))
#define RD_I64(v) ((int64_t)(v))
#define RD_F32(v) wxn_f32_from_bits((uint32_t)(v))
#define RD_F64(v) wxn_f64_from_bits((uint64_t)(v))

/* i32 (and f32 bits) are stored zero-extended. */
#define WR_U32(v) ((wx_slot)(uint32_t)(v))
#define WR_I32(v) ((wx_slot)(uint32_t)(v))
#define WR_U64(v) ((wx_slot)(v))
#define WR_I64(v) ((wx_slot)(v))
#define WR_F32(v) ((wx_slot)wxn_f32_bits(v))
#define WR_F64(v) ((wx_slot)wxn_f64_bits(v))

/* Immediates are 32 bits, sign-extended for 64-bit integer operations
 * (f64 constants have a cell of their own). */
#define IMM_U32(f) ((uint32_t)(f))
#define IMM_I32(f) ((int32_t)(f))
#define IMM_U64(f) ((uint64_t)(int64_t)(int32_t)(f))
#define IMM_I64(f) ((int64_t)(int32_t)(f))
#define IMM_F32(f) wxn_f32_from_bits(f)

/* A call record on the control stack: return pc, fp, function, instance. */
#define WXE_REC_SLOTS 4

#define PTR_SLOT(p) ((wx_slot)(uintptr_t)(p))
#define SLOT_PTR(T, s) ((T)(uintptr_t)(s))

/* ------------------------------------------------------------ cold helpers */

static const wx_memory no_memory;

/* Whether table.init's whole range is inside the table and segment. */
static bool table_init_fits(const wx_instance *inst, uint32_t t, uint32_t e,
                            uint32_t d, uint32_t s, uint32_t n)
{
    const wx_table *tab = inst->tables[t];
    uint64_t len = inst->elem_dropped[e] ? 0 : inst->module->elems[e].count;
    return (uint64_t)s + n <= len && (uint64_t)d + n <= tab->size;
}

/* Whether memory.init's whole range is inside the memory and segment. */
static bool memory_init_fits(const wx_instance *inst, uint64_t size,
                             uint32_t x, uint32_t d, uint32_t s, uint32_t n)
{
    uint64_t len = inst->data_dropped[x] ? 0 : inst->module->datas[x].len;
    return (uint64_t)s + n <= len && (uint64_t)d + n <= size;
}

static wx_trap table_init(wx_instance *inst, uint32_t t, uint32_t e,
                          uint32_t d, uint32_t s, uint32_t n)
{
    wx_table *tab = inst->tables[t];
    const wxm_elem *seg = &inst->module->elems[e];
    uint64_t len = inst->elem_dropped[e] ? 0 : seg->count;
    if ((uint64_t)s + n > len || (uint64_t)d + n > tab->size)
        return WX_TRAP_TABLE_OOB;
    for (uint32_t k = 0; k < n; k++)
        tab->elems[d + k] = wxi_elem_value(inst, e, s + k);
    return WX_TRAP_NONE;
}

static wx_trap table_copy(wx_instance *inst, uint32_t dt, uint32_t st,
                          uint32_t d, uint32_t s, uint32_t n)
{
    wx_table *dtab = inst->tables[dt], *stab = inst->tables[st];
    if ((uint64_t)s + n > stab->size || (uint64_t)d + n > dtab->size)
        return WX_TRAP_TABLE_OOB;
    if (n)
        memmove(dtab->elems + d, stab->elems + s, n * sizeof(wx_slot));
    return WX_TRAP_NONE;
}

static wx_trap table_fill(wx_table *tab, uint32_t i, wx_slot v, uint32_t n)
{
    if ((uint64_t)i + n > tab->size)
        return WX_TRAP_TABLE_OOB;
    for (uint32_t k = 0; k < n; k++)
        tab->elems[i + k] = v;
    return WX_TRAP_NONE;
}

static wx_trap memory_init(wx_instance *inst, uint8_t *base, uint64_t size,
                           uint32_t x, uint32_t d, uint32_t s, uint32_t n)
{
    const wxm_data *seg = &inst->module->datas[x];
    uint64_t len = inst->data_dropped[x] ? 0 : seg->len;
    if ((uint64_t)s + n > len || (uint64_t)d + n > size)
        return WX_TRAP_MEMORY_OOB;
    if (n)
        memcpy(base + d, seg->bytes + s, n);
    return WX_TRAP_NONE;
}

/* call_indirect's signature check when the callee's type is not the
 * same canonical type (3.0: a subtype of the wanted type fits too), or
 * comes from another module or the host. */
static bool type_matches(const wx_wasm_func *f, const wxm_functype *want,
                         const wx_module *m)
{
    /* Typed references in the signatures name types of each module. */
    if (f->module && f->mtype)
        return wxm_type_sub(f->module,
                            (uint32_t)(f->mtype - f->module->types), m,
                            (uint32_t)(want - m->types));
    wx_functype w = wxm_functype_view(want);
    return wxi_functype_equal(&f->type, &w);
}

/*
 * The next chunk of the stack's fuel for a run whose chunk is used up: the
 * new value of its countdown (one unit of the chunk pays for the charge
 * that asked), or 0 when metered fuel is out. A chunk is never more than
 * what is left, so fuel runs out exactly. An unmetered stack whose
 * (practically endless) fuel ran out gets more.
 */
static inline uint32_t take_chunk(wxe_stack *st)
{
    if (__builtin_expect(st->fuel == 0, 0)) {
        if (st->metered)
            return 0;
        st->fuel = UINT64_MAX;
    }
    uint64_t chunk = st->fuel < WXE_FUEL_CHUNK ? st->fuel : WXE_FUEL_CHUNK;
    st->fuel -= chunk;
    return (uint32_t)chunk;
}

uint32_t wxe_wasm_offset(const struct wxc_func *fn, uint32_t pc)
{
    uint32_t lo = 0, hi = fn->npcmap;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (fn->pcmap[mid].pc < pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < fn->npcmap && fn->pcmap[lo].pc == pc)
        return fn->pcmap[lo].offset;
    return fn->module->funcs[fn->func_index].body_offset;
}

static wx_status fuel_exhausted(const wxe_stack *st, wx_error *err,
                                const struct wxc_func *fn, uint32_t pc)
    __attribute__((cold, noinline));

/* The call stops like an interrupted one, with the place where the fuel
 * ran out (no trap kind: the guest did nothing wrong). */
static wx_status fuel_exhausted(const wxe_stack *st, wx_error *err,
                                const struct wxc_func *fn, uint32_t pc)
{
    wx_error_set(err, WX_ELIMIT, "fuel exhausted: all %llu units are used",
                 (unsigned long long)st->fuel_budget);
    err->func_index = fn->func_index;
    err->offset = wxe_wasm_offset(fn, pc);
    return WX_ELIMIT;
}

/* ------------------------------------------------- exception handling */

/*
 * The handler of `fn` that catches `e` thrown at code cell `pos` (a
 * throw, or a call that an exception left), or NULL. The table is sorted
 * innermost first, so the first entry that covers pos and matches is it.
 * A delegate entry passes the search on to the scope it names: entries
 * of scopes opened after that one (inside it) no longer count.
 */
static const wxc_handler *find_handler(const struct wxc_func *fn,
                                       const wx_instance *inst, uint32_t pos,
                                       const wxe_exn *e)
{
    if (!fn->nhandlers)
        return NULL;
    uint32_t bound = UINT32_MAX;
    for (uint32_t i = 0; i < fn->nhandlers; i++) {
        const wxc_handler *h = &fn->handlers[i];
        if (pos < h->lo || pos >= h->hi || h->scope > bound)
            continue;
        switch (h->kind) {
        case WXC_H_DELEGATE: bound = h->tag; continue;
        case WXC_H_CATCH:
        case WXC_H_CATCH_REF:
            if (inst->tags[h->tag] != e->tag)
                continue;
            return h;
        default: return h;
        }
    }
    return NULL;
}

/* Hands `e` to handler h in frame fp: the payload, the exnref. An
 * exception no exnref names is freed now; one that an exnref names is
 * kept by the instance whose code caught it (st is its stack), false
 * when that one keeps too many already. */
static __attribute__((cold, noinline)) bool
catch_into(wxe_stack *st, const wxc_handler *h, wxe_exn *e, wx_slot *fp)
{
    uint32_t n = 0;
    if (h->kind == WXC_H_CATCH || h->kind == WXC_H_CATCH_REF) {
        n = e->n;
        for (uint32_t i = 0; i < n; i++)
            fp[h->dst + i] = e->vals[i];
    }
    bool ref = h->kind == WXC_H_CATCH_REF || h->kind == WXC_H_CATCH_ALL_REF;
    if (ref)
        fp[h->dst + n] = PTR_SLOT(e);
    if (h->exn_slot != WX_NO_INDEX) {
        fp[h->exn_slot] = PTR_SLOT(e);
        ref = true;
    }
    if (!ref) {
        wxe_exn_drop(e);
        return true;
    }
    return wxe_exn_keep(st, e);
}

/*
 * The search for st->exn's handler, from the op at pc of frame fp (of
 * function fn, instance inst, records from csp), out of run() so that it
 * cannot change how the hot handlers are compiled: each frame's
 * handlers, from that one out; a frame left is popped as by a return
 * (its record restores the caller's pc, fp, function and instance) and
 * its caller looks at the call it made. Returns the handler, or NULL at
 * the entry record (`exit_code`), which ends the search; st->unwound
 * says where it stopped.
 */
static __attribute__((cold, noinline)) const wxc_handler *
unwind(wxe_stack *st, const wxc_cell *pc, wx_slot *fp,
       const struct wxc_func *fn, wx_slot *csp, wx_instance *inst,
       const wxc_cell *exit_code)
{
    const wxc_handler *h;
    uint32_t pos = (uint32_t)(pc - fn->code);
    while (!(h = find_handler(fn, inst, pos, st->exn)) &&
           csp[0] != PTR_SLOT(exit_code)) {
        pc = SLOT_PTR(const wxc_cell *, csp[0]);
        fp = SLOT_PTR(wx_slot *, csp[1]);
        fn = SLOT_PTR(const struct wxc_func *, csp[2]);
        inst = SLOT_PTR(wx_instance *, csp[3]);
        csp += WXE_REC_SLOTS;
        pos = (uint32_t)(pc - fn->code) - 1; /* inside the call */
    }
    st->unwound.pc = pc;
    st->unwound.fp = fp;
    st->unwound.fn = fn;
    st->unwound.csp = csp;
    st->unwound.inst = inst;
    return h;
}

static __attribute__((cold, noinline)) wx_status
too_many_exnrefs(wx_error *err, const struct wxc_func *fn, uint32_t pc)
{
    wx_error_set(err, WX_ELIMIT,
                 "too many exception references: the instance already "
                 "keeps %u caught exceptions that an exnref may name",
                 WXE_MAX_KEPT_EXNS);
    err->func_index = fn->func_index;
    err->offset = wxe_wasm_offset(fn, pc);
    return WX_ELIMIT;
}

/* After unwind(): hands the exception to handler h (NULL: none caught
 * it) and says how the run goes on: the handler's target, or NULL when
 * the run ends with the error in *err (err->status). */
static __attribute__((cold, noinline)) const wxc_cell *
land(wxe_stack *st, const wxc_handler *h, wx_error *err)
{
    wxe_exn *e = st->exn;
    const struct wxc_func *fn = st->unwound.fn;
    wx_instance *inst = st->unwound.inst;
    st->exn = NULL;
    if (!h) {
        wxe_uncaught(e, err);
        return NULL;
    }
    if (!catch_into(&inst->stack, h, e, st->unwound.fp)) {
        wxe_exn_drop(e);
        too_many_exnrefs(err, fn,
                         (uint32_t)((const wxc_cell *)st->unwound.pc -
                                    fn->code));
        return NULL;
    }
    return fn->code + h->target;
}

/* ------------------------------------------------------------- dispatch */

#ifdef WX_SWITCH_DISPATCH
#define CASE(name) case WXC_OP_##name:
#define DISPATCH() goto dispatch
#else
#define CASE(name) L_##name:
#define DISPATCH() goto *pc->h
#endif

/* A handler that few modules run (the ops of memories other than 0): a
 * cold label tells GCC's block placement to keep it off the paths of the
 * hot handlers. */
#if !defined(WX_SWITCH_DISPATCH) && defined(__GNUC__) && !defined(__clang__)
#define CASE_COLD(name) CASE(name) __attribute__((cold));
#else
#define CASE_COLD(name) CASE(name)
#endif

#define NEXT(name)                                                            \
    do {                                                                      \
        pc += WXC_LEN_##name;                                                 \
        DISPATCH();                                                           \
    } while (0)

/* Fields of the current op (two per cell after the handler). */
#define F0 (pc[1].u32[0])
#define F1 (pc[1].u32[1])
#define F2 (pc[2].u32[0])
#define F3 (pc[2].u32[1])
#define F4 (pc[3].u32[0])

#define TRAP(kind)                                                            \
    do {                                                                      \
        trap = (kind);                                                        \
        goto trapped;                                                         \
    } while (0)

/*
 * One unit of fuel for a taken branch or a call, then on to pc. `tick` is
 * the stack's countdown (wxe_stack.tick) kept in a register; the charge
 * that finds the chunk used up goes to `refuel`, which reads the interrupt
 * flag and takes the next chunk. So the interrupt check and the fuel check
 * are one decrement and a branch not taken, metered or not.
 */
#define CHARGE_DISPATCH()                                                     \
    do {                                                                      \
        if (__builtin_expect(--tick == 0, 0))                                 \
            goto refuel;                                                      \
        DISPATCH();                                                           \
    } while (0)

/* For a charge that found the chunk used up: stops the call if it was
 * interrupted or metered fuel is out, else takes the next chunk (which
 * pays for that charge). */
#define TAKE_CHUNK()                                                          \
    do {                                                                      \
        tick = 1; /* nothing handed out */                                    \
        if (atomic_load_explicit(vstack->interrupt, memory_order_relaxed))    \
            goto interrupted;                                                 \
        if (!(tick = take_chunk(vstack)))                                     \
            goto out_of_fuel;                                                 \
    } while (0)

/*
 * Bulk memory and table operations run in chunks, and each full chunk
 * costs a unit of fuel, charged before it runs like a taken branch: so a
 * memory.fill of 4 GiB or a table.fill of ten million elements is
 * metered in proportion to its size and notices an interrupt within
 * WXE_FUEL_CHUNK chunks (16 MiB, or a million elements), while an
 * operation smaller than a chunk costs nothing, as before, and the other
 * handlers are untouched. A call stopped half-way leaves the operation
 * half done (engine.h, "Fuel").
 */
#define WXE_BULK_BYTES 65536u /* memory.fill/copy/init: bytes per unit */
#define WXE_BULK_ELEMS 4096u  /* table.fill/copy/init/grow: elements */

/*
 * memory.init, memory.copy and memory.fill naming a memory other than 0
 * (3.0) run here, out of the interpreter's function, so that their code
 * does not move its hot handlers (memory 0's bulk handlers stay inline).
 * They charge their chunks as CHARGE_BULK does, on the countdown they are
 * given and return; `end` says how the handler goes on.
 */
typedef enum bulk_end {
    BULK_DONE,
    BULK_OOB,         /* out of bounds: nothing written */
    BULK_INTERRUPTED, /* the interrupt flag was set */
    BULK_NO_FUEL      /* metered fuel ran out */
} bulk_end;

typedef struct bulk_res {
    bulk_end end;
    uint32_t tick;
} bulk_res;

/* The charge of one full chunk; false when the operation must stop. */
static inline bool bulk_charge(wxe_stack *st, bulk_res *r)
{
    if (__builtin_expect(--r->tick != 0, 1))
        return true;
    r->tick = 1; /* nothing handed out */
    if (atomic_load_explicit(st->interrupt, memory_order_relaxed)) {
        r->end = BULK_INTERRUPTED;
        return false;
    }
    if (!(r->tick = take_chunk(st))) {
        r->end = BULK_NO_FUEL;
        return false;
    }
    return true;
}

/* gc_ops.c's GC ops that touch n array elements (array.new, fill, copy,
 * init...): a unit for every full WXE_BULK_ELEMS elements, as the table
 * ops pay, on the stack's countdown (run() saved it for the op), all
 * before the op does anything. 0, or WXG_STOP_INTERRUPTED or
 * WXG_STOP_NO_FUEL, and then nothing was done. */
int wxe_charge_elems(wxe_stack *st, uint64_t n)
{
    bulk_res r = {BULK_DONE, st->tick};
    for (uint64_t k = n / WXE_BULK_ELEMS; k; k--) {
        if (!bulk_charge(st, &r)) {
            st->tick = r.tick;
            return r.end == BULK_INTERRUPTED ? WXG_STOP_INTERRUPTED
                                             : WXG_STOP_NO_FUEL;
        }
    }
    st->tick = r.tick;
    return 0;
}

static __attribute__((noinline)) bulk_res
memory_init_m(wxe_stack *st, uint32_t tick, wx_instance *inst,
              const wx_memory *mem, uint32_t x, uint32_t d, uint32_t s,
              uint32_t n)
{
    bulk_res r = {BULK_DONE, tick};
    if (!memory_init_fits(inst, mem->size, x, d, s, n))
        return (bulk_res){BULK_OOB, tick};
    for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
        if (!bulk_charge(st, &r))
            return r;
        memory_init(inst, mem->data, mem->size, x, d, s, WXE_BULK_BYTES);
        d += WXE_BULK_BYTES;
        s += WXE_BULK_BYTES;
    }
    memory_init(inst, mem->data, mem->size, x, d, s, n);
    return r;
}

/* Memory `dm` [d..] = memory `sm` [s..], n bytes: front to back or back
 * to front by chunk as memory 0's MEMORY_COPY (the two may be one memory
 * imported twice). */
static __attribute__((noinline)) bulk_res
memory_copy_m(wxe_stack *st, uint32_t tick, const wx_memory *dm,
              const wx_memory *sm, uint64_t d, uint64_t s, uint64_t n)
{
    bulk_res r = {BULK_DONE, tick};
    uint8_t *db = dm->data, *sb = sm->data;
    if (s + n > sm->size || d + n > dm->size)
        return (bulk_res){BULK_OOB, tick};
    if (d <= s) {
        for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
            if (!bulk_charge(st, &r))
                return r;
            memmove(db + d, sb + s, WXE_BULK_BYTES);
            d += WXE_BULK_BYTES;
            s += WXE_BULK_BYTES;
        }
    } else {
        for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
            if (!bulk_charge(st, &r))
                return r;
            memmove(db + d + n - WXE_BULK_BYTES, sb + s + n - WXE_BULK_BYTES,
                    WXE_BULK_BYTES);
        }
    }
    if (n)
        memmove(db + d, sb + s, n);
    return r;
}

static __attribute__((noinline)) bulk_res
memory_fill_m(wxe_stack *st, uint32_t tick, const wx_memory *mem,
              uint64_t d, int v, uint64_t n)
{
    bulk_res r = {BULK_DONE, tick};
    if (d + n > mem->size)
        return (bulk_res){BULK_OOB, tick};
    for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
        if (!bulk_charge(st, &r))
            return r;
        memset(mem->data + d, v, WXE_BULK_BYTES);
        d += WXE_BULK_BYTES;
    }
    if (n)
        memset(mem->data + d, v, n);
    return r;
}

/* ------------------------------------------------ 64-bit memories */

/* Whether [a, a + n) lies inside `size` bytes, for any u64 a and n: the
 * sum is never formed, so it cannot wrap into bounds. */
static inline bool range_fits(uint64_t a, uint64_t n, uint64_t size)
{
    return n <= size && a <= size - n;
}

/* The bulk operations of a 64-bit memory (memory64) take u64 addresses
 * and lengths, whose sums may wrap: the range is checked here first, so
 * the functions of memories x > 0 they go on to see only in-bounds ones. */
static __attribute__((noinline)) bulk_res
memory_fill64(wxe_stack *st, uint32_t tick, const wx_memory *mem,
              uint64_t d, int v, uint64_t n)
{
    if (!range_fits(d, n, mem->size))
        return (bulk_res){BULK_OOB, tick};
    return memory_fill_m(st, tick, mem, d, v, n);
}

static __attribute__((noinline)) bulk_res
memory_copy64(wxe_stack *st, uint32_t tick, const wx_memory *dm,
              const wx_memory *sm, uint64_t d, uint64_t s, uint64_t n)
{
    if (!range_fits(d, n, dm->size) || !range_fits(s, n, sm->size))
        return (bulk_res){BULK_OOB, tick};
    return memory_copy_m(st, tick, dm, sm, d, s, n);
}

/* memory.init of data x into a 64-bit memory: a u64 destination, the
 * segment's offset and length u32s as for any memory. */
static __attribute__((noinline)) bulk_res
memory_init64(wxe_stack *st, uint32_t tick, wx_instance *inst,
              const wx_memory *mem, uint32_t x, uint64_t d, uint32_t s,
              uint32_t n)
{
    bulk_res r = {BULK_DONE, tick};
    uint64_t len = inst->data_dropped[x] ? 0 : inst->module->datas[x].len;
    const uint8_t *src = inst->module->datas[x].bytes;
    if (!range_fits(s, n, len) || !range_fits(d, n, mem->size))
        return (bulk_res){BULK_OOB, tick};
    for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
        if (!bulk_charge(st, &r))
            return r;
        memcpy(mem->data + d, src + s, WXE_BULK_BYTES);
        d += WXE_BULK_BYTES;
        s += WXE_BULK_BYTES;
    }
    if (n)
        memcpy(mem->data + d, src + s, n);
    return r;
}

/* One load (store) of LOAD64_M (STORE64_M), kind k: the address a + the
 * u64 offset must not wrap past 2^64 and the access must end within the
 * memory's current size; false (nothing read or written) otherwise. Out
 * of the interpreter's function, as the bulk operations: its hot
 * handlers keep their code and, as far as GCC allows, their places. */
#define LOAD64_KIND(X, name, w, mt, st)                                       \
    case WXC_OP_##name - WXC_OP_I32_LOAD: {                                   \
        if (!range_fits(ea, sizeof(mt), m->size))                             \
            return false;                                                     \
        mt v;                                                                 \
        memcpy(&v, m->data + ea, sizeof v);                                   \
        *out = (wx_slot)(st)v;                                                \
        return true;                                                          \
    }

#define STORE64_KIND(X, name, w, mt)                                          \
    case WXC_OP_##name - WXC_OP_I32_STORE: {                                  \
        if (!range_fits(ea, sizeof(mt), m->size))                             \
            return false;                                                     \
        mt v = (mt)val;                                                       \
        memcpy(m->data + ea, &v, sizeof v);                                   \
        return true;                                                          \
    }

static __attribute__((noinline)) bool
load64(const wx_memory *m, uint64_t a, uint64_t offset, uint32_t k,
       wx_slot *out)
{
    uint64_t ea;
    if (__builtin_add_overflow(a, offset, &ea))
        return false;
    switch (k) {
        WXC_LOADS(LOAD64_KIND, ~)
    default: __builtin_unreachable();
    }
}

static __attribute__((noinline)) bool
store64(wx_memory *m, uint64_t a, uint64_t offset, uint32_t k, wx_slot val)
{
    uint64_t ea;
    if (__builtin_add_overflow(a, offset, &ea))
        return false;
    switch (k) {
        WXC_STORES(STORE64_KIND, ~)
    default: __builtin_unreachable();
    }
}

/* memory.grow of a 64-bit memory: an i64 delta (no memory grows by 2^32
 * pages: -1), an i64 result. */
static int64_t memory_grow64(wx_memory *mem, uint64_t delta)
{
    if (delta > mem->max_pages)
        return -1;
    return wxi_memory_grow(mem, (uint32_t)delta);
}

#define CHARGE_BULK()                                                         \
    do {                                                                      \
        if (__builtin_expect(--tick == 0, 0))                                 \
            TAKE_CHUNK();                                                     \
    } while (0)

/* After a bulk operation of memory x > 0 (bulk_res R): the countdown
 * back, then on to the next op or out as the operation ended. */
#define BULK_END(R, name)                                                     \
    do {                                                                      \
        tick = (R).tick;                                                      \
        switch ((R).end) {                                                    \
        case BULK_DONE: NEXT(name);                                           \
        case BULK_OOB: TRAP(WX_TRAP_MEMORY_OOB);                              \
        case BULK_INTERRUPTED: goto interrupted;                              \
        case BULK_NO_FUEL: goto out_of_fuel;                                  \
        }                                                                     \
        __builtin_unreachable();                                              \
    } while (0)

/* Taken branch: offsets are relative to the branching op. */
#define BRANCH(field)                                                         \
    do {                                                                      \
        pc += (int32_t)(field);                                               \
        CHARGE_DISPATCH();                                                    \
    } while (0)

/* Leaving the interpreter (or calling the host, who may re-enter it on
 * this stack or ask for the fuel left): the countdown goes back to the
 * stack. */
#define SAVE_TICK() (vstack->tick = tick)

#define LOAD_INSTANCE()                                                       \
    do {                                                                      \
        globals = inst->globals;                                              \
        mem0 = inst->module->nmemories ? inst->memories[0] : &no_memory;      \
    } while (0)

#define RELOAD_MEMORY()                                                       \
    do {                                                                      \
        mem_base = mem0->data;                                                \
        mem_size = mem0->size;                                                \
    } while (0)

/* Zeroes fp[lo..hi). The empty asm keeps the compiler from turning this
 * short loop into a call to memset, which costs more than it saves for the
 * handful of locals most functions have and spills the loop's registers. */
#define ZERO_SLOTS(FP, LO, HI)                                                \
    do {                                                                      \
        for (uint32_t i_ = (LO), e_ = (HI); i_ < e_; i_++) {                  \
            (FP)[i_] = 0;                                                     \
            __asm__("" : "+r"(i_));                                           \
        }                                                                     \
    } while (0)

/* Pushes a frame for compiled function CF at NFP returning to RET_PC: the
 * caller's pc, fp, function and instance go to a record on the control
 * stack, which grows down from the top of the slot area towards the frames.
 * Traps before touching anything when the call depth (csp_min) or the slot
 * space would be exceeded. */
#define ENTER_FRAME(CF, NFP, RET_PC)                                          \
    do {                                                                      \
        const struct wxc_func *cf_ = (CF);                                    \
        wx_slot *nfp_ = (NFP);                                                \
        wx_slot *ncsp_ = csp - WXE_REC_SLOTS;                                 \
        if (__builtin_expect(ncsp_ < csp_min ||                               \
                                 ncsp_ - nfp_ < (ptrdiff_t)cf_->frame_size,   \
                             0))                                              \
            TRAP(WX_TRAP_STACK_EXHAUSTED);                                    \
        ncsp_[0] = PTR_SLOT(RET_PC);                                          \
        ncsp_[1] = PTR_SLOT(fp);                                              \
        ncsp_[2] = PTR_SLOT(fn);                                              \
        ncsp_[3] = PTR_SLOT(inst);                                            \
        csp = ncsp_;                                                          \
        ZERO_SLOTS(nfp_, cf_->nparams, cf_->nparams + cf_->nlocals);          \
        fp = nfp_;                                                            \
        fn = cf_;                                                             \
        pc = cf_->code;                                                       \
    } while (0)

/* call_indirect's and return_call_indirect's callee: table F3's element
 * fp[F2], of type F1, into `callee`, or the trap that says why not. */
#define TABLE_CALLEE()                                                        \
    do {                                                                      \
        const wx_table *tab_ = inst->tables[F3];                              \
        uint32_t i_ = (uint32_t)fp[F2];                                       \
        if (__builtin_expect(i_ >= tab_->size, 0))                            \
            TRAP(WX_TRAP_UNDEFINED_ELEMENT);                                  \
        callee = SLOT_PTR(wx_wasm_func *, tab_->elems[i_]);                   \
        if (__builtin_expect(!callee, 0))                                     \
            TRAP(WX_TRAP_UNINITIALIZED_ELEMENT);                              \
        const wxm_functype *want_ = &inst->module->types[F1];                 \
        if (!(callee->module == inst->module && callee->mtype &&            \
              callee->mtype->canon == want_->canon) &&                        \
            !type_matches(callee, want_, inst->module))                       \
            TRAP(WX_TRAP_INDIRECT_TYPE);                                      \
    } while (0)

/* A tail call (return_call...): compiled function CF replaces the running
 * one in its frame. The arguments, in the caller's temporaries at ARGS,
 * move down to fp[0..) (ascending is safe: each source lies at or above
 * its destination), and no record is pushed, so a chain of tail calls
 * runs in constant space: the caller's record still says where the
 * results go. Traps, with nothing changed, when the callee's frame does
 * not fit below the records. */
#define TAIL_FRAME(CF, ARGS)                                                  \
    do {                                                                      \
        const struct wxc_func *cf_ = (CF);                                    \
        const wx_slot *args_ = (ARGS);                                        \
        if (__builtin_expect(csp - fp < (ptrdiff_t)cf_->frame_size, 0))       \
            TRAP(WX_TRAP_STACK_EXHAUSTED);                                    \
        for (uint32_t k_ = 0, n_ = cf_->nparams; k_ < n_; k_++) {             \
            fp[k_] = args_[k_];                                               \
            __asm__("" : "+r"(k_));                                           \
        }                                                                     \
        ZERO_SLOTS(fp, cf_->nparams, cf_->nparams + cf_->nlocals);            \
        fn = cf_;                                                             \
        pc = cf_->code;                                                       \
    } while (0)

/* ------------------------------------------------- generated handlers */

#define LOAD_AT(name, mt, st, EA)                                             \
    {                                                                         \
        uint64_t ea_ = (EA);                                                  \
        if (__builtin_expect(ea_ + sizeof(mt) > mem_size, 0))                 \
            TRAP(WX_TRAP_MEMORY_OOB);                                         \
        mt v_;                                                                \
        memcpy(&v_, mem_base + ea_, sizeof v_);                               \
        fp[F0] = (wx_slot)(st)v_;                                             \
        NEXT(name);                                                           \
    }

#define STORE_AT(name, mt, EA, V)                                             \
    {                                                                         \
        uint64_t ea_ = (EA);                                                  \
        if (__builtin_expect(ea_ + sizeof(mt) > mem_size, 0))                 \
            TRAP(WX_TRAP_MEMORY_OOB);                                         \
        mt v_ = (mt)(V);                                                      \
        memcpy(mem_base + ea_, &v_, sizeof v_);                               \
        NEXT(name);                                                           \
    }

/* One access of LOAD_M or STORE_M (memory x > 0, 3.0): memory x's base
 * and size come from the instance on every access, as memory.grow of any
 * memory may change them; memory 0's ops above use the cached ones. A
 * switch on the access costs those memories a little and the interpreter
 * function two handlers instead of 23. */
#define LOAD_M_KIND(X, name, w, mt, st)                                       \
    case WXC_OP_##name - WXC_OP_I32_LOAD: {                                   \
        if (__builtin_expect(ea_ + sizeof(mt) > m_->size, 0))                 \
            TRAP(WX_TRAP_MEMORY_OOB);                                         \
        mt v_;                                                                \
        memcpy(&v_, m_->data + ea_, sizeof v_);                               \
        fp[F0] = (wx_slot)(st)v_;                                             \
        break;                                                                \
    }

#define STORE_M_KIND(X, name, w, mt)                                          \
    case WXC_OP_##name - WXC_OP_I32_STORE: {                                  \
        if (__builtin_expect(ea_ + sizeof(mt) > m_->size, 0))                 \
            TRAP(WX_TRAP_MEMORY_OOB);                                         \
        mt v_ = (mt)fp[F1];                                                   \
        memcpy(m_->data + ea_, &v_, sizeof v_);                               \
        break;                                                                \
    }

#define GEN_LOAD(X, name, w, mt, st)                                          \
    CASE(name)                                                                \
    LOAD_AT(name, mt, st, (uint64_t)(uint32_t)fp[F1] + F2)                    \
    CASE(name##_AI)                                                           \
    LOAD_AT(name##_AI, mt, st, (uint64_t)(uint32_t)(fp[F1] + F2) + F3)        \
    CASE(name##_AA)                                                           \
    LOAD_AT(name##_AA, mt, st, (uint64_t)(uint32_t)(fp[F1] + fp[F2]) + F3)    \
    CASE(name##_K)                                                            \
    LOAD_AT(name##_K, mt, st, (uint64_t)F1)

#define LOAD_BR(name, mt, TEST, OFF)                                          \
    {                                                                         \
        uint64_t ea_ = (uint64_t)(uint32_t)fp[F1] + F2;                       \
        if (__builtin_expect(ea_ + sizeof(mt) > mem_size, 0))                 \
            TRAP(WX_TRAP_MEMORY_OOB);                                         \
        mt m_;                                                                \
        memcpy(&m_, mem_base + ea_, sizeof m_);                               \
        const uint32_t v_ = (uint32_t)m_;                                     \
        fp[F0] = v_;                                                          \
        if (TEST)                                                             \
            BRANCH(OFF);                                                      \
        NEXT(name);                                                           \
    }

#define GEN_LOAD_BR(X, name, mt)                                              \
    CASE(name##_BR_NZ)                                                        \
    LOAD_BR(name##_BR_NZ, mt, v_ != 0, F3)                                    \
    CASE(name##_BR_Z)                                                         \
    LOAD_BR(name##_BR_Z, mt, v_ == 0, F3)                                     \
    CASE(name##_BR_EQ_I)                                                      \
    LOAD_BR(name##_BR_EQ_I, mt, v_ == F3, F4)                                 \
    CASE(name##_BR_NE_I)                                                      \
    LOAD_BR(name##_BR_NE_I, mt, v_ != F3, F4)

#define GEN_STORE(X, name, w, mt)                                             \
    CASE(name)                                                                \
    STORE_AT(name, mt, (uint64_t)(uint32_t)fp[F0] + F2, fp[F1])               \
    CASE(name##_AI)                                                           \
    STORE_AT(name##_AI, mt, (uint64_t)(uint32_t)(fp[F0] + F2) + F3, fp[F1])   \
    CASE(name##_K)                                                            \
    STORE_AT(name##_K, mt, (uint64_t)F1, fp[F0])

#define GEN_UN(X, name, w, ti, to, e)                                         \
    CASE(name)                                                                \
    {                                                                         \
        const T_##ti a = RD_##ti(fp[F1]);                                     \
        fp[F0] = WR_##to(e);                                                  \
        NEXT(name);                                                           \
    }

#define GEN_UNT(X, name, w, ti, to, f)                                        \
    CASE(name)                                                                \
    {                                                                         \
        T_##to r_;                                                            \
        wx_trap t_ = f(RD_##ti(fp[F1]), &r_);                                 \
        if (__builtin_expect(t_ != WX_TRAP_NONE, 0))                          \
            TRAP(t_);                                                         \
        fp[F0] = WR_##to(r_);                                                 \
        NEXT(name);                                                           \
    }

#define GEN_BINT(X, name, w, ti, to, f, e)                                    \
    CASE(name)                                                                \
    {                                                                         \
        T_##to r_;                                                            \
        wx_trap t_ = f(RD_##ti(fp[F1]), RD_##ti(fp[F2]), &r_);                \
        if (__builtin_expect(t_ != WX_TRAP_NONE, 0))                          \
            TRAP(t_);                                                         \
        fp[F0] = WR_##to(r_);                                                 \
        NEXT(name);                                                           \
    }                                                                         \
    CASE(name##_I)                                                            \
    {                                                                         \
        const T_##ti a = RD_##ti(fp[F1]);                                     \
        const T_##ti b = IMM_##ti(F2);                                        \
        fp[F0] = WR_##to(e);                                                  \
        NEXT(name##_I);                                                       \
    }

#define GEN_BIN(X, name, w, ti, to, v, e)                                     \
    CASE(name)                                                                \
    {                                                                         \
        const T_##ti a = RD_##ti(fp[F1]);                                     \
        const T_##ti b = RD_##ti(fp[F2]);                                     \
        fp[F0] = WR_##to(e);                                                  \
        NEXT(name);                                                           \
    }                                                                         \
    GEN_BIN_##v(name, ti, to, e)

#define GEN_BIN_N(name, ti, to, e)

#define GEN_BIN_L(name, ti, to, e)                                            \
    CASE(name##_I)                                                            \
    {                                                                         \
        const T_##ti a = RD_##ti(fp[F1]);                                     \
        const T_##ti b = RD_##ti(pc[2].u64);                                  \
        fp[F0] = WR_##to(e);                                                  \
        NEXT(name##_I);                                                       \
    }

#define GEN_BIN_I(name, ti, to, e)                                            \
    CASE(name##_I)                                                            \
    {                                                                         \
        const T_##ti a = RD_##ti(fp[F1]);                                     \
        const T_##ti b = IMM_##ti(F2);                                        \
        fp[F0] = WR_##to(e);                                                  \
        NEXT(name##_I);                                                       \
    }

#define GEN_BR(opname, ti, bexpr, test)                                       \
    CASE(opname)                                                              \
    {                                                                         \
        const T_##ti a = RD_##ti(fp[F0]);                                     \
        const T_##ti b = bexpr;                                               \
        if (test)                                                             \
            BRANCH(F2);                                                       \
        NEXT(opname);                                                         \
    }

#define GEN_BIN_F(name, ti, to, e)                                            \
    GEN_BR(BR_IF_##name, ti, RD_##ti(fp[F1]), e)                              \
    GEN_BR(BR_UNLESS_##name, ti, RD_##ti(fp[F1]), !(e))

/* a = s + i, stored, then compared: the add wraps at the compare's width. */
#define WRAPADD_U32(s, i) ((uint32_t)(s) + (uint32_t)(i))
#define WRAPADD_I32(s, i) ((int32_t)WRAPADD_U32(s, i))
#define WRAPADD_U64(s, i) ((uint64_t)(s) + IMM_U64(i))
#define WRAPADD_I64(s, i) ((int64_t)WRAPADD_U64(s, i))

#define GEN_ADD_BR(opname, ti, bexpr, e)                                      \
    CASE(opname)                                                              \
    {                                                                         \
        const T_##ti a = WRAPADD_##ti(fp[F1], F2);                            \
        fp[F0] = WR_##ti(a);                                                  \
        const T_##ti b = bexpr;                                               \
        if (e)                                                                \
            BRANCH(F4);                                                       \
        NEXT(opname);                                                         \
    }

#define GEN_BIN_C(name, ti, to, e)                                            \
    GEN_BIN_I(name, ti, to, e)                                                \
    GEN_ADD_BR(ADD_BR_IF_##name, ti, RD_##ti(fp[F3]), e)                      \
    GEN_ADD_BR(ADD_BR_IF_##name##_I, ti, IMM_##ti(F3), e)                     \
    GEN_BIN_F(name, ti, to, e)                                                \
    GEN_BR(BR_IF_##name##_I, ti, IMM_##ti(F1), e)                             \
    GEN_BR(BR_UNLESS_##name##_I, ti, IMM_##ti(F1), !(e))

/* ------------------------------------------------------------- SIMD */

/* A v128 operand is 16 bytes at fp + slot (two slots), copied in and out
 * with memcpy: slots are 8-byte aligned only, and a wxv is not a wx_slot. */
#define VRD(slot) wxv_load(fp + (slot))
#define VWR(slot, v) wxv_store(fp + (slot), (v))

/* The 1 << P bytes at fp[S] + OFF of the op's memory, or a trap: the
 * same explicit check as the scalar loads, so a 16-byte access that
 * starts in bounds but ends past the end traps. The address is the
 * slot's u32, or its u64 for a 64-bit memory (memory64), where the sum
 * must not wrap into bounds. */
#define VMEM(S, OFF, P)                                                       \
    const wx_memory *m_ = inst->memories[F0 >> 16];                           \
    uint64_t ea_ = m_->limits.addr64 ? fp[S] : (uint32_t)fp[S];               \
    if (__builtin_expect(__builtin_add_overflow(ea_, (uint64_t)(OFF), &ea_) ||  \
                             ea_ > m_->size || m_->size - ea_ < (1u << (P)),  \
                         0))                                                  \
        return 0;                                                             \
    uint8_t *at_ = m_->data + ea_

/* Field 0 is the op (ops.def), so the operands start at F1. */
#define SIMD_CASE(X, name, sub, kind, t, p, f)                                \
    case WXC_OP_##name: {                                                     \
        SIMD_##kind(t, p, f) return WXC_LEN_##name;                           \
    }
#define SIMD_LOAD(t, p, f)                                                    \
    VMEM(F2, F3, p);                                                          \
    VWR(F1, f(at_));
#define SIMD_STORE(t, p, f)                                                   \
    VMEM(F1, F3, p);                                                          \
    f(at_, VRD(F2));
#define SIMD_LOADLANE(t, p, f)                                                \
    VMEM(F2, F4, p);                                                          \
    VWR(F1, f(VRD(F3), at_, (F0 >> 11) & 15));
#define SIMD_STORELANE(t, p, f)                                               \
    VMEM(F1, F3, p);                                                          \
    f(at_, VRD(F2), F4);
#define SIMD_SHUFFLE(t, p, f) VWR(F1, f(VRD(F2), VRD(F3), VRD(F4)));
#define SIMD_UN(t, p, f) VWR(F1, f(VRD(F2)));
#define SIMD_BIN(t, p, f) VWR(F1, f(VRD(F2), VRD(F3)));
#define SIMD_TERN(t, p, f) VWR(F1, f(VRD(F2), VRD(F3), VRD(F4)));
#define SIMD_TEST(t, p, f) fp[F1] = (uint32_t)f(VRD(F2));
#define SIMD_SHIFT(t, p, f) VWR(F1, f(VRD(F2), (uint32_t)fp[F3]));
#define SIMD_SPLAT(t, p, f) VWR(F1, f(fp[F2]));
#define SIMD_EXTRACT(t, p, f) fp[F1] = f(VRD(F2), F3);
#define SIMD_REPLACE(t, p, f) VWR(F1, f(VRD(F2), fp[F3], F4));

/*
 * Runs the SIMD op or v128 move at pc (ops.def WXC_SIMD_OPS and
 * WXC_OPS_V128; its first field says which) on frame fp of `inst`.
 * Returns the op's length in cells, or 0 for an access outside its
 * memory (the only trap a SIMD op has). Memory accesses check their
 * bounds explicitly, whichever memory they use: they read its base and
 * size from the instance, as LOAD_M does.
 *
 * The SIMD ops live here, out of run(), behind one handler there whose
 * only state is pc, fp and inst. With their 255 handlers inside run()
 * (23 KB of code among the scalar ones), or with one handler taking
 * memory 0's base and size from run()'s registers, GCC allocated run()'s
 * registers differently and the scalar workloads ran 5-15% more
 * instructions (fib, sha256; the compiled code the same). A call and a
 * switch per SIMD op cost far less than the 2 to 16 lanes each works on.
 */
__attribute__((noinline)) static uint32_t
simd_exec(const wxc_cell *pc, wx_slot *fp, const wx_instance *inst)
{
    switch ((wxc_opcode)(F0 & WXC_SIMD_OP_MASK)) {
        WXC_SIMD_OPS(SIMD_CASE, ~)
    case WXC_OP_GLOBAL_GET_V128:
        memcpy(fp + F1, inst->globals[F2]->v128, 16);
        return WXC_LEN_GLOBAL_GET_V128;
    case WXC_OP_GLOBAL_SET_V128:
        memcpy(inst->globals[F2]->v128, fp + F1, 16);
        return WXC_LEN_GLOBAL_SET_V128;
    case WXC_OP_SELECT_V128: {
        const wx_slot *src = (uint32_t)fp[F4] ? fp + F2 : fp + F3;
        wx_slot lo = src[0], hi = src[1];
        fp[F1] = lo;
        fp[F1 + 1] = hi;
        return WXC_LEN_SELECT_V128;
    }
    default: break;
    }
    __builtin_unreachable();
}

/* The label (computed goto) or case (switch) of each SIMD op in run(). */
#define SIMD_LABEL(X, name, sub, kind, t, p, f) CASE_COLD(name)
#define GC_LABEL(name, layout, traps) CASE_COLD(name)

/* --------------------------------------------------------- the loop */

static wx_status run(const wx_wasm_func *entry, wx_slot *args, wxe_stack *stack,
                     wx_error *err, const void *const **table)
{
#ifndef WX_SWITCH_DISPATCH
    static const void *const labels[WXC_OP_COUNT_] = {
#define X_(name, layout, traps) &&L_##name,
        WXC_OP_LIST(X_)
#undef X_
    };
    if (__builtin_expect(table != NULL, 0)) {
        *table = labels;
        return WX_OK;
    }
#else
    (void)table;
#endif
#ifndef WX_SWITCH_DISPATCH
    static const wxc_cell exit_code[1] = {{.h = &&L_EXIT}};
#else
    static const wxc_cell exit_code[1] = {{.op = WXC_OP_EXIT}};
#endif
    /* Only the entry, exit and refuel paths use these: volatile keeps them
     * out of the registers the handlers need (memory base and size above
     * all). */
    wxe_stack *volatile vstack = stack;
    wx_slot *volatile vargs = args;
    wx_error *volatile verr = err;
    uint32_t tick = stack->tick;

    const struct wxc_func *fn = entry->code;
    wx_instance *inst = entry->inst;
    wx_slot *fp = stack->top;
    const wxc_cell *pc = fn->code;
    wx_trap trap = WX_TRAP_NONE;
    wx_status status;

    /* The control stack grows down from the top of the free slot area; a
     * record below csp_min would exceed the call depth. The entry frame's
     * record returns to EXIT. */
    wx_slot *csp = stack->limit - WXE_REC_SLOTS;
    wx_slot *csp_min = fp;
    {
        const uint32_t max_depth =
            stack->max_depth ? stack->max_depth : WX_DEFAULT_CALL_DEPTH;
        const uint32_t depth = stack->depth;
        if (!fp || depth >= max_depth ||
            csp - fp < (ptrdiff_t)fn->frame_size)
            TRAP(WX_TRAP_STACK_EXHAUSTED);
        size_t more = max_depth - depth - 1; /* calls left */
        if ((size_t)(csp - fp) > more * WXE_REC_SLOTS)
            csp_min = csp - more * WXE_REC_SLOTS;
    }
    csp[0] = PTR_SLOT(exit_code);
    csp[1] = PTR_SLOT(fp);
    csp[2] = PTR_SLOT(fn);
    csp[3] = PTR_SLOT(inst);

    wx_global **globals;
    const wx_memory *mem0;
    uint8_t *mem_base;
    uint64_t mem_size;
    LOAD_INSTANCE();
    RELOAD_MEMORY();

    /* State shared by the call paths. */
    wx_wasm_func *callee;
    wx_slot *callee_fp;
    const wxc_cell *ret_pc;

    for (uint32_t i = 0; i < fn->nparams; i++)
        fp[i] = args[i];
    ZERO_SLOTS(fp, fn->nparams, fn->nparams + fn->nlocals);
    /* The host's call into the guest: an interrupted instance does not
     * start it (later, the flag is read once per chunk, in refuel), and it
     * costs a unit like any call. */
    if (__builtin_expect(
            atomic_load_explicit(stack->interrupt, memory_order_relaxed), 0))
        goto interrupted;
    CHARGE_DISPATCH();

#ifdef WX_SWITCH_DISPATCH
dispatch:
    switch ((wxc_opcode)pc->op) {
#endif

    CASE(UNREACHABLE)
    TRAP(WX_TRAP_UNREACHABLE);

    CASE(MOV)
    {
        fp[F0] = fp[F1];
        NEXT(MOV);
    }
    CASE(MOV2)
    {
        fp[F0] = fp[F1];
        fp[F2] = fp[F3];
        NEXT(MOV2);
    }
    CASE(CONST32)
    {
        fp[F0] = F1;
        NEXT(CONST32);
    }
    CASE(CONST64)
    {
        fp[F0] = pc[2].u64;
        NEXT(CONST64);
    }
    CASE(BR)
    BRANCH(F0);
    CASE(BR_IF_NZ)
    {
        if ((uint32_t)fp[F0])
            BRANCH(F1);
        NEXT(BR_IF_NZ);
    }
    CASE(BR_IF_Z)
    {
        if (!(uint32_t)fp[F0])
            BRANCH(F1);
        NEXT(BR_IF_Z);
    }
    CASE(BR_IF_NZ64)
    {
        if (fp[F0])
            BRANCH(F1);
        NEXT(BR_IF_NZ64);
    }
    CASE(BR_IF_Z64)
    {
        if (!fp[F0])
            BRANCH(F1);
        NEXT(BR_IF_Z64);
    }
    CASE(BR_TABLE)
    {
        /* The index may carry a bias (a switch's lowest case folded in). */
        uint32_t i = (uint32_t)(fp[F0] + F2);
        if (i > F1)
            i = F1;
        i += 3;
        BRANCH(pc[1 + i / 2].u32[i & 1]);
    }

    CASE(RET1)
    {
        wx_slot v = fp[F0];
        if (__builtin_expect(csp[0] == PTR_SLOT(exit_code), 0)) {
            /* Back to the host: straight into its slot. */
            *vargs = v;
            SAVE_TICK();
            return WX_OK;
        }
        fp[0] = v;
        goto pop_frame;
    }
    CASE(RET)
    {
    pop_frame:;
        pc = SLOT_PTR(const wxc_cell *, csp[0]);
        fp = SLOT_PTR(wx_slot *, csp[1]);
        fn = SLOT_PTR(const struct wxc_func *, csp[2]);
        wx_instance *rinst = SLOT_PTR(wx_instance *, csp[3]);
        csp += WXE_REC_SLOTS;
        if (__builtin_expect(rinst != inst, 0)) {
            inst = rinst;
            LOAD_INSTANCE();
        }
        RELOAD_MEMORY();
        DISPATCH();
    }
    CASE(EXIT)
    {
        /* Returned from the entry function: fp and fn are its own. */
        wx_slot *res = vargs;
        for (uint32_t i = 0; i < fn->nresults; i++)
            res[i] = fp[i];
        SAVE_TICK();
        return WX_OK;
    }

    CASE(CALL)
    {
        ENTER_FRAME((const struct wxc_func *)pc[2].p, fp + F0,
                    pc + WXC_LEN_CALL);
        CHARGE_DISPATCH();
    }
    CASE(CALL_IMPORT)
    {
        callee = inst->funcs[F1];
        callee_fp = fp + F0;
        ret_pc = pc + WXC_LEN_CALL_IMPORT;
        goto call_func;
    }
    CASE(CALL_INDIRECT)
    {
        TABLE_CALLEE();
        callee_fp = fp + F0;
        ret_pc = pc + WXC_LEN_CALL_INDIRECT;
        if (__builtin_expect(callee->inst == inst && callee->code != NULL,
                             1)) {
            ENTER_FRAME(callee->code, callee_fp, ret_pc);
            CHARGE_DISPATCH();
        }
        goto call_func;
    }

    /* Tail calls cost a unit like calls, so an endless chain of them
     * meets the fuel and interrupt checks in refuel. */
    CASE(RETURN_CALL)
    {
        TAIL_FRAME((const struct wxc_func *)pc[2].p, fp + F0);
        CHARGE_DISPATCH();
    }
    CASE(RETURN_CALL_IMPORT)
    {
        callee = inst->funcs[F1];
        callee_fp = fp + F0;
        ret_pc = pc + WXC_LEN_RETURN_CALL_IMPORT;
        goto tail_call_func;
    }
    CASE(RETURN_CALL_INDIRECT)
    {
        TABLE_CALLEE();
        callee_fp = fp + F0;
        ret_pc = pc + WXC_LEN_RETURN_CALL_INDIRECT;
        goto tail_call_func;
    }

    CASE(SELECT)
    {
        fp[F0] = (uint32_t)fp[F3] ? fp[F1] : fp[F2];
        NEXT(SELECT);
    }
    CASE(GLOBAL_GET)
    {
        fp[F0] = globals[F1]->val;
        NEXT(GLOBAL_GET);
    }
    CASE(GLOBAL_SET)
    {
        globals[F1]->val = fp[F0];
        NEXT(GLOBAL_SET);
    }
    CASE(GLOBAL_SET_I)
    {
        globals[F1]->val = F0;
        NEXT(GLOBAL_SET_I);
    }

    WXC_LOADS(GEN_LOAD, ~)
    WXC_LOAD_BRS(GEN_LOAD_BR, ~)
    WXC_STORES(GEN_STORE, ~)

    CASE(I32_MAD)
    {
        uint32_t a = (uint32_t)fp[F1], b = (uint32_t)fp[F2];
        fp[F0] = (uint32_t)(a * b + (uint32_t)fp[F3]);
        NEXT(I32_MAD);
    }
    CASE(I64_MAD)
    {
        fp[F0] = fp[F1] * fp[F2] + fp[F3];
        NEXT(I64_MAD);
    }
    CASE(F64_MUL_MUL)
    {
        /* Two statements: each product is rounded, as in wasm. */
        double t = RD_F64(fp[F1]) * RD_F64(fp[F2]);
        fp[F0] = WR_F64(t * RD_F64(fp[F3]));
        NEXT(F64_MUL_MUL);
    }
    CASE(F64_MUL_MULR)
    {
        double t = RD_F64(fp[F1]) * RD_F64(fp[F2]);
        fp[F0] = WR_F64(RD_F64(fp[F3]) * t);
        NEXT(F64_MUL_MULR);
    }
    CASE(I32_STORE_I)
    {
        uint64_t ea = (uint64_t)(uint32_t)fp[F0] + F1;
        if (__builtin_expect(ea + 4 > mem_size, 0))
            TRAP(WX_TRAP_MEMORY_OOB);
        uint32_t v = F2;
        memcpy(mem_base + ea, &v, 4);
        NEXT(I32_STORE_I);
    }
    CASE(I64_STORE_I)
    {
        uint64_t ea = (uint64_t)(uint32_t)fp[F0] + F1;
        if (__builtin_expect(ea + 8 > mem_size, 0))
            TRAP(WX_TRAP_MEMORY_OOB);
        uint64_t v = IMM_U64(F2);
        memcpy(mem_base + ea, &v, 8);
        NEXT(I64_STORE_I);
    }
    CASE(MEMORY_SIZE)
    {
        fp[F0] = mem0->pages;
        NEXT(MEMORY_SIZE);
    }
    CASE(MEMORY_GROW)
    {
        int64_t r = wxi_memory_grow(inst->memories[0], (uint32_t)fp[F1]);
        fp[F0] = (uint32_t)(int32_t)r;
        RELOAD_MEMORY();
        NEXT(MEMORY_GROW);
    }
    CASE(MEMORY_INIT)
    {
        uint32_t d = (uint32_t)fp[F0], s = (uint32_t)fp[F1];
        uint32_t n = (uint32_t)fp[F2];
        /* The whole range is checked first: a trap writes nothing. */
        if (!memory_init_fits(inst, mem_size, F3, d, s, n))
            TRAP(WX_TRAP_MEMORY_OOB);
        for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
            CHARGE_BULK();
            memory_init(inst, mem_base, mem_size, F3, d, s, WXE_BULK_BYTES);
            d += WXE_BULK_BYTES;
            s += WXE_BULK_BYTES;
        }
        memory_init(inst, mem_base, mem_size, F3, d, s, n);
        NEXT(MEMORY_INIT);
    }
    CASE(DATA_DROP)
    {
        inst->data_dropped[F0] = true;
        NEXT(DATA_DROP);
    }
    CASE(MEMORY_COPY)
    {
        uint64_t d = (uint32_t)fp[F0], s = (uint32_t)fp[F1];
        uint64_t n = (uint32_t)fp[F2];
        if (s + n > mem_size || d + n > mem_size)
            TRAP(WX_TRAP_MEMORY_OOB);
        if (d <= s) {
            /* Front to back: a chunk never writes what a later chunk
             * reads. */
            for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
                CHARGE_BULK();
                memmove(mem_base + d, mem_base + s, WXE_BULK_BYTES);
                d += WXE_BULK_BYTES;
                s += WXE_BULK_BYTES;
            }
            if (n)
                memmove(mem_base + d, mem_base + s, n);
        } else {
            /* Back to front, for the same reason. */
            for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
                CHARGE_BULK();
                memmove(mem_base + d + n - WXE_BULK_BYTES,
                        mem_base + s + n - WXE_BULK_BYTES, WXE_BULK_BYTES);
            }
            if (n)
                memmove(mem_base + d, mem_base + s, n);
        }
        NEXT(MEMORY_COPY);
    }
    CASE(MEMORY_FILL)
    {
        uint64_t d = (uint32_t)fp[F0], n = (uint32_t)fp[F2];
        if (d + n > mem_size)
            TRAP(WX_TRAP_MEMORY_OOB);
        int v = (int)(uint8_t)fp[F1];
        for (; n >= WXE_BULK_BYTES; n -= WXE_BULK_BYTES) {
            CHARGE_BULK();
            memset(mem_base + d, v, WXE_BULK_BYTES);
            d += WXE_BULK_BYTES;
        }
        if (n)
            memset(mem_base + d, v, n);
        NEXT(MEMORY_FILL);
    }
    CASE(TABLE_GET)
    {
        const wx_table *tab = inst->tables[F2];
        uint32_t i = (uint32_t)fp[F1];
        if (i >= tab->size)
            TRAP(WX_TRAP_TABLE_OOB);
        fp[F0] = tab->elems[i];
        NEXT(TABLE_GET);
    }
    CASE(TABLE_SET)
    {
        wx_table *tab = inst->tables[F2];
        uint32_t i = (uint32_t)fp[F0];
        if (i >= tab->size)
            TRAP(WX_TRAP_TABLE_OOB);
        tab->elems[i] = fp[F1];
        NEXT(TABLE_SET);
    }
    CASE(TABLE_SIZE)
    {
        fp[F0] = inst->tables[F1]->size;
        NEXT(TABLE_SIZE);
    }
    CASE(TABLE_GROW)
    {
        wx_table *tab = inst->tables[F3];
        uint32_t delta = (uint32_t)fp[F2];
        /* A grow that will happen pays for the elements it writes, up
         * front (it is one allocation); a refused one costs nothing. */
        if ((uint64_t)tab->size + delta <= tab->max)
            for (uint32_t k = delta / WXE_BULK_ELEMS; k; k--)
                CHARGE_BULK();
        int64_t r = wxi_table_grow(tab, delta, fp[F1]);
        fp[F0] = (uint32_t)(int32_t)r;
        NEXT(TABLE_GROW);
    }
    CASE(TABLE_FILL)
    {
        wx_table *tab = inst->tables[F3];
        uint32_t i = (uint32_t)fp[F0], n = (uint32_t)fp[F2];
        /* The whole range is checked first: a trap writes nothing. */
        if ((uint64_t)i + n > tab->size)
            TRAP(WX_TRAP_TABLE_OOB);
        for (; n >= WXE_BULK_ELEMS; n -= WXE_BULK_ELEMS) {
            CHARGE_BULK();
            table_fill(tab, i, fp[F1], WXE_BULK_ELEMS);
            i += WXE_BULK_ELEMS;
        }
        table_fill(tab, i, fp[F1], n);
        NEXT(TABLE_FILL);
    }
    CASE(TABLE_COPY)
    {
        uint32_t d = (uint32_t)fp[F0], s = (uint32_t)fp[F1];
        uint32_t n = (uint32_t)fp[F2];
        /* The whole range is checked first: a trap writes nothing. */
        if ((uint64_t)s + n > inst->tables[F4]->size ||
            (uint64_t)d + n > inst->tables[F3]->size)
            TRAP(WX_TRAP_TABLE_OOB);
        if (d <= s || F3 != F4) {
            for (; n >= WXE_BULK_ELEMS; n -= WXE_BULK_ELEMS) {
                CHARGE_BULK();
                table_copy(inst, F3, F4, d, s, WXE_BULK_ELEMS);
                d += WXE_BULK_ELEMS;
                s += WXE_BULK_ELEMS;
            }
            table_copy(inst, F3, F4, d, s, n);
        } else {
            /* Overlapping, destination after source: back to front. */
            for (; n >= WXE_BULK_ELEMS; n -= WXE_BULK_ELEMS) {
                CHARGE_BULK();
                table_copy(inst, F3, F4, d + n - WXE_BULK_ELEMS,
                           s + n - WXE_BULK_ELEMS, WXE_BULK_ELEMS);
            }
            table_copy(inst, F3, F4, d, s, n);
        }
        NEXT(TABLE_COPY);
    }
    CASE(TABLE_INIT)
    {
        uint32_t d = (uint32_t)fp[F0], s = (uint32_t)fp[F1];
        uint32_t n = (uint32_t)fp[F2];
        if (!table_init_fits(inst, F3, F4, d, s, n))
            TRAP(WX_TRAP_TABLE_OOB);
        for (; n >= WXE_BULK_ELEMS; n -= WXE_BULK_ELEMS) {
            CHARGE_BULK();
            table_init(inst, F3, F4, d, s, WXE_BULK_ELEMS);
            d += WXE_BULK_ELEMS;
            s += WXE_BULK_ELEMS;
        }
        table_init(inst, F3, F4, d, s, n);
        NEXT(TABLE_INIT);
    }
    CASE(ELEM_DROP)
    {
        inst->elem_dropped[F0] = true;
        NEXT(ELEM_DROP);
    }
    CASE(REF_FUNC)
    {
        fp[F0] = PTR_SLOT(inst->funcs[F1]);
        NEXT(REF_FUNC);
    }

    WXC_BINOPS(GEN_BIN, ~)
    WXC_TRAP_BINOPS(GEN_BINT, ~)
    WXC_UNOPS(GEN_UN, ~)
    WXC_TRAP_UNOPS(GEN_UNT, ~)

    /* The ops of memories other than 0 (3.0), rarely run: last, and cold
     * (docs/design.md, "Multiple memories"). */
    CASE_COLD(LOAD_M)
    {
        const wx_memory *m_ = inst->memories[F3];
        uint64_t ea_ = (uint64_t)(uint32_t)fp[F1] + F2;
        switch (F4) {
            WXC_LOADS(LOAD_M_KIND, ~)
        default: __builtin_unreachable();
        }
        NEXT(LOAD_M);
    }
    CASE_COLD(STORE_M)
    {
        wx_memory *m_ = inst->memories[F3];
        uint64_t ea_ = (uint64_t)(uint32_t)fp[F0] + F2;
        switch (F4) {
            WXC_STORES(STORE_M_KIND, ~)
        default: __builtin_unreachable();
        }
        NEXT(STORE_M);
    }
    CASE_COLD(MEMORY_SIZE_M)
    {
        fp[F0] = inst->memories[F1]->pages;
        NEXT(MEMORY_SIZE_M);
    }
    CASE_COLD(MEMORY_GROW_M)
    {
        int64_t r = wxi_memory_grow(inst->memories[F2], (uint32_t)fp[F1]);
        fp[F0] = (uint32_t)(int32_t)r;
        /* Memory x may be memory 0 imported a second time, and a heap
         * memory (no reservation) moves when it grows. */
        RELOAD_MEMORY();
        NEXT(MEMORY_GROW_M);
    }
    CASE_COLD(MEMORY_INIT_M)
    {
        bulk_res r = memory_init_m(vstack, tick, inst, inst->memories[F4], F3,
                                   (uint32_t)fp[F0], (uint32_t)fp[F1],
                                   (uint32_t)fp[F2]);
        BULK_END(r, MEMORY_INIT_M);
    }
    CASE_COLD(MEMORY_COPY_M)
    {
        bulk_res r = memory_copy_m(vstack, tick, inst->memories[F3],
                                   inst->memories[F4], (uint32_t)fp[F0],
                                   (uint32_t)fp[F1], (uint32_t)fp[F2]);
        BULK_END(r, MEMORY_COPY_M);
    }
    CASE_COLD(MEMORY_FILL_M)
    {
        bulk_res r = memory_fill_m(vstack, tick, inst->memories[F3],
                                   (uint32_t)fp[F0], (int)(uint8_t)fp[F1],
                                   (uint32_t)fp[F2]);
        BULK_END(r, MEMORY_FILL_M);
    }

    /* Exception handling (3.0): the throws; the search is at `throwing`. */
    CASE_COLD(THROW)
    {
        if (!(vstack->exn = wxe_exn_new(inst->tags[F1], fp + F0))) {
            SAVE_TICK();
            return wx_error_set(verr, WX_ENOMEM, "out of host memory");
        }
        goto throwing;
    }
    CASE_COLD(THROW_REF)
    {
        if (!(vstack->exn = SLOT_PTR(wxe_exn *, fp[F0])))
            TRAP(WX_TRAP_NULL_REFERENCE);
        goto throwing;
    }
    /* Typed function references (3.0). call_ref needs no signature
     * check: the validator proved the reference's type. A callee of this
     * instance is entered as by call_indirect; any other goes the general
     * way (host functions, other instances). */
    CASE_COLD(CALL_REF)
    {
        callee = SLOT_PTR(wx_wasm_func *, fp[F1]);
        if (__builtin_expect(!callee, 0))
            TRAP(WX_TRAP_NULL_FUNC_REF);
        callee_fp = fp + F0;
        ret_pc = pc + WXC_LEN_CALL_REF;
        if (__builtin_expect(callee->inst == inst && callee->code != NULL,
                             1)) {
            ENTER_FRAME(callee->code, callee_fp, ret_pc);
            CHARGE_DISPATCH();
        }
        goto call_func;
    }
    CASE_COLD(RETURN_CALL_REF)
    {
        callee = SLOT_PTR(wx_wasm_func *, fp[F1]);
        if (__builtin_expect(!callee, 0))
            TRAP(WX_TRAP_NULL_FUNC_REF);
        callee_fp = fp + F0;
        ret_pc = pc + WXC_LEN_RETURN_CALL_REF;
        goto tail_call_func;
    }
    CASE_COLD(REF_AS_NON_NULL)
    {
        if (__builtin_expect(!fp[F0], 0))
            TRAP(WX_TRAP_NULL_REFERENCE);
        NEXT(REF_AS_NON_NULL);
    }
    /* 64-bit memories and tables (memory64, table64): short handlers after
     * every other one, their work in functions outside this one
     * (docs/design.md, "64-bit memories and tables"), marked cold: three
     * interleaved A/B runs of the five bench workloads measured the
     * geometric mean 3-4% faster with the mark than without (0.970,
     * 0.969, 0.961), where an earlier, noisier measurement had seen the
     * opposite. The mark only moves code: the instructions run are the
     * same. */
    CASE_COLD(LOAD64_M)
    {
        if (!load64(inst->memories[F2], fp[F1], pc[3].u64, F3, &fp[F0]))
            TRAP(WX_TRAP_MEMORY_OOB);
        NEXT(LOAD64_M);
    }
    CASE_COLD(STORE64_M)
    {
        if (!store64(inst->memories[F2], fp[F0], pc[3].u64, F3, fp[F1]))
            TRAP(WX_TRAP_MEMORY_OOB);
        NEXT(STORE64_M);
    }
    CASE_COLD(MEMORY_GROW64)
    {
        fp[F0] = (uint64_t)memory_grow64(inst->memories[F2], fp[F1]);
        /* As MEMORY_GROW_M: memory x may be memory 0. */
        RELOAD_MEMORY();
        NEXT(MEMORY_GROW64);
    }
    CASE_COLD(MEMORY_FILL64)
    {
        bulk_res r = memory_fill64(vstack, tick, inst->memories[F3], fp[F0],
                                   (int)(uint8_t)fp[F1], fp[F2]);
        BULK_END(r, MEMORY_FILL64);
    }
    CASE_COLD(MEMORY_COPY64)
    {
        bulk_res r = memory_copy64(vstack, tick, inst->memories[F3],
                                   inst->memories[F4], fp[F0], fp[F1], fp[F2]);
        BULK_END(r, MEMORY_COPY64);
    }
    CASE_COLD(MEMORY_INIT64)
    {
        bulk_res r = memory_init64(vstack, tick, inst, inst->memories[F4], F3,
                                   fp[F0], (uint32_t)fp[F1], (uint32_t)fp[F2]);
        BULK_END(r, MEMORY_INIT64);
    }
    CASE_COLD(U64_SAT32)
    {
        fp[F0] = fp[F1] > UINT32_MAX ? UINT32_MAX : fp[F1];
        NEXT(U64_SAT32);
    }
    /* The GC ops (ops.def, WXC_OPS_GC), out of line in gc_ops.c: an
     * allocation may collect, scanning this stack up to the end of the
     * running frame. */
    WXC_OPS_GC(GC_LABEL)
    {
        SAVE_TICK(); /* the ops on many elements charge fuel */
        int n_ = wxg_exec(pc, fp, inst, vstack, fp + fn->frame_size);
        tick = vstack->tick;
        if (__builtin_expect(n_ < 0, 0)) {
            if (n_ == -WXG_STOP_INTERRUPTED)
                goto interrupted;
            if (n_ == -WXG_STOP_NO_FUEL)
                goto out_of_fuel;
            TRAP((wx_trap)-n_);
        }
        pc += n_;
        DISPATCH();
    }

    /* SIMD (ops.def WXC_SIMD_OPS, simd.h) and the v128 moves: their
     * labels all mark this one handler, which hands the op to simd_exec,
     * out of line (see there). */
    CASE_COLD(GLOBAL_GET_V128)
    CASE_COLD(GLOBAL_SET_V128)
    CASE_COLD(SELECT_V128)
    WXC_SIMD_OPS(SIMD_LABEL, ~)
    {
        uint32_t n_ = simd_exec(pc, fp, inst);
        if (__builtin_expect(n_ == 0, 0))
            TRAP(WX_TRAP_MEMORY_OOB);
        pc += n_;
        DISPATCH();
    }

#ifdef WX_SWITCH_DISPATCH
    default:
        __builtin_unreachable();
    }
#endif

    /* A call through an import, a table or across instances. */
call_func:
    if (!callee->code) {
        /* A host function; it may re-enter wx_call on this stack, so the
         * frames and records in use are published for the time of the
         * call (a nested run starts above them), and so is the fuel
         * countdown, after the call paid its unit. */
        if (__builtin_expect(--tick == 0, 0))
            TAKE_CHUNK();
        wxe_stack *st = vstack;
        st->tick = tick;
        wx_slot *top = st->top, *limit = st->limit;
        uint32_t depth = st->depth;
        st->top = fp + fn->frame_size;
        st->limit = csp;
        st->depth = depth + (uint32_t)((limit - csp) / WXE_REC_SLOTS);
        status = wxi_call_host(callee, inst, callee_fp, verr);
        st->top = top;
        st->limit = limit;
        st->depth = depth;
        tick = st->tick;
        if (status != WX_OK)
            return status;
        RELOAD_MEMORY();
        pc = ret_pc;
        DISPATCH();
    }
    ENTER_FRAME(callee->code, callee_fp, ret_pc);
    if (callee->inst != inst) {
        inst = callee->inst;
        LOAD_INSTANCE();
        RELOAD_MEMORY();
    }
    CHARGE_DISPATCH();

    /* A tail call through an import or a table. A host function cannot
     * take over the frame: it is called as by call, and returns to
     * ret_pc, the code the compiler put after the op, which returns its
     * results. A wasm function, of this instance or another, replaces the
     * running one; the record below still names the caller's caller and
     * its instance, which its return restores. */
tail_call_func:
    if (!callee->code)
        goto call_func;
    TAIL_FRAME(callee->code, callee_fp);
    if (callee->inst != inst) {
        inst = callee->inst;
        LOAD_INSTANCE();
        RELOAD_MEMORY();
    }
    CHARGE_DISPATCH();

    /* The chunk is used up, and the charge that got here is not paid yet.
     * This is where the interrupt flag is read, so it is seen within
     * WXE_FUEL_CHUNK charges, and where metered fuel runs out. */
refuel:
    TAKE_CHUNK();
    DISPATCH();

    /* An exception from the op at pc: unwind() finds the handler, popping
     * the frames it leaves. The entry frame's record ends the search: the
     * exception leaves the run as WX_EEXCEPTION, so it never crosses a
     * host function (which called this run, or called the host's call).
     * Catching costs a unit of fuel, like the taken branch it is. */
throwing:
    SAVE_TICK();
    pc = land(vstack, unwind(vstack, pc, fp, fn, csp, inst, exit_code), verr);
    if (!pc)
        return verr->status;
    fp = vstack->unwound.fp;
    fn = vstack->unwound.fn;
    csp = vstack->unwound.csp;
    inst = vstack->unwound.inst;
    LOAD_INSTANCE();
    RELOAD_MEMORY();
    CHARGE_DISPATCH();

trapped:
    SAVE_TICK();
    return wxi_trap(verr, trap, fn->module, fn->func_index,
                    wxe_wasm_offset(fn, (uint32_t)(pc - fn->code)));
interrupted:
    SAVE_TICK();
    return wx_error_set(verr, WX_EINTERRUPTED, "call interrupted");
out_of_fuel:
    vstack->tick = 1;
    return fuel_exhausted(vstack, verr, fn, (uint32_t)(pc - fn->code));
}

const void *const *wxe_handlers(void)
{
#ifdef WX_SWITCH_DISPATCH
    return NULL;
#else
    const void *const *t = NULL;
    run(NULL, NULL, NULL, NULL, &t);
    return t;
#endif
}

wx_status wxe_invoke(wx_wasm_func *f, wx_slot *slots, wxe_stack *stack,
                     wx_error *err)
{
    return run(f, slots, stack, err, NULL);
}
