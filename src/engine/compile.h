/*
 * The internal code the compiler (compile.c) produces and the interpreter
 * (exec.c) runs: register-style threaded code over frame slots.
 *
 * Code format. A function's code is an array of 8-byte cells. An operation
 * is one handler cell followed by its operand cells; each operand cell holds
 * two 32-bit fields, or one 64-bit immediate or pointer:
 *
 *     cell 0   | handler address (computed goto) or op number (switch)  |
 *     cell 1   | field 0 (bits 0..31)        | field 1 (bits 32..63)    |
 *     cell 2   | field 2                     | field 3                  |
 *     ...        (or one 64-bit immediate / pointer filling the cell)
 *
 * Every op's fields are described by its layout string in ops.def ("dss":
 * destination slot, two source slots), so the length of an op in cells is
 * 1 + ceil(fields / 2), known at compile time. Branch targets are resolved:
 * an 'o' field is a signed offset in cells from the branching op's first
 * cell. BR_TABLE is the one variable-length op: n+1 offsets follow it.
 *
 * Frames. Values are untyped 64-bit slots (wx_slot). A function's frame is
 *
 *     fp[0 .. nparams)               parameters
 *     fp[nparams .. +nlocals)        declared locals (zeroed at entry)
 *     fp[temp_base .. frame_size)    operand-stack temporaries
 *
 * (counted in slots: a v128 takes two consecutive ones, docs/design.md
 * "SIMD"). temp_base is max(nparams + nlocals, nresults), so results can
 * be moved to fp[0 .. nresults) from any temporary. A call places the
 * arguments in consecutive temporaries of the caller; the callee's frame
 * starts at the first of them, so arguments need no copy and results come
 * back in place.
 * The caller's pc, fp, function and instance go to a 4-slot record on a
 * control stack that grows down from the top of the same slot area.
 * Operands are slot indices: a local.get emits nothing, the consumer reads
 * the local's slot; constants fold into *_I operations where they can.
 *
 * Traps: every op that may trap has an entry in the function's pc map
 * (code cell index -> byte offset of the wasm instruction in the module
 * binary), used only when a trap is raised.
 *
 * Example (wxc_dump): fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2),
 * written as if/else with two calls, compiles to
 *
 *     0  BR_UNLESS_I32_LT_S_I   s0 i2 ->7     compare and branch, one op
 *     3  MOV                    s1 s0         the if's result to its home
 *     5  BR                     ->22
 *     7  I32_SUB_I              s1 s0 i1      argument computed in place
 *    10  CALL                   s1 <fib>      callee frame starts at s1
 *    13  I32_SUB_I              s2 s0 i2
 *    16  CALL                   s2 <fib>
 *    19  I32_ADD                s1 s1 s2      both results where they landed
 *    22  RET1                   s1
 *
 * The fusions compile.c performs (see ops.def for each op): constants as
 * immediates (*_I, including safe constant divisors) and constant
 * addresses (*_K); compare or eqz + br_if/if (BR_IF_*, BR_UNLESS_*);
 * add-immediate + compare + br_if on the sum (ADD_BR_IF_*: loop counters);
 * i32 load + branch on the loaded value (*_BR_NZ/Z/EQ_I/NE_I); i32.add +
 * load/store (*_AI, *_AA); mul + add (I32_MAD, I64_MAD); two chained f64
 * products (F64_MUL_MUL, F64_MUL_MULR); local.set of a
 * just-computed value (the op writes the local); two moves (MOV2).
 */
#ifndef WX_ENGINE_COMPILE_H
#define WX_ENGINE_COMPILE_H

#include "runtime.h"

#include <stdint.h>
#include <stdio.h>

#include "ops.def"

typedef enum wxc_opcode {
#define WXC_ENUM_(name, layout, traps) WXC_OP_##name,
    WXC_OP_LIST(WXC_ENUM_)
#undef WXC_ENUM_
        WXC_OP_COUNT_
} wxc_opcode;

/* Length in cells of each op: the handler cell plus two fields per cell. */
enum wxc_oplen {
#define WXC_LEN_(name, layout, traps) WXC_LEN_##name = 1 + sizeof(layout) / 2,
    WXC_OP_LIST(WXC_LEN_)
#undef WXC_LEN_
};

