/*
 * Runtime structures: what an instance is made of, and the contract between
 * the interpreter (exec.c, compile.c) and the rest (instance.c, memory.c,
 * table.c, host.c, api.c).
 *
 * Values at run time are untyped 64-bit slots (uint64_t): i32 is stored
 * zero-extended, f32/f64 as their bit patterns, references as pointer
 * values (funcref: wx_func*, externref: the host pointer; 0 is null).
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
};

struct wx_table {
    wx_valtype elem;
    uint32_t size;
    uint32_t max; /* effective maximum */
    wx_limits limits;
    wx_slot *elems; /* size entries: wx_func* or extern pointers, 0 = null */
    uint32_t cap;
};

struct wx_global {
    wx_valtype type;
    bool mutable_;
    wx_slot val;
};

struct wx_func {
    wx_functype type;          /* public view of the signature */
    const wxm_functype *mtype; /* NULL for host functions made by the host */
    const wx_module *module;   /* module that defines it, or NULL (host) */
    wx_instance *inst;         /* owning instance, or NULL (host) */
    uint32_t index;            /* function index in its module */
    const struct wxc_func *code; /* compiled body, NULL for host functions */
    wx_host_fn host;
    void *env;
};

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
} wxe_stack;

struct wx_instance {
    const wx_module *module;

    /* Index spaces, imports first. Imported entries point into other
     * instances or into linker-owned host objects. */
    wx_func **funcs;
    wx_table **tables;
    wx_memory **memories;
    wx_global **globals;

    /* Storage for what this instance defines itself. */
    wx_func *own_funcs;
    wx_table *own_tables;
    wx_memory *own_memories;
    wx_global *own_globals;

    /* Dropped passive segments (data.drop, elem.drop, and active segments
     * after instantiation). */
    bool *data_dropped;
    bool *elem_dropped;

    wxe_stack stack;
    atomic_int interrupt; /* set by wx_instance_interrupt from any thread */

    wx_instance_opts opts;
    void *userdata;
};

/* The context a host function sees (host.c). */
struct wx_host_ctx {
    wx_instance *caller;
    wx_error *err;
};

/* ------------------------------------------------ compile.c, exec.c */

/* Compiles every defined function of a validated module (sets
 * m->funcs[i].code; code is allocated from m->arena). */
wx_status wxc_compile_module(wx_module *m, wx_error *err);

/*
 * Runs function `f` (wasm or host). `slots` holds the arguments on entry
 * (one slot each, in order) and the results on return; it has room for
 * max(nparams, nresults) slots. `stack` is the execution state to run on
 * (normally &f->inst->stack for a call from the host). Traps fill `err`
 * (status WX_ETRAP, trap kind, function index, byte offset in the module
 * binary of the trapping instruction); an interrupt gives WX_EINTERRUPTED.
 */
wx_status wxe_invoke(wx_func *f, wx_slot *slots, wxe_stack *stack,
                     atomic_int *interrupt, wx_error *err);

/* ------------------------------------------- instance.c, memory.c ... */

/* Calls a host function from the interpreter: converts slots to wx_val and
 * back. `caller` is the instance whose code made the call. */
wx_status wxi_call_host(wx_func *f, wx_instance *caller, wx_slot *slots,
                        wx_error *err);

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

#endif
