/*
 * A section walker over a module binary: just enough decoding to describe
 * the module (see wasmfile.h). The engine has already decoded and
 * validated the bytes; this reader is bounds-checked all the same, so a
 * surprise makes it stop, never read past the buffer.
 */
#include "wasmfile.h"

#include <stdlib.h>
#include <string.h>

typedef struct reader {
    const uint8_t *p, *end;
    bool bad;
} reader;

static uint8_t rd_u8(reader *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

/* An unsigned LEB128 of at most `bits` bits' worth of bytes. */
static uint64_t rd_uleb(reader *r, unsigned bits)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < (bits + 6) / 7 * 7; shift += 7) {
        uint8_t b = rd_u8(r);
        if (r->bad)
            return 0;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static uint32_t rd_u32(reader *r)
{
    return (uint32_t)rd_uleb(r, 32);
}

/* A u64, as the limits of 64-bit memories and tables are written. */
static uint64_t rd_u64(reader *r)
{
    return rd_uleb(r, 64);
}

static void rd_skip(reader *r, uint32_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        r->p = r->end;
        return;
    }
    r->p += n;
}

static const uint8_t *rd_name(reader *r, uint32_t *len)
{
    *len = rd_u32(r);
    const uint8_t *s = r->p;
    rd_skip(r, *len);
    return r->bad ? NULL : s;
}

/* Flags (bit 0: a maximum; bit 2: 64-bit addresses, WebAssembly 3.0),
 * then the bounds: u64s in 3.0's encoding, which u32s are too. */
static wx_limits rd_limits(reader *r)
{
    wx_limits l = {0};
    uint8_t flags = rd_u8(r);
    l.addr64 = (flags & 4) != 0;
    l.min = rd_u64(r);
    if (flags & 1) {
        l.has_max = true;
        l.max = rd_u64(r);
    }
    return l;
}

/* A vector of `n` elements of `size` bytes, or NULL on a count the
 * section cannot hold (each element takes at least one byte). */
static void *alloc_vec(reader *r, uint32_t n, size_t size)
{
    if (n > (size_t)(r->end - r->p)) {
        r->bad = true;
        return NULL;
    }
    void *p = calloc(n ? n : 1, size);
    if (!p)
        r->bad = true;
    return p;
}

/* Appends to a space list that grows in two sections (imports first). */
static bool space_push(cli_space **list, uint32_t *n, cli_space s)
{
    cli_space *more = realloc(*list, (*n + 1) * sizeof **list);
    if (!more)
        return false;
    more[(*n)++] = s;
    *list = more;
    return true;
}

static void read_imports(reader *r, cli_wasmfile *wf)
{
    uint32_t n = rd_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        uint32_t len;
        rd_name(r, &len);
        rd_name(r, &len);
        cli_space s = {.imported = true, .elem = WX_FUNCREF};
        switch (rd_u8(r)) {
        case 0:
            rd_u32(r);
            wf->func_imports++;
            break;
        case 1:
            s.elem = (wx_valtype)rd_u8(r);
            s.limits = rd_limits(r);
            if (!r->bad && !space_push(&wf->tables, &wf->ntables, s))
                r->bad = true;
            break;
        case 2:
            s.limits = rd_limits(r);
            if (!r->bad && !space_push(&wf->memories, &wf->nmemories, s))
                r->bad = true;
            break;
        case 3:
            rd_u8(r);
            rd_u8(r);
            wf->global_imports++;
            break;
        default: r->bad = true;
        }
    }
}

static void read_spaces(reader *r, cli_wasmfile *wf, bool tables)
{
    uint32_t n = rd_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        cli_space s = {.imported = false, .elem = WX_FUNCREF};
        if (tables)
            s.elem = (wx_valtype)rd_u8(r);
        s.limits = rd_limits(r);
        if (r->bad)
            break;
        bool pushed = tables ? space_push(&wf->tables, &wf->ntables, s)
                             : space_push(&wf->memories, &wf->nmemories, s);
        if (!pushed)
            r->bad = true;
    }
}

static void read_exports(reader *r, cli_wasmfile *wf)
{
    uint32_t n = rd_u32(r);
    wf->exports = alloc_vec(r, n, sizeof *wf->exports);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        uint32_t len;
        rd_name(r, &len);
        wf->exports[i].kind = (wx_externkind)rd_u8(r);
        wf->exports[i].index = rd_u32(r);
        if (!r->bad)
            wf->nexports = i + 1;
    }
}

/* A value or storage type: one byte, or (ref null? ht) with the heap
 * type as an s33 (3.0). */
static void skip_valtype(reader *r)
{
    uint8_t b = rd_u8(r);
    if (b == 0x63 || b == 0x64)
        rd_uleb(r, 33); /* a signed LEB has the same byte length */
}

