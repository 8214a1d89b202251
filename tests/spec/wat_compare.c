/*
 * The oracle of the text parser: every module of a .wast script, parsed
 * by wx_wat_to_wasm, against the binary that wast2json (or wasm-tools
 * json-from-wast) wrote for the same command.
 *
 *   wx-wat-compare [-v] SCRIPT.wast SCRIPT.json
 *
 * The script is cut into its top-level commands by wx_wast_next; a
 * command that is a module, or an assertion whose first argument is one
 * (assert_invalid, assert_trap on a module, ...), is looked up in the
 * JSON by its line, and compared when the JSON names a binary file for
 * it (modules that wast2json keeps as text, in assert_malformed, are the
 * spec runner's: it checks that we refuse them). Equal bytes pass, and
 * so do bytes equal once normalized (see normalize: the sections that
 * encoders choose differently left out; equal_but_elems: elem segments
 * in one of their equivalent forms), or equal as text: the two
 * binaries printed by `wasm2wat --enable-all --no-check
 * --no-debug-names` (wabt, $WASM2WAT), since an encoding may differ
 * without the module differing (a LEB128 written longer, a short block
 * type written as a type index). Prints "NAME.wast: N modules, B
 * byte-equal, E equal once normalized, F differ"; exit status 1 if any
 * differs.
 */
#include "wasmext/wat.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int verbose;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *more = realloc(buf, 2 * cap + 1);
            if (!more) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = 0;
    *len = n;
    return buf;
}

static bool write_all(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* The text of wasm2wat --no-check on `path`, or NULL. */
static char *wasm2wat(const char *path)
{
    const char *tool = getenv("WASM2WAT") ? getenv("WASM2WAT") : "wasm2wat";
    char out[512], cmd[2048];
    size_t len;
    snprintf(out, sizeof out, "%s.wat", path);
    snprintf(cmd, sizeof cmd,
             "'%s' --enable-all --no-check --no-debug-names '%s' -o '%s' "
             "2>/dev/null",
             tool, path, out);
    if (system(cmd) != 0)
        return NULL;
    char *text = read_all(out, &len);
    unlink(out);
    return text;
}

/* The JSON command at `line` that names a binary file, or NULL. */
static const char *binary_at(json_t *commands, uint32_t line)
{
    size_t i;
    json_t *c;
    json_array_foreach(commands, i, c)
    {
        if (json_integer_value(json_object_get(c, "line")) != line)
            continue;
        const char *type =
            json_string_value(json_object_get(c, "module_type"));
        if (type && strcmp(type, "binary") != 0)
            return NULL;
        return json_string_value(json_object_get(c, "filename"));
    }
    return NULL;
}

/* Past white space and annotations, (@id ...) (annotations.wast puts
 * them before a command's keyword too; their strings hold no
 * parentheses there). */
static size_t skip_blank(const char *text, size_t i, size_t end)
{
    for (;;) {
        while (i < end && (text[i] == ' ' || text[i] == '\t' ||
                           text[i] == '\n' || text[i] == '\r'))
            i++;
        if (i + 1 >= end || text[i] != '(' || text[i + 1] != '@')
            return i;
        unsigned depth = 0;
        do {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1u : 0;
            i++;
        } while (i < end && depth);
    }
}

/* The keyword after a command's "(", and where it ends. */
static bool head_is(const char *text, size_t start, size_t end,
                    const char *word, size_t *after)
{
    size_t n = strlen(word), i = skip_blank(text, start + 1, end);
    if (i + n > end || memcmp(text + i, word, n) != 0)
        return false;
    char c = text[i + n];
    if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' ||
          c == ')'))
        return false;
    *after = i + n;
    return true;
}

/* Drops the sections that encoders choose differently from a binary, in
 * place: custom sections (wasm-tools writes a name section; the parser
 * writes none) and the data count (wabt leaves it out when there is no
 * data segment, the spec and the parser write 0; a wrong count is the
 * decoder's to refuse in the spec runs). Returns the new length; a binary
 * it cannot walk is left as it is. */
