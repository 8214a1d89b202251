/*
 * The GC instructions (ops.def, WXC_OPS_GC), run out of the interpreter's
 * loop as the SIMD ops are: run() has one handler for all of them that
 * calls wxg_exec, so that functions without GC code run exactly as
 * before. Also the GC operators of constant expressions.
 */
#include "compile.h"
#include "gc.h"

#include <string.h>

/* Fields of the op (layout WXC_GC_LAYOUT, "xdaxx"). */
#define OP(pc) ((const wxc_cell *)(pc))
#define F_OP (cell[1].u32[0])
#define F_D (cell[1].u32[1])
#define F_A (cell[2].u32[0])
#define F_X (cell[2].u32[1])
#define F_Y (cell[3].u32[0])

#define TRAPS(kind) return -(int)(kind)

/* The fuel of an op on n elements, before it does anything; a stop
 * (interrupt, no fuel) leaves the op undone. */
#define PAY(st, n)                                                            \
    do {                                                                      \
        int stop_ = wxe_charge_elems((st), (n));                              \
        if (stop_)                                                            \
            return -stop_;                                                    \
    } while (0)

static wxg_obj *obj_of(wx_slot v)
{
    return (wxg_obj *)(uintptr_t)v;
}

/* Slots a field's value takes. */
static uint32_t field_slots(const wxm_field *f)
{
    return f->type == WX_V128 ? 2 : 1;
}

static void fill_struct(wxg_obj *o, const wx_slot *in)
{
    const wxm_functype *t = o->type;
    for (uint32_t i = 0; i < t->nfields; i++) {
        wxg_store(&t->fields[i], o->data + t->fields[i].offset, in);
        in += field_slots(&t->fields[i]);
    }
}

static uint8_t *elem_at(wxg_obj *o, uint64_t i)
{
    return o->data + i * o->type->fields[0].size;
}

static void fill_array(wxg_obj *o, uint32_t from, uint32_t n, const wx_slot *v)
{
    const wxm_field *f = &o->type->fields[0];
    for (uint32_t i = 0; i < n; i++)
        wxg_store(f, elem_at(o, (uint64_t)from + i), v);
}

/* Whether [i, i + n) fits in `len` (64-bit: no overflow). */
static bool fits(uint64_t i, uint64_t n, uint64_t len)
{
    return i <= len && n <= len - i;
}

static uint64_t data_len(const wx_instance *inst, uint32_t x)
{
    return inst->data_dropped[x] ? 0 : inst->module->datas[x].len;
}

static uint64_t elem_len(const wx_instance *inst, uint32_t x)
{
    return inst->elem_dropped[x] ? 0 : inst->module->elems[x].count;
}

/* array.new_data's and array.init_data's copy: the segment's bytes are
 * little-endian as the elements' storage is. */
static void copy_data(wxg_obj *o, uint32_t di, const wx_instance *inst,
                      uint32_t x, uint64_t si, uint32_t n)
{
    size_t sz = o->type->fields[0].size;
    if (n)
        memcpy(elem_at(o, di), inst->module->datas[x].bytes + si,
               (size_t)n * sz);
}

static void copy_elems(wxg_obj *o, uint32_t di, const wx_instance *inst,
                       uint32_t x, uint32_t si, uint32_t n)
{
    const wxm_field *f = &o->type->fields[0];
    for (uint32_t k = 0; k < n; k++) {
        wx_slot v = wxi_elem_value(inst, x, si + k);
        wxg_store(f, elem_at(o, (uint64_t)di + k), &v);
    }
}

