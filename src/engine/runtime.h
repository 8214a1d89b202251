/*
 * Runtime structures: what an instance is made of, and the contract between
 * the interpreter (exec.c, compile.c) and the rest (instance.c, memory.c,
 * table.c, host.c, api.c).
 *
 * Values at run time are untyped 64-bit slots (uint64_t): i32 is stored
 * zero-extended, f32/f64 as their bit patterns, references as pointer
 * values (funcref: wx_wasm_func*, externref: the host pointer; 0 is null).
 */
#ifndef WX_ENGINE_RUNTIME_H
#define WX_ENGINE_RUNTIME_H

#include "module.h"
#include "wasmext/engine.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t wx_slot;

struct wx_memory {
    uint8_t *data;      /* base of linear memory */
    uint64_t size;      /* current size in bytes (pages * 64 KiB) */
    uint32_t pages;     /* current size in pages */
    uint32_t max_pages; /* effective maximum: declared max, instance limit,
                           65536, whichever is smallest */
    wx_limits limits;   /* as declared (for import matching use current
                           pages as min and this max) */
    size_t reserved;    /* bytes of address space reserved (memory.c) */
    wx_budget *budget;  /* charged `size` bytes, or NULL (not counted) */
    bool standalone;    /* made by wx_memory_new: freed by its linker */
};

struct wx_table {
    wx_valtype elem;
    /* The module whose types a typed `elem` names (type indices are
     * per module); NULL for tables made by the host. */
    const wx_module *types;
    uint32_t size;
    uint32_t max; /* effective maximum */
    wx_limits limits;
    wx_slot *elems; /* size entries: wx_wasm_func* or extern pointers, 0 = null */
    uint32_t cap;
    wx_budget *budget; /* charged 8 bytes per element of `size`, or NULL */
    bool standalone; /* made by wx_table_new: freed by its linker */
    /* The GC heap whose objects it may hold (references the host reads
     * are pinned there), or NULL. */
    struct wxg_heap *heap;
};

struct wx_global {
    wx_valtype type;
    const wx_module *types; /* as wx_table.types */
    bool mutable_;
    bool standalone; /* made by wx_global_new: freed by its linker */
    struct wxg_heap *heap; /* as wx_table.heap */
    /* `val` is the slot global.get and global.set move for every type but
     * v128, whose 16 bytes (in the binary's order) are `v128`; the union
     * lets the interpreter keep its one 8-byte load and store. Code cannot
     * read or write a v128 global (the validator refuses that until SIMD
     * comes), only the host API and constant expressions do. */
    union {
        wx_slot val;
        uint8_t v128[16];
    };
};

struct wx_wasm_func {
    wx_functype type;          /* public view of the signature */
    const wxm_functype *mtype; /* NULL for host functions made by the host */
    const wx_module *module;   /* module that defines it, or NULL (host) */
    wx_instance *inst;         /* owning instance, or NULL (host) */
    uint32_t index;            /* function index in its module */
    const struct wxc_func *code; /* compiled body, NULL for host functions */
    wx_host_fn host;
    void *env;
    /* A parameter or result that is a v128 (two slots) or a typed
     * reference (checked against its type, shown as its family's top
     * type): wx_call and wxi_call_host then take their general way
     * (wxi_functype_general); every other signature the plain one. */
    bool general;
};

/* An exception tag (3.0). Tags are equal only if they are the same
 * object: a tag imported by two modules is the exporter's. */
struct wx_tag {
    wx_functype type;          /* params: the payload; results: none */
    uint32_t nslots;           /* the payload's slots (a v128 takes two) */
    const wx_module *module;   /* the defining module */
    uint32_t index;            /* its index there */
};

/*
 * An exception: the tag and the payload, in host memory (exception.c).
 * One is made by every throw. Caught without _ref (try_table's catch and
 * catch_all, a legacy catch whose clause has no rethrow) it is freed at
 * once; an exnref to it (catch_ref, catch_all_ref, a legacy catch that
 * may rethrow) makes it `kept`: owned by the instance whose code caught
 * it, on its stack's list, until that instance is freed, and at most
 * WXE_MAX_KEPT_EXNS of them at once (docs/design.md, "Exception
 * handling").
 */
typedef struct wxe_exn {
    const wx_tag *tag;
    struct wxe_exn *next; /* on the owner's list, when kept */
    bool kept;
    uint32_t n;
    wx_slot vals[];
} wxe_exn;

