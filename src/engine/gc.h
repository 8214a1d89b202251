/*
 * The garbage-collected heap of WebAssembly 3.0 (GC): struct and array
 * objects, the boxes that carry references between the `any` and `extern`
 * hierarchies, and a non-moving mark-sweep collector (docs/design.md,
 * "Garbage collection").
 *
 * Reference values in slots (the `any` hierarchy):
 *   0                   null
 *   (v << 1) | 1        an i31 (v: its low 31 bits)
 *   anything else       a wxg_obj* (objects are 16-byte aligned)
 * funcref stays wx_wasm_func* and exnref wxe_exn*. An externref is a host
 * pointer (any value, odd ones included) or a wxg_obj box of kind
 * WXG_ANY_BOX made by extern.convert_any; the heap's index of its objects
 * tells the two apart.
 *
 * An instance shares the heap of the instances (or the linker's tables
 * and globals) its imports link to, and has one of its own otherwise
 * (instance.c, join_heap; docs/design.md "Garbage collection"). The
 * interpreter, constant expressions and the API allocate through it;
 * only one thread may run code of a heap's instances at a time.
 */
#ifndef WX_ENGINE_GC_H
#define WX_ENGINE_GC_H

#include "runtime.h"

typedef struct wxg_heap wxg_heap;

enum wxg_kind {
    WXG_STRUCT,
    WXG_ARRAY,
    WXG_HOST_BOX, /* any.convert_extern of a host pointer: an anyref */
    WXG_ANY_BOX   /* extern.convert_any of an anyref: an externref */
};

typedef struct wxg_obj {
    const wx_module *module;  /* whose type it is (struct, array) */
    const wxm_functype *type; /* NULL for boxes */
    uint32_t type_index;
    uint32_t len; /* array: elements */
    uint8_t kind; /* enum wxg_kind */
    bool marked;
    bool pinned;       /* seen by the host: never collected */
    wx_budget *budget; /* charged `bytes`, or NULL */
    uint64_t bytes;
    /* Struct fields at their wxm_field offsets, array elements packed,
     * or the box's one value. */
    _Alignas(16) uint8_t data[];
} wxg_obj;

#define WXG_I31(v) ((((wx_slot)(uint32_t)(v)&0x7FFFFFFFu) << 1) | 1u)
static inline bool wxg_is_i31(wx_slot v)
{
    return (v & 1u) != 0;
}

/* A new heap with one reference; NULL when out of host memory. */
wxg_heap *wxg_heap_new(void);
void wxg_heap_retain(wxg_heap *h);
/* Drops a reference; the last one frees every object. */
void wxg_heap_release(wxg_heap *h);

/* Instances whose globals, tables, stacks and exceptions are roots. */
bool wxg_add_instance(wxg_heap *h, wx_instance *inst);
void wxg_remove_instance(wxg_heap *h, wx_instance *inst);
/* Standalone globals and tables the linker owns (roots too). */
bool wxg_add_global(wxg_heap *h, wx_global *g);
bool wxg_add_table(wxg_heap *h, wx_table *t);

/* Before the linker frees them: its globals and tables are no roots any
 * more. */
void wxg_forget_global(wxg_heap *h, const wx_global *g);
void wxg_forget_table(wxg_heap *h, const wx_table *t);
/* The `heap` field of a linker that holds h (made by wxi_linker_heap),
 * which a merge repoints; forgotten before the linker is freed. */
bool wxg_add_linker(wxg_heap *h, wxg_heap **slot);
void wxg_forget_linker(wxg_heap *h, wxg_heap **slot);

/*
 * Makes one heap of two, when an instance's imports link to both (so
 * references may pass between them): `from`'s objects, instances,
 * standalone globals and tables, budgets and linkers move into `into`,
 * every pointer to `from` among them (an instance's heap, its tables'
 * and globals', a linker's) now points to `into`, and `from`'s references
 * become `into`'s; `from` is freed. false (nothing changed) when out of
 * host memory. Never while code of either heap runs a collection.
 */