/* One subtype of the type section: (sub final? supertypes) and a
 * function, struct or array type. */
static void skip_subtype(reader *r)
{
    uint8_t form = rd_u8(r);
    if (form == 0x50 || form == 0x4F) {
        for (uint32_t n = rd_u32(r); n > 0 && !r->bad; n--)
            rd_u32(r);
        form = rd_u8(r);
    }
    uint32_t n;
    switch (form) {
    case 0x60:
        for (int list = 0; list < 2 && !r->bad; list++)
            for (n = rd_u32(r); n > 0 && !r->bad; n--)
                skip_valtype(r);
        break;
    case 0x5F:
        for (n = rd_u32(r); n > 0 && !r->bad; n--) {
            skip_valtype(r);
            rd_u8(r); /* mutability */
        }
        break;
    case 0x5E:
        skip_valtype(r);
        rd_u8(r);
        break;
    default: r->bad = true;
    }
}

/* The number of types: 3.0's rec groups (0x4E and a vector of subtypes)
 * count each of their types. Should a type surprise the walk, the count
 * of entries stands, and the other sections are still described. */
static void read_types(reader *r, cli_wasmfile *wf)
{
    uint32_t entries = rd_u32(r), ntypes = 0;
    reader t = *r;
    for (uint32_t i = 0; i < entries && !t.bad; i++) {
        uint32_t n = 1;
        if (t.p < t.end && *t.p == 0x4E) {
            t.p++;
            n = rd_u32(&t);
        }
        for (uint32_t k = 0; k < n && !t.bad; k++) {
            skip_subtype(&t);
            ntypes++;
        }
    }
    wf->ntypes = t.bad ? entries : ntypes;
}

static void read_code(reader *r, cli_wasmfile *wf)
{
    uint32_t n = rd_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        uint32_t size = rd_u32(r);
        rd_skip(r, size);
        wf->code_bytes += size;
    }
}

/* Reads one section's contents (the reader spans exactly them). */
static void read_section(reader *r, cli_section *s, cli_wasmfile *wf)
{
    switch (s->id) {
    case 0: s->name = rd_name(r, &s->name_len); break;
    case 1: read_types(r, wf); break;
    case 2: read_imports(r, wf); break;
    case 3: wf->funcs_defined = rd_u32(r); break;
    case 4: read_spaces(r, wf, true); break;
    case 5: read_spaces(r, wf, false); break;
    case 6: wf->globals_defined = rd_u32(r); break;
    case 7: read_exports(r, wf); break;
    case 8:
        wf->has_start = true;
        wf->start = rd_u32(r);
        break;
    case 9: wf->nelems = rd_u32(r); break;
    case 10: read_code(r, wf); break;
    case 11: wf->ndatas = rd_u32(r); break;
    default: break;
    }
}

bool cli_wasmfile_read(const uint8_t *bytes, size_t len, cli_wasmfile *out)
{
    memset(out, 0, sizeof *out);
    if (len < 8 || memcmp(bytes, "\0asm", 4) != 0 || len > UINT32_MAX)
        return false;
    reader r = {bytes + 8, bytes + len, false};
    /* Every section takes at least two bytes: that bounds the count. */
    out->sections = calloc(len / 2 + 1, sizeof *out->sections);
    if (!out->sections)
        return false;
    while (r.p < r.end && !r.bad) {
        cli_section *s = &out->sections[out->nsections];
        s->id = rd_u8(&r);
        s->size = rd_u32(&r);
        s->offset = (uint32_t)(r.p - bytes);
        if (r.bad || (size_t)(r.end - r.p) < s->size) {
            r.bad = true;
            break;
        }
        reader sub = {r.p, r.p + s->size, false};
        read_section(&sub, s, out);
        if (sub.bad)
            r.bad = true;
        r.p += s->size;
        out->nsections++;
    }
    out->ok = !r.bad;
    return out->ok;
}

void cli_wasmfile_free(cli_wasmfile *wf)
{
    free(wf->sections);
    free(wf->memories);
    free(wf->tables);
    free(wf->exports);
    memset(wf, 0, sizeof *wf);
}

const char *cli_section_name(uint8_t id)
{
    static const char *const names[] = {
        "custom", "type",   "import",    "function", "table",
        "memory", "global", "export",    "start",    "elem",
        "code",   "data",   "datacount",
    };
    return id < sizeof names / sizeof names[0] ? names[id] : "?";
}

const char *cli_func_export_name(const wx_module *m, const cli_wasmfile *wf,
                                 uint32_t func_index)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n && i < wf->nexports; i++) {
        if (wf->exports[i].kind != WX_EXTERN_FUNC ||
            wf->exports[i].index != func_index)
            continue;
        wx_externdesc d;
        if (wx_module_export(m, i, &d) && strlen(d.name) == d.name_len)
            return d.name;
    }
    return NULL;
}