/* Kept exceptions (exnrefs) an instance may own at once. */
#define WXE_MAX_KEPT_EXNS 65536u

/* Per-call execution state. Lives in the instance that was called from the
 * host; calls into imported wasm functions of other instances keep using it. */
typedef struct wxe_stack {
    wx_slot *base;     /* value stack (frames: params, locals, operands) */
    wx_slot *limit;    /* one past the last usable slot */
    wx_slot *top;      /* first free slot; nested host->guest calls start
                          here so a re-entrant wx_call does not clobber the
                          frames below it */
    uint32_t depth;    /* current call depth */
    uint32_t max_depth;
    /* Fuel (wx_instance_set_fuel). The interpreter takes it from `fuel`
     * in chunks of up to WXE_FUEL_CHUNK units and counts a chunk down in
     * `tick` (units of the chunk left, plus one; 1: none handed out),
     * which it keeps in a register while it runs and stores here when it
     * leaves (return, trap, host call). So the units left are always
     * fuel + tick - 1. Unmetered stacks start at UINT64_MAX and are
     * refilled when that runs out (after centuries), so the interpreter
     * has no test for them. */
    uint64_t fuel;
    uint64_t fuel_budget; /* the last budget set, for the message */
    uint32_t tick;
    /* The instance's interrupt flag, read when a call from the host
     * starts and whenever a chunk is taken. */
    atomic_int *interrupt;
    bool metered; /* false: unlimited (the default) */
    /* Exceptions an exnref may name (wxe_exn), freed with the instance. */
    wxe_exn *kept;
    uint32_t nkept;
    /* The exception being thrown and where the search for its handler
     * stopped (exec.c's unwind()): kept here rather than in locals of
     * the interpreter, whose register allocation decides the speed of
     * every handler. */
    wxe_exn *exn;
    struct {
        const void *pc, *fn;
        wx_slot *fp, *csp;
        wx_instance *inst;
    } unwound;
} wxe_stack;

/* Units of fuel a run takes from wxe_stack.fuel at a time. The interrupt
 * flag is read once per chunk, so this bounds how late an interrupt is
 * seen: 256 taken branches or calls, about a microsecond in typical loops
 * (4-6 ns a unit in the benchmarks), a millisecond for a loop whose body
 * is 2000 instructions of straight-line code. Taking a chunk costs about
 * 15 instructions, 0.1% of the 55-65 the benchmarks run per unit. */
#define WXE_FUEL_CHUNK 256u

struct wx_instance {
    const wx_module *module;

    /* Index spaces, imports first. Imported entries point into other
     * instances or into linker-owned host objects. */
    wx_wasm_func **funcs;
    wx_table **tables;
    wx_memory **memories;
    wx_global **globals;
    wx_tag **tags;

    /* Storage for what this instance defines itself. */
    wx_wasm_func *own_funcs;
    wx_table *own_tables;
    wx_memory *own_memories;
    wx_global *own_globals;
    wx_tag *own_tags;

    /* Dropped passive segments (data.drop, elem.drop, and active segments
     * after instantiation). */
    bool *data_dropped;
    bool *elem_dropped;

    /* Values of the element segments whose items allocate (GC), made
     * once at instantiation as the spec says; NULL entries (and NULL)
     * for segments evaluated when used. Roots of the heap. */
    wx_slot **elem_vals;

    /* The GC heap (gc.h): the linker's, or the instance's own. */
    struct wxg_heap *heap;

    wxe_stack stack;
    atomic_int interrupt; /* set by wx_instance_interrupt from any thread */

    wx_instance_opts opts;
    void *userdata;
};

/* The context a host function sees (host.c). */
struct wxg_heap;
struct wx_host_ctx {
    wx_instance *caller;
    wx_error *err;
};

/* ------------------------------------------------ compile.c, exec.c */

/* Compiles every defined function of a validated module (sets
 * m->funcs[i].code; code is allocated from m->arena). */
wx_status wxc_compile_module(wx_module *m, wx_error *err);

/*
 * Runs wasm function `f` (a host function goes to wxi_call_host, which
 * the callers pick by f->inst). `slots` holds the arguments on entry
 * (one slot each, in order) and the results on return; it has room for
 * max(nparams, nresults) slots. `stack` is the execution state to run on
 * (normally &f->inst->stack for a call from the host), and its interrupt
 * flag stops the call before it starts. Traps fill `err` (status
 * WX_ETRAP, trap kind, function index, byte offset in the module binary
 * of the trapping instruction); an interrupt gives WX_EINTERRUPTED;
 * running out of the stack's fuel gives WX_ELIMIT (err->func_index and
 * err->offset say where, err->trap is WX_TRAP_NONE).
 */