bool wxg_heap_merge(wxg_heap *into, wxg_heap *from);
/* Whether an allocation was refused since the last call (constant
 * expressions, which cannot fail on their own); clears the mark. */
bool wxg_refused(wxg_heap *h);
/* linker.c: the linker's heap, made when first asked for; NULL when out
 * of host memory. */
wxg_heap *wxi_linker_heap(wx_linker *l);

/* Statistics (wx_gc_stats). */
void wxg_stats(const wxg_heap *h, wx_gc_stats *out);

/* Whether v is the address of one of h's live objects. */
bool wxg_is_obj(const wxg_heap *h, wx_slot v);

/* Keeps the object v names (if it is one) for as long as the heap lives:
 * a reference the host has seen may come back at any time. */
void wxg_pin(wxg_heap *h, wx_slot v);

/* While inhibited, allocations never collect (instantiation: constant
 * expressions keep values in C locals, which are not roots). */
void wxg_inhibit(wxg_heap *h, int delta);

/*
 * Allocation. `stack` and `sp` say which value stack is running and the
 * end of its live part (its other frames are below); NULL when none is.
 * An allocation may collect first. NULL when the instance's budget or the
 * heap's cap refuses the bytes (WX_TRAP_GC_OOM for the interpreter).
 */
wxg_obj *wxg_new_struct(wx_instance *inst, uint32_t type,
                        const wxe_stack *stack, const wx_slot *sp);
wxg_obj *wxg_new_array(wx_instance *inst, uint32_t type, uint32_t len,
                       const wxe_stack *stack, const wx_slot *sp);
/* extern.convert_any and any.convert_extern (identity round trips). */
bool wxg_extern_from_any(wx_instance *inst, wx_slot any, wx_slot *out,
                         const wxe_stack *stack, const wx_slot *sp);
bool wxg_any_from_extern(wx_instance *inst, wx_slot ext, wx_slot *out,
                         const wxe_stack *stack, const wx_slot *sp);

/* Collects now (the roots of every registered instance). */
void wxg_collect(wxg_heap *h, const wxe_stack *stack, const wx_slot *sp);

/* Field values: reads (sign- or zero-extending packed ones as `sx` says)
 * and writes one field or element of storage type `f` at p, to or from
 * slots (a v128 takes two). */
void wxg_load(const wxm_field *f, const uint8_t *p, bool sx, wx_slot *out);
void wxg_store(const wxm_field *f, uint8_t *p, const wx_slot *in);

/* Whether reference v (not null) is of heap type `heap` (as wx_ref_heap
 * gives it, indices of module m): ref.test, ref.cast, br_on_cast. */
bool wxg_ref_is(const wx_module *m, uint32_t heap, wx_slot v);

/* The interpreter's GC ops (ops.def, WXC_OPS_GC): the op at pc on frame
 * fp of `inst`, running on `stack` whose live part ends at sp. Returns
 * the op's length in cells, or minus the trap kind, or minus one of the
 * two stops below (an op on many elements pays fuel as table.fill does,
 * docs/design.md "Fuel"). */
#define WXG_STOP_INTERRUPTED ((int)WX_TRAP_COUNT_ + 1)
#define WXG_STOP_NO_FUEL ((int)WX_TRAP_COUNT_ + 2)
/* exec.c: charges the fuel of an op on n elements to `stack` (its
 * countdown saved by run()); 0, or a stop (nothing may be done then). */
int wxe_charge_elems(wxe_stack *stack, uint64_t n);

int wxg_exec(const void *pc, wx_slot *fp, wx_instance *inst, wxe_stack *stack,
             wx_slot *sp);

/* A constant expression's GC operator (instance.c): pops its operands
 * from st[0 .. *n) and pushes its result; false when an allocation is
 * refused. */
bool wxg_eval_const_op(wx_instance *inst, const wxm_const *op, wx_slot *st,
                       uint32_t *n);

#endif