typedef union wxc_cell {
    const void *h;  /* handler address (computed-goto dispatch) */
    uintptr_t op;   /* op number (switch dispatch) */
    const void *p;  /* pointer operand */
    uint64_t u64;   /* 64-bit immediate */
    uint32_t u32[2];
} wxc_cell;

/* One entry per op that may trap. */
typedef struct wxc_pcmap {
    uint32_t pc;     /* cell index of the op in the function's code */
    uint32_t offset; /* byte offset of the wasm instruction */
} wxc_pcmap;

/*
 * Exception handlers (3.0). try_table and the legacy try emit no code on
 * entry or exit: each catch clause (and each delegate) is an entry of
 * its function's handler table, searched only when something throws, so
 * code that never throws pays nothing for them. An entry covers the code
 * cells [lo, hi) of its try's body; the entries are sorted innermost
 * first (by scope, the order the trys opened in, descending), so the
 * first that covers the throwing cell and matches is the handler. It
 * writes the payload to fp[dst..) (then the exnref, for the _ref kinds)
 * and goes to `target`: the label's end or loop start, a legacy catch
 * clause's code, or a RET after the body when the label is the
 * function's.
 */
enum wxc_handler_kind {
    WXC_H_CATCH,         /* tag, payload */
    WXC_H_CATCH_REF,     /* tag, payload and exnref */
    WXC_H_CATCH_ALL,     /* anything, nothing */
    WXC_H_CATCH_ALL_REF, /* anything, exnref */
    WXC_H_DELEGATE       /* legacy delegate: go on with scope `tag` (0:
                            none, the caller) and those around it */
};

typedef struct wxc_handler {
    uint32_t lo, hi; /* code cells covered */
    uint32_t scope;  /* 1, 2, ... in the order the trys opened */
    uint32_t kind;   /* wxc_handler_kind */
    uint32_t tag;    /* tag index (CATCH, CATCH_REF); DELEGATE: scope */
    uint32_t target; /* code cell to go on at */
    uint32_t dst;    /* first slot of the values */
    /* A legacy catch whose clause may rethrow keeps the exception in
     * this slot (WX_NO_INDEX: none, the exception is freed at once). */
    uint32_t exn_slot;
} wxc_handler;

struct wxc_func {
    const wxc_cell *code;
    uint32_t ncode; /* cells */
    uint32_t nparams, nresults;
    uint32_t nlocals;    /* declared locals (not params) */
    uint32_t temp_base;  /* first temporary slot */
    uint32_t frame_size; /* slots, including temporaries */
    uint32_t func_index;
    const wx_module *module;
    uint32_t npcmap;
    const wxc_pcmap *pcmap; /* sorted by pc */
    uint32_t nhandlers;
    const wxc_handler *handlers; /* innermost first; see above */
};

/* Static description of each op (for the compiler and wxc_dump). The
 * strings are held in place, not pointed to: a table of pointers is
 * relocated by the dynamic loader in every process that starts, which
 * copies its pages (about 3 page faults for these 479 ops), although only
 * wxc_dump reads the strings. */
typedef struct wxc_opinfo {
    uint8_t len;   /* cells */
    uint8_t traps; /* may trap: needs a pc map entry */
    char layout[8]; /* LOAD64_M and STORE64_M have 6 fields */
    char name[22];
} wxc_opinfo;

extern const wxc_opinfo wxc_ops[WXC_OP_COUNT_];

/* exec.c: the interpreter's handler addresses indexed by op (computed-goto
 * dispatch), or NULL when built with WX_SWITCH_DISPATCH (the code then holds
 * op numbers). */
const void *const *wxe_handlers(void);

/* exec.c: byte offset in the module of the wasm instruction at code cell
 * `pc` of `fn` (the pc map lookup). */
uint32_t wxe_wasm_offset(const struct wxc_func *fn, uint32_t pc);

/* compile.c: prints the internal code of defined function `func_index`
 * (a debugging aid). */
void wxc_dump(FILE *out, const wx_module *m, uint32_t func_index);

#endif