static int exec_new(const wxc_cell *cell, wx_slot *fp, wx_instance *inst,
                    wxe_stack *st, wx_slot *sp)
{
    const wx_slot *a = fp + F_A;
    const wx_module *m = inst->module;
    wxg_obj *o = NULL;
    switch ((wxc_opcode)F_OP) {
    case WXC_OP_GC_STRUCT_NEW:
    case WXC_OP_GC_STRUCT_NEW_DEFAULT:
        o = wxg_new_struct(inst, F_X, st, sp);
        if (o && F_OP == WXC_OP_GC_STRUCT_NEW)
            fill_struct(o, a);
        break;
    case WXC_OP_GC_ARRAY_NEW: {
        uint32_t vs = field_slots(&m->types[F_X].fields[0]);
        uint32_t n = (uint32_t)a[vs];
        PAY(st, n);
        o = wxg_new_array(inst, F_X, n, st, sp);
        if (o)
            fill_array(o, 0, n, a);
        break;
    }
    case WXC_OP_GC_ARRAY_NEW_DEFAULT:
        PAY(st, (uint32_t)a[0]);
        o = wxg_new_array(inst, F_X, (uint32_t)a[0], st, sp);
        break;
    case WXC_OP_GC_ARRAY_NEW_FIXED: {
        o = wxg_new_array(inst, F_X, F_Y, st, sp);
        uint32_t vs = field_slots(&m->types[F_X].fields[0]);
        for (uint32_t i = 0; o && i < F_Y; i++)
            fill_array(o, i, 1, a + (size_t)i * vs);
        break;
    }
    case WXC_OP_GC_ARRAY_NEW_DATA: {
        uint32_t s = (uint32_t)a[0], n = (uint32_t)a[1];
        uint64_t sz = m->types[F_X].fields[0].size;
        if (!fits(s, (uint64_t)n * sz, data_len(inst, F_Y)))
            TRAPS(WX_TRAP_MEMORY_OOB);
        PAY(st, n);
        o = wxg_new_array(inst, F_X, n, st, sp);
        if (o)
            copy_data(o, 0, inst, F_Y, s, n);
        break;
    }
    case WXC_OP_GC_ARRAY_NEW_ELEM: {
        uint32_t s = (uint32_t)a[0], n = (uint32_t)a[1];
        if (!fits(s, n, elem_len(inst, F_Y)))
            TRAPS(WX_TRAP_TABLE_OOB);
        PAY(st, n);
        o = wxg_new_array(inst, F_X, n, st, sp);
        if (o)
            copy_elems(o, 0, inst, F_Y, s, n);
        break;
    }
    default: break;
    }
    if (!o)
        TRAPS(WX_TRAP_GC_HEAP);
    fp[F_D] = (wx_slot)(uintptr_t)o;
    return WXC_LEN_GC_STRUCT_NEW;
}

static int exec_struct(const wxc_cell *cell, wx_slot *fp)
{
    const wx_slot *a = fp + F_A;
    if (!a[0])
        TRAPS(WX_TRAP_NULL_STRUCT);
    wxg_obj *o = obj_of(a[0]);
    /* The object's own type: a subtype of x2, whose fields come first at
     * the same offsets. */
    const wxm_field *f = &o->type->fields[F_Y];
    uint8_t *p = o->data + f->offset;
    switch ((wxc_opcode)F_OP) {
    case WXC_OP_GC_STRUCT_SET: wxg_store(f, p, a + 1); break;
    case WXC_OP_GC_STRUCT_GET_S: wxg_load(f, p, true, fp + F_D); break;
    default: wxg_load(f, p, false, fp + F_D); break;
    }
    return WXC_LEN_GC_STRUCT_NEW;
}