wx_status wxe_invoke(wx_wasm_func *f, wx_slot *slots, wxe_stack *stack,
                     wx_error *err);

/* ------------------------------------------- instance.c, memory.c ... */

/* Calls a host function from the interpreter: converts slots to wx_wasm_val and
 * back. `caller` is the instance whose code made the call. */
wx_status wxi_call_host(wx_wasm_func *f, wx_instance *caller, wx_slot *slots,
                        wx_error *err);

/* The value of a validated constant expression in `inst`, whose globals
 * and functions it reads are in place. */
wx_slot wxi_eval_const(const wx_instance *inst, const wxm_const *c);

/* Item k of element segment e (not dropped): its value made at
 * instantiation, or its constant expression evaluated now. */
static inline wx_slot wxi_elem_value(const wx_instance *inst, uint32_t e,
                                     uint32_t k)
{
    if (inst->elem_vals && inst->elem_vals[e])
        return inst->elem_vals[e][k];
    return wxi_eval_const(inst, &inst->module->elems[e].items[k]);
}

/* memory.grow semantics: old size in pages, or -1 (memory unchanged). */
int64_t wxi_memory_grow(wx_memory *mem, uint32_t delta);
/* table.grow semantics: old size, or -1. */
int64_t wxi_table_grow(wx_table *t, uint32_t delta, wx_slot init);

/* Structural equality of two signatures (call_indirect across modules,
 * import matching). */
bool wxi_functype_equal(const wx_functype *a, const wx_functype *b);

/* Raise a trap into `err` with kind and location; returns WX_ETRAP. */
wx_status wxi_trap(wx_error *err, wx_trap kind, const wx_module *m,
                   uint32_t func_index, uint32_t offset);

/* ------------------------------------------------------- exception.c */

/* A new exception of `tag` with its payload copied from `vals`; NULL when
 * out of host memory. */
wxe_exn *wxe_exn_new(const wx_tag *tag, const wx_slot *vals);
/* Frees an exception no exnref names (a kept one stays with its owner). */
void wxe_exn_drop(wxe_exn *e);
/* Makes `e` kept by `st` (an exnref now names it); false when the stack
 * already keeps WXE_MAX_KEPT_EXNS. */
bool wxe_exn_keep(wxe_stack *st, wxe_exn *e);
/* Frees every exception `st` keeps (wx_instance_free). */
void wxe_exn_free_kept(wxe_stack *st);
/* The error of an exception no handler caught before the host's call (or
 * a host function's boundary): WX_EEXCEPTION naming the tag. Drops `e`. */
wx_status wxe_uncaught(wxe_exn *e, wx_error *err);

/* ------------------------- internal to instance.c, linker.c, memory.c ... */

/* Sets up `mem` (zeroed by the caller) with `limits` pages; `cap_pages`
 * (0: none) further bounds growth. WX_ELIMIT if limits.min exceeds it, or
 * if `budget` (NULL: none) cannot take the initial pages; the budget is
 * then charged for every grow and credited on release. */
wx_status wxi_memory_init(wx_memory *mem, wx_limits limits, uint32_t cap_pages,
                          wx_budget *budget, wx_error *err);
void wxi_memory_release(wx_memory *mem);
wx_status wxi_table_init(wx_table *t, wx_valtype elem, wx_limits limits,
                         wx_error *err);
void wxi_table_release(wx_table *t);
/* Charges an initialised table's elements to `budget` (kept for its grows
 * and release); WX_ELIMIT naming table `index` if it does not fit. */
wx_status wxi_table_charge(wx_table *t, wx_budget *budget, uint32_t index,
                           wx_error *err);
/* The linker keeps an instance whose instantiation failed after its
 * functions may have become reachable through imported tables or globals
 * (spec 2.0: they stay in the store); it is freed with the linker. */
void wxi_linker_adopt(wx_linker *l, wx_instance *inst);

/* call.c: whether a value from the host, of its family's top type (as
 * the API shows typed references), fits typed reference type `want` of
 * module m: not null where `want` is not nullable, and of `want`'s
 * function type when it names one. */
bool wxi_ref_fits(const wx_module *m, wx_valtype want, const wx_wasm_val *v);

