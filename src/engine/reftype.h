/*
 * Reference types of WebAssembly 3.0 (typed function references): reading
 * value and heap types, and subtyping. The encoding of a reference type in
 * a wx_valtype is described in wasmext/engine.h (WX_REF_NONNULL ...).
 *
 * Concrete heap types are type indices of the module that wrote them, so
 * every check names the module (or modules) whose types it reads.
 *
 * GC types (3.0). Equivalence is iso-recursive: two types are equivalent
 * when their rec groups are structurally equal (same size; per position
 * the same kind, finality, fields, and supertype, a reference inside the
 * group compared as its position there, one outside by the equivalence
 * of the earlier type it names) and they sit at the same position. Within
 * a module the decoder gives every type its canon (the first equivalent
 * type's index), so equivalence there is canon equality; across modules
 * wxm_type_equiv compares the groups' structure.
 *
 * Subtyping of concrete types follows the declared supertypes: a type is
 * below every type on its chain of `super`. Equivalent types have
 * equivalent chains, hence the same `depth`, so whether type a is below
 * type b needs one comparison, not a search:
 *
 *     if (a.depth < b.depth) no;
 *     walk a's `super` (a.depth - b.depth) times;
 *     same module: compare canon; else wxm_type_equiv.
 *
 * This is how the runtime should test a cast (ref.test, ref.cast,
 * br_on_cast, call_indirect's signature check): the object's type and the
 * cast's target in one module is a walk of at most depth steps and one
 * comparison of canon, no structure is read; depth is at most
 * WXM_MAX_SUBTYPE_DEPTH (63). (A per-type array of the canon of its
 * supertypes, indexed by depth, would make it O(1) if casts on deep
 * hierarchies turn out to matter.)
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

/* Whether t (of module m) is a reference to a function: func, nofunc or
 * a concrete function type (struct and array types are not; a concrete
 * type m lacks is in no family). */
bool wxm_is_funcref_family(const wx_module *m, wx_valtype t);

/* The top type of t's family (t of module m), nullable (WX_FUNCREF,
 * WX_EXTERNREF, anyref, exnref): how values of t appear at the C API. t
 * itself if not a reference. A concrete type's kind decides: a function
 * type gives funcref, a struct or array type anyref. */
wx_valtype wxm_ref_top(const wx_module *m, wx_valtype t);

/* Whether value type a (of module ma) is a subtype of b (of module mb). */
bool wxm_valtype_sub(const wx_module *ma, wx_valtype a, const wx_module *mb,
                     wx_valtype b);

/* Whether defined type ia of ma and ib of mb are equivalent (see the
 * top). Both indices must exist. */
bool wxm_type_equiv(const wx_module *ma, uint32_t ia, const wx_module *mb,
                    uint32_t ib);

/* The name from before GC, for function types: wxm_type_equiv. */
bool wxm_functype_equiv(const wx_module *ma, uint32_t ia, const wx_module *mb,
                        uint32_t ib);

/* Whether type ia of ma is a subtype of ib of mb: some type on ia's
 * chain of declared supertypes (ia included) is equivalent to ib. */
bool wxm_type_sub(const wx_module *ma, uint32_t ia, const wx_module *mb,
                  uint32_t ib);

/* Type equivalence of value types (both directions of subtyping). */
static inline bool wxm_valtype_equiv(const wx_module *ma, wx_valtype a,
                                     const wx_module *mb, wx_valtype b)
{
    return wxm_valtype_sub(ma, a, mb, b) && wxm_valtype_sub(mb, b, ma, a);
}

/* The decoder's canonicalisation: whether the rec groups starting at
 * types ga of ma and gb of mb are equal (iso-recursively; references out
 * of the groups compare by wxm_type_equiv, so within one module the
 * types before the later group must have their canon). */
bool wxm_group_equiv(const wx_module *ma, uint32_t ga, const wx_module *mb,
                     uint32_t gb);

/* The hash that equal rec groups of one module share (group starting at
 * type g; canon of every type before it must be set). */
uint32_t wxm_group_hash(const wx_module *m, uint32_t g);

/* The immediates of a 0xFB (GC) instruction, as its kind in WXO_FB_LIST
 * says (unused ones are zero). */
typedef struct wxm_gc_imm {
    uint32_t x;     /* the type index; array.copy: the destination's */
    uint32_t y;     /* field index, count (array.new_fixed), data or
                       element segment, or array.copy's source type */
    uint32_t heap;  /* ref.test, ref.cast: the target heap type;
                       br_on_cast: the source heap type */
    uint32_t heap2; /* br_on_cast: the target heap type */
    uint32_t label; /* br_on_cast */
    uint8_t flags;  /* br_on_cast: bit 0 source nullable, bit 1 target */
} wxm_gc_imm;

/* Reads the immediates of GC instruction `sub` (the u32 after 0xFB, which
 * the caller read and checked to be below WXO_FB_COUNT_). Heap types are
 * read but not checked against the module's types. */
bool wxm_read_gc_imm(wxr_reader *r, uint32_t sub, wxm_gc_imm *imm);

/* The name of GC instruction `sub` (< WXO_FB_COUNT_), for messages. */
const char *wxm_gc_name(uint32_t sub);

#endif