static int exec_array(const wxc_cell *cell, wx_slot *fp,
                      const wx_instance *inst, wxe_stack *st)
{
    const wx_slot *a = fp + F_A;
    if (!a[0])
        TRAPS(WX_TRAP_NULL_ARRAY);
    wxg_obj *o = obj_of(a[0]);
    const wxm_field *f = &o->type->fields[0];
    uint32_t vs = field_slots(f);
    uint32_t i = (uint32_t)a[1];
    switch ((wxc_opcode)F_OP) {
    case WXC_OP_GC_ARRAY_LEN: fp[F_D] = o->len; break;
    case WXC_OP_GC_ARRAY_GET:
    case WXC_OP_GC_ARRAY_GET_S:
    case WXC_OP_GC_ARRAY_GET_U:
        if (i >= o->len)
            TRAPS(WX_TRAP_ARRAY_OOB);
        wxg_load(f, elem_at(o, i), F_OP == WXC_OP_GC_ARRAY_GET_S, fp + F_D);
        break;
    case WXC_OP_GC_ARRAY_SET:
        if (i >= o->len)
            TRAPS(WX_TRAP_ARRAY_OOB);
        wxg_store(f, elem_at(o, i), a + 2);
        break;
    case WXC_OP_GC_ARRAY_FILL: {
        uint32_t n = (uint32_t)a[2 + vs];
        if (!fits(i, n, o->len))
            TRAPS(WX_TRAP_ARRAY_OOB);
        PAY(st, n);
        fill_array(o, i, n, a + 2);
        break;
    }
    case WXC_OP_GC_ARRAY_COPY: {
        if (!a[2])
            TRAPS(WX_TRAP_NULL_ARRAY);
        wxg_obj *src = obj_of(a[2]);
        uint32_t si = (uint32_t)a[3], n = (uint32_t)a[4];
        if (!fits(i, n, o->len) || !fits(si, n, src->len))
            TRAPS(WX_TRAP_ARRAY_OOB);
        PAY(st, n);
        if (n) /* overlap-safe: the same array may be both */
            memmove(elem_at(o, i), elem_at(src, si), (size_t)n * f->size);
        break;
    }
    case WXC_OP_GC_ARRAY_INIT_DATA: {
        uint32_t si = (uint32_t)a[2], n = (uint32_t)a[3];
        if (!fits(i, n, o->len))
            TRAPS(WX_TRAP_ARRAY_OOB);
        if (!fits(si, (uint64_t)n * f->size, data_len(inst, F_Y)))
            TRAPS(WX_TRAP_MEMORY_OOB);
        PAY(st, n);
        copy_data(o, i, inst, F_Y, si, n);
        break;
    }
    case WXC_OP_GC_ARRAY_INIT_ELEM: {
        uint32_t si = (uint32_t)a[2], n = (uint32_t)a[3];
        if (!fits(i, n, o->len))
            TRAPS(WX_TRAP_ARRAY_OOB);
        if (!fits(si, n, elem_len(inst, F_Y)))
            TRAPS(WX_TRAP_TABLE_OOB);
        PAY(st, n);
        copy_elems(o, i, inst, F_Y, si, n);
        break;
    }
    default: break;
    }
    return WXC_LEN_GC_STRUCT_NEW;
}

static int exec_ref(const wxc_cell *cell, wx_slot *fp, wx_instance *inst,
                    wxe_stack *st, wx_slot *sp)
{
    wx_slot v = fp[F_A];
    switch ((wxc_opcode)F_OP) {
    case WXC_OP_GC_REF_TEST: {
        bool ok =
            v ? wxg_ref_is(inst->module, F_X, v) : (F_Y & WXC_GC_NULL_OK) != 0;
        fp[F_D] = ok != ((F_Y & WXC_GC_NEGATE) != 0);
        break;
    }
    case WXC_OP_GC_REF_CAST:
        if (v ? !wxg_ref_is(inst->module, F_X, v) : !(F_Y & WXC_GC_NULL_OK))
            TRAPS(WX_TRAP_CAST);
        fp[F_D] = v;
        break;
    case WXC_OP_GC_ANY_CONVERT_EXTERN:
        if (!wxg_any_from_extern(inst, v, fp + F_D, st, sp))
            TRAPS(WX_TRAP_GC_HEAP);
        break;
    case WXC_OP_GC_EXTERN_CONVERT_ANY:
        if (!wxg_extern_from_any(inst, v, fp + F_D, st, sp))
            TRAPS(WX_TRAP_GC_HEAP);
        break;
    case WXC_OP_GC_REF_I31: fp[F_D] = WXG_I31(v); break;
    case WXC_OP_GC_I31_GET_S:
        if (!v)
            TRAPS(WX_TRAP_NULL_I31);
        fp[F_D] = (uint32_t)((int32_t)(uint32_t)v >> 1);
        break;
    case WXC_OP_GC_I31_GET_U:
        if (!v)
            TRAPS(WX_TRAP_NULL_I31);
        fp[F_D] = (uint32_t)v >> 1;
        break;
    default: break;
    }
    return WXC_LEN_GC_STRUCT_NEW;
}

