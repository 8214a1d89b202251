/*
 * Names: the UTF-8 check every name in a module must pass, and the "name"
 * custom section, which gives functions their names for traces and errors.
 *
 * The name section is advisory (the spec says an engine may ignore it), so
 * nothing here can fail a module: whatever cannot be parsed is skipped.
 */
#include "module.h"
#include "reader.h"

/* Well-formed UTF-8 as the spec defines it: shortest encodings only, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. */
bool wxm_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        uint32_t cp, min;
        size_t n;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false; /* a continuation byte, or 0xF8..0xFF */
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

enum { NAME_SUB_MODULE = 0, NAME_SUB_FUNCTION = 1, NAME_SUB_LOCAL = 2 };

/* Subsection 1: a vector of (function index, name). Entries with an index
 * out of range or a name that is not UTF-8 are skipped; a truncated vector
 * keeps the entries read before the damage. */
static void read_function_names(wx_module *m, wxr_reader *r)
{
    uint32_t n;
    if (!wxr_u32(r, &n))
        return;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t index, len;
        const uint8_t *s;
        if (!wxr_u32(r, &index) || !wxr_u32(r, &len) ||
            !wxr_bytes(r, len, &s))
            return;
        if (index >= m->nfuncs || !wxm_utf8_valid(s, len))
            continue;
        char *name = wxm_arena_strndup(&m->arena, (const char *)s, len);
        if (!name)
            return;
        m->func_names[index] = name;
    }
}

void wxm_decode_names(wx_module *m, const uint8_t *data, size_t len)
{
    wxr_reader r;
    if (!m->func_names)
        return;
    wxr_init(&r, m->bytes, data, data + len);
    while (!wxr_eof(&r)) {
        uint8_t id;
        uint32_t size;
        if (!wxr_u8(&r, &id) || !wxr_u32(&r, &size) || size > wxr_left(&r))
            return;
        if (id == NAME_SUB_FUNCTION) {
            wxr_reader sub;
            wxr_init(&sub, m->bytes, r.p, r.p + size);
            read_function_names(m, &sub);
        }
        r.p += size;
    }
}