static size_t normalize(uint8_t *b, size_t len)
{
    size_t in = 8, out = 8;
    if (len < 8)
        return len;
    while (in < len) {
        size_t at = in + 1, size = 0;
        unsigned shift = 0;
        uint8_t byte;
        do {
            if (at >= len || shift > 28)
                return len;
            byte = b[at++];
            size |= (size_t)(byte & 0x7F) << shift;
            shift += 7;
        } while (byte & 0x80);
        if (size > len - at)
            return len;
        if (b[in] != 0 && b[in] != 12) {
            memmove(b + out, b + in, at + size - in);
            out += at + size - in;
        }
        in = at + size;
    }
    return out;
}

/* A growable byte string, for canonical_elems. */
typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
    bool failed;
} bytes;

static void put(bytes *o, const uint8_t *v, size_t n)
{
    if (o->failed)
        return;
    if (o->n + n > o->cap) {
        size_t cap = (o->n + n) * 2 + 64;
        uint8_t *p = realloc(o->p, cap);
        if (!p) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, v, n);
    o->n += n;
}

static void put_u32(bytes *o, uint32_t v)
{
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        b |= v ? 0x80 : 0;
        put(o, &b, 1);
    } while (v);
}

/* Reads a LEB128 (at most 64 bits) at *at; false past the end. */
static bool leb(const uint8_t *b, size_t len, size_t *at, uint64_t *v)
{
    unsigned shift = 0;
    *v = 0;
    for (;;) {
        if (*at >= len || shift > 63)
            return false;
        uint8_t byte = b[(*at)++];
        *v |= (uint64_t)(byte & 0x7F) << shift;
        shift += 7;
        if (!(byte & 0x80))
            return true;
    }
}

/* Skips a constant expression through its `end`; false for an
 * instruction it does not know (the segment is then left as it is). */
static bool skip_expr(const uint8_t *b, size_t len, size_t *at)
{
    uint64_t v;
    while (*at < len) {
        uint8_t op = b[(*at)++];
        switch (op) {
        case 0x0B: return true;
        case 0x41:
        case 0x42:
        case 0x23:
        case 0xD2:
        case 0xD0:
            if (!leb(b, len, at, &v))
                return false;
            break;
        case 0xFB: /* the GC instructions of constant expressions */
            if (!leb(b, len, at, &v))
                return false;
            switch (v) {
            case 0x08: /* array.new_fixed x n */
                if (!leb(b, len, at, &v))
                    return false;
                /* fall through */
            case 0x00: /* struct.new x */
            case 0x01: /* struct.new_default x */
            case 0x06: /* array.new x */
            case 0x07: /* array.new_default x */
                if (!leb(b, len, at, &v))
                    return false;
                break;
            case 0x1A: /* any.convert_extern */
            case 0x1B: /* extern.convert_any */
            case 0x1C: /* ref.i31 */ break;
            default: return false;
            }
            break;
        case 0x43: *at += 4; break;
        case 0x44: *at += 8; break;
        case 0x6A:
        case 0x6B:
        case 0x6C:
        case 0x7C:
        case 0x7D:
        case 0x7E: break;
        default: return false;
        }
    }
    return false;
}

/* Reads a reference type at *at and copies it to o. */
static bool reftype(const uint8_t *b, size_t len, size_t *at, bytes *o)
{
    size_t start = *at;
    uint64_t v;
    if (*at >= len)
        return false;
    uint8_t first = b[(*at)++];
    if ((first == 0x63 || first == 0x64) && !leb(b, len, at, &v))
        return false;
    put(o, b + start, *at - start);
    return true;
}

/* One elem section's contents, re-encoded in one form: every segment
 * with its mode's explicit flags (2 with the table index for active
 * ones), its element type and its items as expressions. Encoders choose
 * between equivalent forms (wabt: table 0 implied and function indices
 * whenever it can; wasm-tools: the table index when the text names one,
 * even 0, and expressions as written), and wabt 1.0.32 cannot print
 * the 3.0 modules to compare them as text. */