/* Slot <-> typed value, by the value's type. They work through pointers
 * and write each value with one store: building a wx_wasm_val in pieces and
 * copying it whole stalls store forwarding, which costs more than the
 * whole interpreted call of a small function. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && UINTPTR_MAX == UINT64_MAX
/* Here every value sits in the low bytes of the union's 8: only 32-bit
 * numbers need masking (0x7F | 2 and 0x7D | 2 are the only types giving
 * 0x7F), which compiles to a conditional move instead of a switch. */
static inline wx_slot wxi_slot_from_val(const wx_wasm_val *v)
{
    wx_slot s = (wx_slot)v->of.i64;
    return ((unsigned)v->type | 2u) == WX_I32 ? (uint32_t)s : s;
}

static inline void wxi_val_set(wx_wasm_val *v, wx_valtype t, wx_slot s)
{
    v->type = t;
    v->of.i64 = (int64_t)s; /* 32-bit numbers are zero-extended in slots */
}
#else
static inline wx_slot wxi_slot_from_val(const wx_wasm_val *v)
{
    switch (v->type) {
    case WX_I32: return (uint32_t)v->of.i32;
    case WX_F32: {
        uint32_t b;
        __builtin_memcpy(&b, &v->of.f32, 4);
        return b;
    }
    case WX_FUNCREF: return (wx_slot)(uintptr_t)v->of.func;
    case WX_EXTERNREF: return (wx_slot)(uintptr_t)v->of.ext;
    default: return (wx_slot)v->of.i64; /* i64, f64: same 8 bytes */
    }
}

static inline void wxi_val_set(wx_wasm_val *v, wx_valtype t, wx_slot s)
{
    v->type = t;
    v->of.i64 = 0;
    switch (t) {
    case WX_I32:
    case WX_F32: {
        uint32_t b = (uint32_t)s;
        __builtin_memcpy(&v->of.i32, &b, 4);
        break;
    }
    case WX_FUNCREF: v->of.func = (wx_wasm_func *)(uintptr_t)s; break;
    case WX_EXTERNREF: v->of.ext = (void *)(uintptr_t)s; break;
    default: v->of.i64 = (int64_t)s; break;
    }
}
#endif

/* Whether a type crosses the API as itself in one slot: the numbers and
 * 2.0's two reference types. */
static inline bool wxi_plain_type(wx_valtype t)
{
    return t == WX_I32 || t == WX_I64 || t == WX_F32 || t == WX_F64 ||
           t == WX_FUNCREF || t == WX_EXTERNREF;
}

/* Whether a signature needs the general way (wx_wasm_func.general). */
static inline bool wxi_functype_general(const wx_functype *t)
{
    for (uint32_t i = 0; i < t->nparams; i++)
        if (!wxi_plain_type(t->params[i]))
            return true;
    for (uint32_t i = 0; i < t->nresults; i++)
        if (!wxi_plain_type(t->results[i]))
            return true;
    return false;
}

/* Slots of n values of types t: two for a v128 (its 16 bytes in order),
 * one for any other. */
static inline uint32_t wxi_nslots(const wx_valtype *t, uint32_t n)
{
    uint32_t k = n;
    for (uint32_t i = 0; i < n; i++)
        k += t[i] == WX_V128;
    return k;
}

/* n values of types t to and from slots, a v128 taking two. */
static inline void wxi_vals_to_slots(const wx_valtype *t, uint32_t n,
                                     const wx_wasm_val *v, wx_slot *s)
{
    for (uint32_t i = 0; i < n; i++) {
        if (t[i] == WX_V128) {
            __builtin_memcpy(s, v[i].of.v128, 16);
            s += 2;
        } else {
            *s++ = wxi_slot_from_val(&v[i]);
        }
    }
}

static inline void wxi_slots_to_vals(const wx_valtype *t, uint32_t n,
                                     const wx_slot *s, wx_wasm_val *v)
{
    for (uint32_t i = 0; i < n; i++) {
        if (t[i] == WX_V128) {
            v[i].type = WX_V128;
            __builtin_memcpy(v[i].of.v128, s, 16);
            s += 2;
        } else {
            wxi_val_set(&v[i], t[i], *s++);
        }
    }
}

static inline wx_wasm_val wxi_val_from_slot(wx_valtype t, wx_slot s)
{
    wx_wasm_val v;
    wxi_val_set(&v, t, s);
    return v;
}

#endif