int wxg_exec(const void *pc, wx_slot *fp, wx_instance *inst, wxe_stack *stack,
             wx_slot *sp)
{
    const wxc_cell *cell = OP(pc);
    switch ((wxc_opcode)F_OP) {
    case WXC_OP_GC_STRUCT_NEW:
    case WXC_OP_GC_STRUCT_NEW_DEFAULT:
    case WXC_OP_GC_ARRAY_NEW:
    case WXC_OP_GC_ARRAY_NEW_DEFAULT:
    case WXC_OP_GC_ARRAY_NEW_FIXED:
    case WXC_OP_GC_ARRAY_NEW_DATA:
    case WXC_OP_GC_ARRAY_NEW_ELEM: return exec_new(cell, fp, inst, stack, sp);
    case WXC_OP_GC_STRUCT_GET:
    case WXC_OP_GC_STRUCT_GET_S:
    case WXC_OP_GC_STRUCT_GET_U:
    case WXC_OP_GC_STRUCT_SET: return exec_struct(cell, fp);
    case WXC_OP_GC_ARRAY_GET:
    case WXC_OP_GC_ARRAY_GET_S:
    case WXC_OP_GC_ARRAY_GET_U:
    case WXC_OP_GC_ARRAY_SET:
    case WXC_OP_GC_ARRAY_LEN:
    case WXC_OP_GC_ARRAY_FILL:
    case WXC_OP_GC_ARRAY_COPY:
    case WXC_OP_GC_ARRAY_INIT_DATA:
    case WXC_OP_GC_ARRAY_INIT_ELEM: return exec_array(cell, fp, inst, stack);
    default: return exec_ref(cell, fp, inst, stack, sp);
    }
}

/* ------------------------------------------------ constant expressions */

bool wxg_eval_const_op(wx_instance *inst, const wxm_const *op, wx_slot *st,
                       uint32_t *n)
{
    switch (op->kind) { /* the operators without a type */
    case WXM_CONST_REF_I31: st[*n - 1] = WXG_I31(st[*n - 1]); return true;
    case WXM_CONST_ANY_CONVERT_EXTERN:
        if (!wxg_any_from_extern(inst, st[*n - 1], &st[*n - 1], NULL, NULL))
            st[*n - 1] = 0;
        return true;
    case WXM_CONST_EXTERN_CONVERT_ANY:
        if (!wxg_extern_from_any(inst, st[*n - 1], &st[*n - 1], NULL, NULL))
            st[*n - 1] = 0;
        return true;
    default: break;
    }
    const wxm_functype *t = &inst->module->types[op->index];
    wxg_obj *o = NULL;
    uint32_t k;
    /* Operands as the interpreter has them: a v128 in two entries. */
    uint32_t vs = t->nfields ? field_slots(&t->fields[0]) : 1;
    switch (op->kind) {
    case WXM_CONST_STRUCT_NEW:
        k = 0;
        for (uint32_t i = 0; i < t->nfields; i++)
            k += field_slots(&t->fields[i]);
        o = wxg_new_struct(inst, op->index, NULL, NULL);
        if (o)
            fill_struct(o, st + *n - k);
        break;
    case WXM_CONST_STRUCT_NEW_DEFAULT:
        k = 0;
        o = wxg_new_struct(inst, op->index, NULL, NULL);
        break;
    case WXM_CONST_ARRAY_NEW: {
        k = vs + 1;
        uint32_t len = (uint32_t)st[*n - 1];
        o = wxg_new_array(inst, op->index, len, NULL, NULL);
        if (o)
            fill_array(o, 0, len, st + *n - k);
        break;
    }
    case WXM_CONST_ARRAY_NEW_DEFAULT:
        k = 1;
        o = wxg_new_array(inst, op->index, (uint32_t)st[*n - 1], NULL, NULL);
        break;
    case WXM_CONST_ARRAY_NEW_FIXED: {
        uint32_t len = (uint32_t)op->bits;
        k = len * vs;
        o = wxg_new_array(inst, op->index, len, NULL, NULL);
        for (uint32_t i = 0; o && i < len; i++)
            fill_array(o, i, 1, st + *n - k + (size_t)i * vs);
        break;
    }
    default: return true;
    }
    *n -= k;
    st[(*n)++] = (wx_slot)(uintptr_t)o; /* null when refused */
    return o != NULL;
}
