/*
 * Reference types of WebAssembly 3.0 (typed function references): reading
 * value and heap types, and subtyping. The encoding of a reference type in
 * a wx_valtype is described in wasmext/engine.h (WX_REF_NONNULL ...).
 *
 * Concrete heap types are type indices of the module that wrote them, so
 * every check names the module (or modules) whose types it reads. Within
 * one module, equivalent function types share a canonical index
 * (wxm_functype.canon); across modules they are compared by structure.
 * Without GC's `sub` declarations every function type is final, so
 * subtyping between concrete types is their equivalence; GC's rec groups
 * and declared supertypes would add to wxm_heap_sub, not change the
 * encoding.
 */
#ifndef WX_ENGINE_REFTYPE_H
#define WX_ENGINE_REFTYPE_H

#include "module.h"
#include "reader.h"

/* Reads a heap type (an s33: a type index, or an abstract code as a
 * negative number) into *heap, as wx_ref_heap returns it. A type index
 * past WX_REF_MAX_INDEX fails as "unknown type". */
bool wxm_read_heaptype(wxr_reader *r, uint32_t *heap);

/* Reads a value type. By the 2.0 rules (`wasm2`) only the 2.0 codes;
 * otherwise also 0x63 ht (ref null ht), 0x64 ht (ref ht) and the
 * abstract shorthands (anyref ... nullexnref). */
bool wxm_read_valtype(wxr_reader *r, bool wasm2, wx_valtype *t);

/* Reads a reference type: a shorthand, or 0x63/0x64 ht (3.0 only). */
bool wxm_read_reftype(wxr_reader *r, bool wasm2, wx_valtype *t);

/* Whether a local of type t has a default value (numbers, vectors and
 * nullable references do; non-nullable references do not). */
static inline bool wxm_defaultable(wx_valtype t)
{
    return !wx_is_ref(t) || wx_ref_nullable(t);
}

/* Whether t is a reference to a function (func, nofunc or a type
 * index: every type is a function type until GC). */
bool wxm_is_funcref_family(wx_valtype t);

/* The top type of t's family, nullable (WX_FUNCREF, WX_EXTERNREF, anyref,
 * exnref): how values of t appear at the C API. t itself if not a
 * reference. */
wx_valtype wxm_ref_top(wx_valtype t);

/* Whether value type a (of module ma) is a subtype of b (of module mb). */
bool wxm_valtype_sub(const wx_module *ma, wx_valtype a, const wx_module *mb,
                     wx_valtype b);

/* Whether function type ia of ma and ib of mb are equivalent. */
bool wxm_functype_equiv(const wx_module *ma, uint32_t ia, const wx_module *mb,
                        uint32_t ib);

/* Type equivalence of value types (both directions of subtyping). */
static inline bool wxm_valtype_equiv(const wx_module *ma, wx_valtype a,
                                     const wx_module *mb, wx_valtype b)
{
    return wxm_valtype_sub(ma, a, mb, b) && wxm_valtype_sub(mb, b, ma, a);
}

/* The decoder's canonicalisation: whether type j (< i) of m is
 * equivalent to type i, given canon of every type below i. A reference
 * to the type itself matches a reference to the other's own index. */
bool wxm_functype_same_as_earlier(const wx_module *m, uint32_t i, uint32_t j);

/* The hash of type i that equivalent types share (canon of referenced
 * types, a fixed value for a reference to the type itself). */
uint32_t wxm_functype_hash(const wx_module *m, uint32_t i);

#endif
