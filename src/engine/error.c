/* Status and trap names and messages, from the X-macro lists in engine.h so
 * that enum, name and message never drift apart. */
#include "wasmext/engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
#define X_(e, n, m) n,
    WX_STATUS_LIST(X_)
#undef X_
};
static const char *const status_messages[] = {
#define X_(e, n, m) m,
    WX_STATUS_LIST(X_)
#undef X_
};
static const char *const trap_names[] = {
#define X_(e, n, m) n,
    WX_TRAP_LIST(X_)
#undef X_
};
static const char *const trap_messages[] = {
#define X_(e, n, m) m,
    WX_TRAP_LIST(X_)
#undef X_
};

const char *wx_status_name(wx_status s)
{
    return (unsigned)s < WX_STATUS_COUNT_ ? status_names[s] : "unknown";
}

const char *wx_status_message(wx_status s)
{
    return (unsigned)s < WX_STATUS_COUNT_ ? status_messages[s]
                                          : "unknown status";
}

const char *wx_trap_name(wx_trap t)
{
    return (unsigned)t < WX_TRAP_COUNT_ ? trap_names[t] : "unknown";
}

const char *wx_trap_message(wx_trap t)
{
    return (unsigned)t < WX_TRAP_COUNT_ ? trap_messages[t] : "unknown trap";
}

wx_status wx_error_set(wx_error *err, wx_status s, const char *fmt, ...)
{
    if (!err)
        return s;
    err->status = s;
    /* A reused error object must not carry the trap kind of an earlier
     * failure into a different one; trap setters set it after this. */
    if (s != WX_ETRAP)
        err->trap = WX_TRAP_NONE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return s;
}

void wx_error_clear(wx_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->func_index = WX_NO_INDEX;
}

/* Heap type names by binary code, from 0x69 (exn) to 0x74 (noexn), and
 * the text format's shorthands for their nullable references. */
static const char *const heap_names[] = {
    "exn", "array", "struct", "i31", "eq", "any", "extern",
    "func", "none", "noextern", "nofunc", "noexn"};
static const char *const nullable_names[] = {
    "exnref", "arrayref", "structref", "i31ref", "eqref", "anyref",
    "externref", "funcref", "nullref", "nullexternref", "nullfuncref",
    "nullexnref"};

/* A typed reference type's text form: "anyref" for a nullable abstract
 * one, "(ref func)", "(ref null $3)". A type index makes the name depend
 * on t, so it is written to one of a few thread-local buffers, as
 * messages use at most two names at once. */
static const char *ref_name(wx_valtype t)
{
    static _Thread_local char bufs[4][32];
    static _Thread_local unsigned next;
    if (!wx_ref_concrete(t) && wx_ref_nullable(t))
        return nullable_names[wx_ref_heap(t) - WX_HEAP_EXN];
    char *b = bufs[next++ % 4];
    const char *null = wx_ref_nullable(t) ? "null " : "";
    if (wx_ref_concrete(t))
        snprintf(b, sizeof bufs[0], "(ref %s$%u)", null, wx_ref_index(t));
    else
        snprintf(b, sizeof bufs[0], "(ref %s%s)", null,
                 heap_names[wx_ref_heap(t) - WX_HEAP_EXN]);
    return b;
}

const char *wx_valtype_name(wx_valtype t)
{
    switch (t) {
    case WX_I32: return "i32";
    case WX_I64: return "i64";
    case WX_F32: return "f32";
    case WX_F64: return "f64";
    case WX_V128: return "v128";
    case WX_FUNCREF: return "funcref";
    case WX_EXTERNREF: return "externref";
    case WX_EXNREF: return "exnref";
    }
    if ((uint32_t)t == 0x78) /* packed field types (GC) */
        return "i8";
    if ((uint32_t)t == 0x77)
        return "i16";
    return wx_is_ref(t) ? ref_name(t) : "?";
}

const char *wx_externkind_name(wx_externkind k)
{
    switch (k) {
    case WX_EXTERN_FUNC: return "function";
    case WX_EXTERN_TABLE: return "table";
    case WX_EXTERN_MEMORY: return "memory";
    case WX_EXTERN_GLOBAL: return "global";
    case WX_EXTERN_TAG: return "tag";
    }
    return "?";
}