static bool canonical_elems(const uint8_t *b, size_t len, bytes *o)
{
    size_t at = 0;
    uint64_t count, v;
    if (!leb(b, len, &at, &count))
        return false;
    put_u32(o, (uint32_t)count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t flags;
        if (!leb(b, len, &at, &flags) || flags > 7)
            return false;
        bool passive_or_declared = flags & 1, exprs = flags & 4;
        uint8_t mode = passive_or_declared ? (flags & 2 ? 3 : 1) : 2;
        put(o, (uint8_t[]){(uint8_t)(mode | 4)}, 1);
        if (!passive_or_declared) {
            uint64_t table = 0;
            if ((flags & 2) && !leb(b, len, &at, &table))
                return false;
            put_u32(o, (uint32_t)table);
            size_t start = at;
            if (!skip_expr(b, len, &at))
                return false;
            put(o, b + start, at - start);
        }
        if (flags & 3) {
            if (exprs) {
                if (!reftype(b, len, &at, o))
                    return false;
            } else {
                if (at >= len || b[at++] != 0x00)
                    return false;
                put(o, (uint8_t[]){0x70}, 1);
            }
        } else {
            put(o, (uint8_t[]){0x70}, 1);
        }
        uint64_t n;
        if (!leb(b, len, &at, &n))
            return false;
        put_u32(o, (uint32_t)n);
        for (uint64_t k = 0; k < n; k++) {
            size_t start = at;
            if (exprs) {
                if (!skip_expr(b, len, &at))
                    return false;
                put(o, b + start, at - start);
            } else {
                if (!leb(b, len, &at, &v))
                    return false;
                put(o, (uint8_t[]){0xD2}, 1);
                put_u32(o, (uint32_t)v);
                put(o, (uint8_t[]){0x0B}, 1);
            }
        }
    }
    return at == len && !o->failed;
}

/* Whether two binaries are equal once their elem sections are written
 * in one form (canonical_elems); every other section must be equal. */
static bool equal_but_elems(const uint8_t *a, size_t alen, const uint8_t *b,
                            size_t blen)
{
    size_t ia = 8, ib = 8;
    if (alen < 8 || blen < 8 || memcmp(a, b, 8) != 0)
        return false;
    while (ia < alen && ib < blen) {
        uint64_t na, nb;
        uint8_t ida = a[ia++], idb = b[ib++];
        if (ida != idb || !leb(a, alen, &ia, &na) || !leb(b, blen, &ib, &nb) ||
            na > alen - ia || nb > blen - ib)
            return false;
        bool same;
        if (ida == 9) {
            bytes ca = {0}, cb = {0};
            same = canonical_elems(a + ia, na, &ca) &&
                   canonical_elems(b + ib, nb, &cb) && ca.n == cb.n &&
                   memcmp(ca.p, cb.p, ca.n) == 0;
            free(ca.p);
            free(cb.p);
        } else {
            same = na == nb && memcmp(a + ia, b + ib, na) == 0;
        }
        if (!same)
            return false;
        ia += na;
        ib += nb;
    }
    return ia == alen && ib == blen;
}

typedef struct counts {
    unsigned modules, bytes_equal, normalized_equal, differ;
} counts;

