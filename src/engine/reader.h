/*
 * Bounds-checked reading of the binary format (bytes, LEB128 integers,
 * floats). Shared by the decoder, the validator and the compiler. Every
 * function returns false on error and sets r->error to a static message
 * with the spec test suite's wording ("unexpected end", "integer too large",
 * "integer representation too long"); r->p is then left at the failing byte
 * so the caller can report its offset (wxr_offset).
 */
#ifndef WX_ENGINE_READER_H
#define WX_ENGINE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wxr_reader {
    const uint8_t *base; /* start of the whole module, for offsets */
    const uint8_t *p;
    const uint8_t *end;
    const char *error;
} wxr_reader;

static inline void wxr_init(wxr_reader *r, const uint8_t *base,
                            const uint8_t *p, const uint8_t *end)
{
    r->base = base;
    r->p = p;
    r->end = end;
    r->error = NULL;
}

static inline uint32_t wxr_offset(const wxr_reader *r)
{
    return (uint32_t)(r->p - r->base);
}

static inline bool wxr_eof(const wxr_reader *r) { return r->p >= r->end; }

static inline size_t wxr_left(const wxr_reader *r)
{
    return (size_t)(r->end - r->p);
}

static inline bool wxr_fail(wxr_reader *r, const char *msg)
{
    if (!r->error)
        r->error = msg;
    return false;
}

static inline bool wxr_u8(wxr_reader *r, uint8_t *out)
{
    if (r->p >= r->end)
        return wxr_fail(r, "unexpected end");
    *out = *r->p++;
    return true;
}

static inline bool wxr_bytes(wxr_reader *r, size_t n, const uint8_t **out)
{
    if (wxr_left(r) < n)
        return wxr_fail(r, "unexpected end");
    *out = r->p;
    r->p += n;
    return true;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline bool wxr_uleb(wxr_reader *r, unsigned bits, uint64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return wxr_fail(r, "unexpected end");
        uint8_t b = *r->p;
        if (i == max_bytes - 1) {
            /* Last permitted byte: continuation bit set means too long,
             * unused high bits set means too large. */
            if (b & 0x80)
                return wxr_fail(r, "integer representation too long");
            unsigned used = bits - shift;
            if (used < 7 && (b >> used) != 0)
                return wxr_fail(r, "integer too large");
        }
        r->p++;
        result |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    *out = result;
    return true;
}

/* Signed LEB128 of at most `bits` bits (32, 33 or 64). */
static inline bool wxr_sleb(wxr_reader *r, unsigned bits, int64_t *out)
{
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    uint8_t b;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end)
            return wxr_fail(r, "unexpected end");
        b = *r->p;
        if (i == max_bytes - 1) {
            if (b & 0x80)
                return wxr_fail(r, "integer representation too long");
            /* The unused high bits must all equal the sign bit. */
            unsigned used = bits - shift; /* payload bits in this byte */
            if (used < 7) {
                int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend 7 bits */
                int8_t top = (int8_t)(sb >> (used - 1));
                if (top != 0 && top != -1)
                    return wxr_fail(r, "integer too large");
            }
        }
        r->p++;
        result |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        result |= ~(uint64_t)0 << shift;
    *out = (int64_t)result;
    return true;
}

static inline bool wxr_u32(wxr_reader *r, uint32_t *out)
{
    uint64_t v;
    if (!wxr_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool wxr_s32(wxr_reader *r, int32_t *out)
{
    int64_t v;
    if (!wxr_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

static inline bool wxr_s64(wxr_reader *r, int64_t *out)
{
    return wxr_sleb(r, 64, out);
}

static inline bool wxr_f32(wxr_reader *r, uint32_t *bits)
{
    const uint8_t *b;
    if (!wxr_bytes(r, 4, &b))
        return false;
    memcpy(bits, b, 4); /* the format is little-endian, as is our host */
    return true;
}

static inline bool wxr_f64(wxr_reader *r, uint64_t *bits)
{
    const uint8_t *b;
    if (!wxr_bytes(r, 8, &b))
        return false;
    memcpy(bits, b, 8);
    return true;
}

#endif