static void compare(const char *text, size_t start, size_t end, uint32_t line,
                    const char *dir, const char *file, counts *k)
{
    char path[1024], mine[1100];
    size_t want_len;
    uint8_t *got = NULL;
    size_t got_len = 0;
    wx_error err;
    k->modules++;
    int plen = snprintf(path, sizeof path, "%s/%s", dir, file);
    char *want = plen > 0 && (size_t)plen < sizeof path
                     ? read_all(path, &want_len)
                     : NULL;
    if (wx_wat_to_wasm(text + start, end - start, &got, &got_len, &err) !=
        WX_OK) {
        k->differ++;
        printf("  line %u: refused: %s\n", line, err.message);
        free(want);
        return;
    }
    bool same = want && want_len == got_len && !memcmp(want, got, got_len);
    bool normalized = false;
    if (want && !same) {
        uint8_t *copy = malloc(got_len ? got_len : 1);
        if (copy) {
            memcpy(copy, got, got_len);
            size_t n = normalize((uint8_t *)want, want_len);
            size_t m = normalize(copy, got_len);
            normalized = (n == m && memcmp(want, copy, n) == 0) ||
                         equal_but_elems((const uint8_t *)want, n, copy, m);
            free(copy);
        }
    }
    if (same) {
        k->bytes_equal++;
    } else if (normalized) {
        k->normalized_equal++;
    } else {
        snprintf(mine, sizeof mine, "%s.mine.wasm", path);
        char *a = want ? wasm2wat(path) : NULL;
        char *b = write_all(mine, got, got_len) ? wasm2wat(mine) : NULL;
        if (a && b && strcmp(a, b) == 0) {
            k->normalized_equal++;
            unlink(mine);
        } else {
            k->differ++;
            printf("  line %u: differs from %s (mine: %s)\n", line, file,
                   mine);
            if (verbose && a && b)
                printf("---- wast2json:\n%s---- ours:\n%s", a, b);
        }
        free(a);
        free(b);
    }
    free(want);
    free(got);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        verbose = 1;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr,
                "usage: wx-wat-compare [-v] SCRIPT.wast SCRIPT.json\n");
        return 2;
    }
    size_t len;
    char *text = read_all(argv[1], &len);
    json_error_t jerr;
    json_t *script = json_load_file(argv[2], JSON_ALLOW_NUL, &jerr);
    if (!text || !script) {
        fprintf(stderr, "wx-wat-compare: cannot read %s\n",
                text ? argv[2] : argv[1]);
        return 2;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", argv[2]);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");
    json_t *commands = json_object_get(script, "commands");
    counts k = {0};
    size_t start, end, after;
    uint32_t line;
    wx_error err;
    wx_error_clear(&err);
    wx_wast_reader r;
    wx_wast_reader_init(&r, text, len);
    while (wx_wast_next(&r, &start, &end, &line, &err)) {
        size_t s = start, e = end;
        uint32_t l = line;
        if (head_is(text, start, end, "module", &after)) {
            /* a module command */
        } else if (head_is(text, start, end, "assert_invalid", &after) ||
                   head_is(text, start, end, "assert_malformed", &after) ||
                   head_is(text, start, end, "assert_unlinkable", &after) ||
                   head_is(text, start, end, "assert_trap", &after) ||
                   head_is(text, start, end, "assert_uninstantiable",
                           &after)) {
            /* An assertion on a module: its first argument, which the
             * JSON numbers by its own line. */
            wx_error inner_err;
            wx_wast_reader in = {text, end - 1, after, 0, line};
            if (!wx_wast_next(&in, &s, &e, &l, &inner_err) ||
                !head_is(text, s, e, "module", &after))
                continue;
        } else if (!head_is(text, start, end, "register", &after) &&
                   !head_is(text, start, end, "assert_return", &after) &&
                   !head_is(text, start, end, "assert_exhaustion", &after) &&
                   !head_is(text, start, end, "assert_exception", &after) &&
                   !head_is(text, start, end, "invoke", &after) &&
                   !head_is(text, start, end, "get", &after)) {
            /* A script of module fields alone is one module. */
            s = 0;
            e = len;
            r.pos = len;
        } else {
            continue;
        }
        const char *file = binary_at(commands, l);
        if (file)
            compare(text, s, e, l, dir, file, &k);
    }
    if (err.status != WX_OK) {
        printf("  cannot read the script: %s\n", err.message);
        k.differ++;
    }
    const char *name = strrchr(argv[1], '/');
    printf("%s: %u modules, %u byte-equal, %u equal once normalized, "
           "%u differ\n",
           name ? name + 1 : argv[1], k.modules, k.bytes_equal,
           k.normalized_equal, k.differ);
    json_decref(script);
    free(text);
    return k.differ ? 1 : 0;
}
