/*
 * The text format's tokens and literals (textfmt.h): the arena and byte
 * buffers every part of the parser writes into, the lexer, numbers by the
 * spec's grammar (underscores, hex, hex floats, inf, nan:0x...), strings
 * with their escapes, and the script reader's first step, wx_wast_next.
 */
#include "textfmt.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- arena */

struct wxt_arena_block {
    wxt_arena_block *next;
    max_align_t data[];
};

void *wxt_alloc(wxt_parser *p, size_t n)
{
    wxt_arena_block *b = malloc(sizeof *b + (n ? n : 1));
    if (!b)
        wxt_nomem(p);
    b->next = p->arena;
    p->arena = b;
    return b->data;
}

void wxt_arena_free(wxt_parser *p)
{
    while (p->arena) {
        wxt_arena_block *next = p->arena->next;
        free(p->arena);
        p->arena = next;
    }
}

_Noreturn void wxt_nomem(wxt_parser *p)
{
    p->status = WX_ENOMEM;
    wx_error_set(p->err, WX_ENOMEM, "out of memory while parsing text");
    longjmp(p->fail, 1);
}

_Noreturn void wxt_fail(wxt_parser *p, const wxt_tok *at, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    p->status = WX_EMALFORMED;
    if (at)
        wx_error_set(p->err, WX_EMALFORMED, "%u:%u: %s", at->line, at->col,
                     what);
    else
        wx_error_set(p->err, WX_EMALFORMED, "%s", what);
    longjmp(p->fail, 1);
}

/* ----------------------------------------------------------- buffers */

static void reserve(wxt_parser *p, wxt_buf *b, size_t more)
{
    if (b->n + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->n + more)
        cap *= 2;
    /* The old block stays in the arena until the end: simpler than a
     * realloc that the arena would have to follow, at most twice the
     * memory. */
    uint8_t *q = wxt_alloc(p, cap);
    if (b->n)
        memcpy(q, b->p, b->n);
    b->p = q;
    b->cap = cap;
}

void wxt_byte(wxt_parser *p, wxt_buf *b, uint8_t v)
{
    reserve(p, b, 1);
    b->p[b->n++] = v;
}

void wxt_bytes(wxt_parser *p, wxt_buf *b, const void *v, size_t n)
{
    if (!n)
        return;
    reserve(p, b, n);
    memcpy(b->p + b->n, v, n);
    b->n += n;
}

void wxt_u32(wxt_parser *p, wxt_buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        wxt_byte(p, b, byte | (v ? 0x80 : 0));
    } while (v);
}

void wxt_s64(wxt_parser *p, wxt_buf *b, int64_t v)
{
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7; /* arithmetic on every compiler we build with */
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        wxt_byte(p, b, byte | (done ? 0 : 0x80));
        if (done)
            return;
    }
}

void wxt_vec(wxt_parser *p, wxt_buf *out, uint32_t count, const wxt_buf *items)
{
    wxt_u32(p, out, count);
    wxt_bytes(p, out, items->p, items->n);
}

/* ----------------------------------------------------------- lexer */

static bool is_idchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-./:<=>?@\\^_`|~", c) != NULL;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t string_end(const char *s, size_t len, size_t i,
                         const char **why);
static bool skip_space(const char *s, size_t len, size_t *pos, uint32_t *line,
                       size_t *line_start, bool annotations, const char **why);

static bool valid_utf8(const uint8_t *s, uint32_t n);
static int digit_value(char c, bool hex);

/* Whether the string token s[i..end) decodes to a non-empty valid UTF-8
 * name (an annotation's id written as a string). The lexer has checked
 * its escapes. */
static bool string_is_name(const char *s, size_t i, size_t end)
{
    uint8_t *buf = malloc(end - i);
    uint32_t n = 0;
    if (!buf)
        return false;
    for (size_t k = i + 1; k + 1 < end; k++) {
        if (s[k] != '\\') {
            buf[n++] = (uint8_t)s[k];
        } else if (s[k + 1] == 'u') {
            /* \u{...} is a valid scalar value (string_end checked it):
             * stand in with an ASCII byte. */
            while (s[k] != '}')
                k++;
            buf[n++] = 'u';
        } else if (digit_value(s[k + 1], true) >= 0 &&
                   digit_value(s[k + 2], true) >= 0) {
            buf[n++] = (uint8_t)(digit_value(s[k + 1], true) * 16 +
                                 digit_value(s[k + 2], true));
            k += 2;
        } else {
            buf[n++] = (uint8_t)s[++k];
        }
    }
    bool ok = n > 0 && valid_utf8(buf, n);
    free(buf);
    return ok;
}

/* An annotation, `(@id ...)` (WebAssembly 3.0's text format: custom
 * annotations, which a reader without them ignores): from s[*pos] == '('
 * to its balanced ")", strings and comments inside included. */
static bool skip_annotation(const char *s, size_t len, size_t *pos,
                            uint32_t *line, size_t *line_start,
                            const char **why)
{
    size_t i = *pos + 2;
    unsigned depth = 1;
    if (i < len && s[i] == '"') {
        size_t end = string_end(s, len, i, why);
        if (!end)
            return false;
        if (!string_is_name(s, i, end)) {
            *why = "empty annotation id, or not UTF-8";
            return false;
        }
        i = end;
    } else if (i >= len || !is_idchar((unsigned char)s[i])) {
        *why = "empty annotation id";
        return false;
    }
    while (depth) {
        /* Inside, `(@` is a parenthesis like any other. */
        if (!skip_space(s, len, &i, line, line_start, false, why))
            return false;
        if (i >= len) {
            *why = "unclosed annotation";
            return false;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            size_t end = string_end(s, len, i, why);
            if (!end)
                return false;
            i = end;
        } else if ((c < 0x20 && !is_space(c)) || c >= 0x7F) {
            *why = "illegal character in annotation";
            return false;
        } else {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            i++;
        }
    }
    *pos = i;
    return true;
}

/* Skips white space, comments and (if `annotations`) annotations; false
 * with *why at an unclosed block comment or annotation. */
static bool skip_space(const char *s, size_t len, size_t *pos, uint32_t *line,
                       size_t *line_start, bool annotations, const char **why)
{
    size_t i = *pos;
    while (i < len) {
        char c = s[i];
        if (c == '\n') {
            (*line)++;
            *line_start = ++i;
        } else if (is_space((unsigned char)c)) {
            i++;
        } else if (c == ';' && i + 1 < len && s[i + 1] == ';') {
            while (i < len && s[i] != '\n')
                i++;
        } else if (c == '(' && i + 1 < len && s[i + 1] == ';') {
            /* An unclosed comment is reported where it opens. */
            size_t open = i, open_line_start = *line_start;
            uint32_t open_line = *line;
            unsigned depth = 1;
            i += 2;
            while (depth) {
                if (i >= len) {
                    *pos = open;
                    *line = open_line;
                    *line_start = open_line_start;
                    *why = "unclosed block comment";
                    return false;
                }
                if (s[i] == '(' && i + 1 < len && s[i + 1] == ';') {
                    depth++;
                    i += 2;
                } else if (s[i] == ';' && i + 1 < len && s[i + 1] == ')') {
                    depth--;
                    i += 2;
                } else {
                    if (s[i] == '\n') {
                        (*line)++;
                        *line_start = i + 1;
                    }
                    i++;
                }
            }
        } else if (annotations && c == '(' && i + 1 < len && s[i + 1] == '@') {
            size_t open = i, open_line_start = *line_start;
            uint32_t open_line = *line;
            if (!skip_annotation(s, len, &i, line, line_start, why)) {
                *pos = open;
                *line = open_line;
                *line_start = open_line_start;
                return false;
            }
        } else {
            break;
        }
    }
    *pos = i;
    return true;
}

/* The end of the string that starts at s[i] == '"', checking that it
 * holds no control character and no unknown escape; 0 if unclosed or
 * bad (with *why). */
static size_t string_end(const char *s, size_t len, size_t i, const char **why)
{
    for (i++; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"')
            return i + 1;
        if (c < 0x20 || c == 0x7F) {
            *why =
                c == '\n' ? "unclosed string" : "illegal character in string";
            return 0;
        }
        if (c != '\\')
            continue;
        if (++i >= len)
            break;
        c = (unsigned char)s[i];
        if (c && strchr("tnr\"'\\", c))
            continue;
        if (c == 'u') {
            size_t j = i + 1;
            if (j >= len || s[j] != '{') {
                *why = "malformed \\u escape in string";
                return 0;
            }
            unsigned long v = 0;
            size_t digits = 0;
            for (j++; j < len && s[j] != '}'; j++, digits++) {
                int d = (s[j] >= '0' && s[j] <= '9')   ? s[j] - '0'
                        : (s[j] >= 'a' && s[j] <= 'f') ? s[j] - 'a' + 10
                        : (s[j] >= 'A' && s[j] <= 'F') ? s[j] - 'A' + 10
                        : s[j] == '_' && digits        ? -2
                                                       : -1;
                if (d == -1) {
                    *why = "malformed \\u escape in string";
                    return 0;
                }
                if (d >= 0 && (v = v * 16 + (unsigned long)d) > 0x10FFFF)
                    v = 0x110000;
            }
            if (j >= len || !digits || v >= 0x110000 ||
                (v >= 0xD800 && v < 0xE000)) {
                *why = "malformed \\u escape in string";
                return 0;
            }
            i = j;
            continue;
        }
        if (isxdigit((unsigned char)c) && i + 1 < len &&
            isxdigit((unsigned char)s[i + 1])) {
            i++;
            continue;
        }
        *why = "unknown escape in string";
        return 0;
    }
    *why = "unclosed string";
    return 0;
}

bool wxt_lex_one(const char *s, size_t len, size_t *pos, uint32_t *line,
                 size_t *line_start, wxt_tok *t, const char **why)
{
    if (!skip_space(s, len, pos, line, line_start, true, why)) {
        t->kind = WXT_EOF;
        t->s = s + *pos;
        t->len = 0;
        t->line = *line;
        t->col = (uint32_t)(*pos - *line_start + 1);
        return false;
    }
    size_t i = *pos;
    t->s = s + i;
    t->line = *line;
    t->col = (uint32_t)(i - *line_start + 1);
    t->len = 0;
    if (i >= len) {
        t->kind = WXT_EOF;
        return true;
    }
    unsigned char c = (unsigned char)s[i];
    size_t end;
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? WXT_LP : WXT_RP;
        end = i + 1;
    } else if (c == '"') {
        t->kind = WXT_STR;
        if (!(end = string_end(s, len, i, why)))
            return false;
    } else if (c == '$' && i + 1 < len && s[i + 1] == '"') {
        t->kind = WXT_ID; /* $"name" (3.0) */
        if (!(end = string_end(s, len, i + 1, why)))
            return false;
    } else if (is_idchar(c)) {
        t->kind = c == '$' ? WXT_ID : WXT_KW;
        for (end = i; end < len && is_idchar((unsigned char)s[end]); end++)
            ;
        if (t->kind == WXT_ID && end == i + 1) {
            *why = "empty identifier";
            return false;
        }
    } else {
        *why = "unexpected character";
        return false;
    }
    /* Tokens that touch without a space between them (`"a""b"`, `i32"x"`)
     * form one reserved token in the spec's grammar: refuse them. */
    bool quoted = t->kind == WXT_STR || (t->kind == WXT_ID && s[i + 1] == '"');
    if (t->kind != WXT_LP && t->kind != WXT_RP && end < len &&
        (s[end] == '"' || (quoted && is_idchar((unsigned char)s[end])))) {
        *why = "unknown token (tokens must be separated)";
        return false;
    }
    t->len = (uint32_t)(end - i);
    *pos = end;
    return true;
}

/* The source text is UTF-8 (comments and strings included): the place of
 * the first byte that breaks it, if any, is an error. */
static void check_utf8_text(wxt_parser *p, const char *text, size_t len)
{
    uint32_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') {
            line++;
            line_start = i + 1;
        }
        if (c < 0x80)
            continue;
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k > len || k > 4 || c < 0xC2 || c > 0xF4 ||
            !valid_utf8((const uint8_t *)text + i, (uint32_t)k)) {
            wxt_tok at = {.kind = WXT_EOF,
                          .s = text + i,
                          .line = line,
                          .col = (uint32_t)(i - line_start + 1)};
            wxt_fail(p, &at, "malformed UTF-8 encoding");
        }
        i += k - 1;
    }
}

uint8_t *wxt_string(wxt_parser *p, const wxt_tok *t, uint32_t *len);

/* Sets an id token's name: the text after '$', or its string decoded,
 * which must be a non-empty UTF-8 name. */
static void id_name(wxt_parser *p, wxt_tok *t)
{
    if (t->s[1] != '"') {
        t->name = t->s + 1;
        t->name_len = t->len - 1;
        return;
    }
    wxt_tok str = *t;
    str.kind = WXT_STR;
    str.s++;
    str.len--;
    uint32_t n;
    uint8_t *name = wxt_string(p, &str, &n);
    if (!n)
        wxt_fail(p, t, "empty identifier");
    if (!valid_utf8(name, n))
        wxt_fail(p, t, "malformed UTF-8 encoding in identifier");
    t->name = (const char *)name;
    t->name_len = n;
}

void wxt_lex(wxt_parser *p, const char *text, size_t len)
{
    size_t pos = 0, line_start = 0, cap = 64;
    uint32_t line = 1;
    if (len > UINT32_MAX / 2) {
        wxt_fail(p, NULL, "text too long");
    }
    check_utf8_text(p, text, len);
    p->toks = wxt_alloc(p, cap * sizeof *p->toks);
    p->ntoks = 0;
    for (;;) {
        if (p->ntoks == cap) {
            wxt_tok *more = wxt_alloc(p, 2 * cap * sizeof *more);
            memcpy(more, p->toks, cap * sizeof *more);
            p->toks = more;
            cap *= 2;
        }
        wxt_tok *t = &p->toks[p->ntoks];
        const char *why = NULL;
        if (!wxt_lex_one(text, len, &pos, &line, &line_start, t, &why)) {
            t->line = line;
            t->col = (uint32_t)(pos - line_start + 1);
            wxt_fail(p, t, "%s", why);
        }
        p->ntoks++;
        if (t->kind == WXT_ID)
            id_name(p, t);
        if (t->kind == WXT_EOF)
            return;
    }
}

/* ----------------------------------------------------------- tokens */

const wxt_tok *wxt_peek(wxt_parser *p, uint32_t ahead)
{
    uint32_t i = p->pos + ahead;
    return &p->toks[i < p->ntoks ? i : p->ntoks - 1];
}

const wxt_tok *wxt_next(wxt_parser *p)
{
    const wxt_tok *t = wxt_peek(p, 0);
    if (t->kind != WXT_EOF)
        p->pos++;
    return t;
}

bool wxt_is_kw(const wxt_tok *t, const char *word)
{
    return t->kind == WXT_KW && strlen(word) == t->len &&
           memcmp(t->s, word, t->len) == 0;
}

bool wxt_is_open(wxt_parser *p, const char *word)
{
    return wxt_peek(p, 0)->kind == WXT_LP && wxt_is_kw(wxt_peek(p, 1), word);
}

static const char *describe(const wxt_tok *t, char *buf, size_t n)
{
    switch (t->kind) {
    case WXT_LP: return "\"(\"";
    case WXT_RP: return "\")\"";
    case WXT_EOF: return "end of text";
    default:
        snprintf(buf, n, "\"%.*s\"", t->len > 40 ? 40 : (int)t->len, t->s);
        return buf;
    }
}

void wxt_expect_lp(wxt_parser *p)
{
    const wxt_tok *t = wxt_next(p);
    char b[64];
    if (t->kind != WXT_LP)
        wxt_fail(p, t, "unexpected token %s, expected \"(\"",
                 describe(t, b, sizeof b));
}

void wxt_expect_rp(wxt_parser *p)
{
    const wxt_tok *t = wxt_next(p);
    char b[64];
    if (t->kind != WXT_RP)
        wxt_fail(p, t, "unexpected token %s, expected \")\"",
                 describe(t, b, sizeof b));
}

const wxt_tok *wxt_expect_kw(wxt_parser *p, const char *word)
{
    const wxt_tok *t = wxt_next(p);
    char b[64];
    if (!wxt_is_kw(t, word))
        wxt_fail(p, t, "unexpected token %s, expected \"%s\"",
                 describe(t, b, sizeof b), word);
    return t;
}

bool wxt_same_id(const wxt_tok *a, const wxt_tok *b)
{
    return a && b && a->name_len == b->name_len &&
           memcmp(a->name, b->name, a->name_len) == 0;
}

/* ----------------------------------------------------------- numbers */

static int digit_value(char c, bool hex)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (hex && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Digits with single underscores between them, from s[*i]: the count of
 * digits, 0 if none or misplaced underscores. */
static size_t digits(const char *s, size_t len, size_t *i, bool hex)
{
    size_t n = 0;
    while (*i < len) {
        if (digit_value(s[*i], hex) >= 0) {
            n++;
            (*i)++;
        } else if (s[*i] == '_' && n && *i + 1 < len &&
                   digit_value(s[*i + 1], hex) >= 0) {
            (*i)++;
        } else {
            break;
        }
    }
    return n;
}

/* An unsigned integer token (decimal or 0x hex, with underscores):
 * false if the token is not one, *overflow if it passes 2^64 - 1. */
static bool parse_u64(const char *s, size_t len, uint64_t *out, bool *overflow)
{
    bool hex = len > 2 && s[0] == '0' && s[1] == 'x';
    size_t i = hex ? 2 : 0, start = i;
    if (!digits(s, len, &i, hex) || i != len)
        return false;
    uint64_t v = 0, base = hex ? 16 : 10;
    *overflow = false;
    for (i = start; i < len; i++) {
        if (s[i] == '_')
            continue;
        uint64_t d = (uint64_t)digit_value(s[i], hex);
        if (v > (UINT64_MAX - d) / base)
            *overflow = true;
        v = v * base + d;
    }
    *out = v;
    return true;
}

bool wxt_is_nat(const wxt_tok *t)
{
    uint64_t v;
    bool over;
    return t->kind == WXT_KW && parse_u64(t->s, t->len, &v, &over);
}

uint64_t wxt_nat(wxt_parser *p, const wxt_tok *t, uint64_t max)
{
    uint64_t v;
    bool over;
    char b[64];
    if (t->kind != WXT_KW || !parse_u64(t->s, t->len, &v, &over))
        wxt_fail(p, t, "unexpected token %s, expected a natural number",
                 describe(t, b, sizeof b));
    if (over || v > max)
        wxt_fail(p, t, "constant out of range: %.*s", (int)t->len, t->s);
    return v;
}

uint64_t wxt_int(wxt_parser *p, const wxt_tok *t, unsigned bits)
{
    const char *s = t->s;
    size_t len = t->len;
    bool neg = false, sign = false;
    uint64_t v;
    bool over;
    if (t->kind == WXT_KW && len && (s[0] == '+' || s[0] == '-')) {
        sign = true;
        neg = s[0] == '-';
        s++;
        len--;
    }
    if (t->kind != WXT_KW || !parse_u64(s, len, &v, &over))
        wxt_fail(p, t,
                 "malformed number: expected an i%u constant, got "
                 "\"%.*s\"",
                 bits, (int)t->len > 40 ? 40 : (int)t->len, t->s);
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    uint64_t half = UINT64_C(1) << (bits - 1);
    if (over || (!sign && v > umax) || (sign && !neg && v >= half) ||
        (neg && v > half))
        wxt_fail(p, t, "constant out of range: i%u %.*s", bits, (int)t->len,
                 t->s);
    return neg ? (uint64_t)0 - v : v;
}

/* A float literal's syntax, strictly (strtod takes more than the text
 * format does); true if well formed. */
static bool float_syntax(const char *s, size_t len)
{
    size_t i = 0;
    bool hex = len > 2 && s[0] == '0' && s[1] == 'x';
    if (hex)
        i = 2;
    if (!digits(s, len, &i, hex))
        return false;
    if (i < len && s[i] == '.') {
        i++;
        if (i < len && digit_value(s[i], hex) >= 0 && !digits(s, len, &i, hex))
            return false;
    }
    if (i < len &&
        (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!digits(s, len, &i, false))
            return false;
    }
    return i == len;
}

/* The bits of a float literal of `bits` (32 or 64) width. */
static uint64_t parse_float(wxt_parser *p, const wxt_tok *t, unsigned bits)
{
    const char *s = t->s;
    size_t len = t->len;
    bool neg = false;
    unsigned mant = bits == 32 ? 23 : 52;
    uint64_t sign_bit = (uint64_t)1 << (bits - 1);
    uint64_t exp_all = bits == 32 ? 0x7F800000u : UINT64_C(0x7FF0000000000000);
    if (t->kind != WXT_KW)
        goto bad;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        len--;
    }
    uint64_t sign = neg ? sign_bit : 0;
    if (len == 3 && memcmp(s, "inf", 3) == 0)
        return sign | exp_all;
    if (len == 3 && memcmp(s, "nan", 3) == 0)
        return sign | exp_all | ((uint64_t)1 << (mant - 1));
    if (len > 4 && memcmp(s, "nan:", 4) == 0) {
        uint64_t payload;
        bool over;
        if (len < 7 || s[4] != '0' || s[5] != 'x' ||
            !parse_u64(s + 4, len - 4, &payload, &over))
            goto bad;
        if (over || payload == 0 || payload >= ((uint64_t)1 << mant))
            wxt_fail(p, t, "constant out of range: NaN payload %.*s",
                     (int)t->len, t->s);
        return sign | exp_all | payload;
    }
    if (!float_syntax(s, len))
        goto bad;
    char small[128], *buf = len < sizeof small ? small : wxt_alloc(p, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            buf[n++] = s[i];
    buf[n] = 0;
    uint64_t out;
    bool inf;
    if (bits == 32) {
        float f = strtof(buf, NULL);
        uint32_t u;
        memcpy(&u, &f, 4);
        out = u;
        inf = isinf(f);
    } else {
        double d = strtod(buf, NULL);
        memcpy(&out, &d, 8);
        inf = isinf(d);
    }
    if (inf)
        wxt_fail(p, t, "constant out of range: f%u %.*s", bits, (int)t->len,
                 t->s);
    return out | sign;
bad:
    wxt_fail(p, t, "malformed number: expected an f%u constant, got \"%.*s\"",
             bits, (int)t->len > 40 ? 40 : (int)t->len, t->s);
}

uint32_t wxt_f32(wxt_parser *p, const wxt_tok *t)
{
    return (uint32_t)parse_float(p, t, 32);
}

uint64_t wxt_f64(wxt_parser *p, const wxt_tok *t)
{
    return parse_float(p, t, 64);
}

/* ----------------------------------------------------------- strings */

static void put_utf8(uint8_t *out, uint32_t *n, unsigned long c)
{
    if (c < 0x80) {
        out[(*n)++] = (uint8_t)c;
    } else if (c < 0x800) {
        out[(*n)++] = (uint8_t)(0xC0 | (c >> 6));
        out[(*n)++] = (uint8_t)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out[(*n)++] = (uint8_t)(0xE0 | (c >> 12));
        out[(*n)++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[(*n)++] = (uint8_t)(0x80 | (c & 0x3F));
    } else {
        out[(*n)++] = (uint8_t)(0xF0 | (c >> 18));
        out[(*n)++] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
        out[(*n)++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[(*n)++] = (uint8_t)(0x80 | (c & 0x3F));
    }
}

uint8_t *wxt_string(wxt_parser *p, const wxt_tok *t, uint32_t *len)
{
    char b[64];
    if (t->kind != WXT_STR)
        wxt_fail(p, t, "unexpected token %s, expected a string",
                 describe(t, b, sizeof b));
    /* The lexer checked the escapes; decoding never grows the text. */
    uint8_t *out = wxt_alloc(p, t->len);
    uint32_t n = 0;
    for (uint32_t i = 1; i + 1 < t->len; i++) {
        char c = t->s[i];
        if (c != '\\') {
            out[n++] = (uint8_t)c;
            continue;
        }
        c = t->s[++i];
        switch (c) {
        case 't': out[n++] = '\t'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case '"':
        case '\'':
        case '\\': out[n++] = (uint8_t)c; break;
        case 'u': {
            unsigned long v = 0;
            for (i += 2; t->s[i] != '}'; i++)
                if (t->s[i] != '_')
                    v = v * 16 + (unsigned long)digit_value(t->s[i], true);
            put_utf8(out, &n, v);
            break;
        }
        default:
            out[n++] = (uint8_t)(digit_value(c, true) * 16 +
                                 digit_value(t->s[i + 1], true));
            i++;
        }
    }
    *len = n;
    return out;
}

static bool valid_utf8(const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint8_t c = s[i];
        uint32_t k;
        uint32_t v;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c < 0xE0) {
            k = 1, v = c & 0x1F;
        } else if (c >= 0xE0 && c < 0xF0) {
            k = 2, v = c & 0x0F;
        } else if (c >= 0xF0 && c < 0xF5) {
            k = 3, v = c & 0x07;
        } else {
            return false;
        }
        for (uint32_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return false;
            v = (v << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (v < 0x800 || (v >= 0xD800 && v < 0xE000))) ||
            (k == 3 && (v < 0x10000 || v > 0x10FFFF)))
            return false;
        i += k + 1;
    }
    return true;
}

void wxt_name(wxt_parser *p, wxt_buf *b, const wxt_tok *t)
{
    uint32_t n;
    uint8_t *s = wxt_string(p, t, &n);
    if (!valid_utf8(s, n))
        wxt_fail(p, t, "malformed UTF-8 encoding in name");
    wxt_u32(p, b, n);
    wxt_bytes(p, b, s, n);
}

/* ----------------------------------------------------------- scripts */

WX_API void wx_wast_reader_init(wx_wast_reader *r, const char *text,
                                size_t len)
{
    r->text = text;
    r->len = len;
    r->pos = 0;
    r->line_start = 0;
    r->line = 1;
}

WX_API bool wx_wast_next(wx_wast_reader *r, size_t *start, size_t *end,
                         uint32_t *line, wx_error *err)
{
    unsigned depth = 0;
    wxt_tok t;
    const char *why = NULL;
    for (;;) {
        if (!wxt_lex_one(r->text, r->len, &r->pos, &r->line, &r->line_start,
                         &t, &why))
            goto bad;
        if (t.kind == WXT_EOF) {
            if (depth) {
                why = "unclosed \"(\"";
                t.line = *line;
                t.col = 0;
                goto bad;
            }
            return false;
        }
        if (depth == 0) {
            if (t.kind != WXT_LP) {
                why = "expected \"(\" to start a command";
                goto bad;
            }
            *start = (size_t)(t.s - r->text);
            *line = t.line;
        }
        if (t.kind == WXT_LP) {
            depth++;
        } else if (t.kind == WXT_RP && --depth == 0) {
            *end = r->pos;
            return true;
        }
    }
bad:
    if (t.col)
        wx_error_set(err, WX_EMALFORMED, "%u:%u: %s", t.line, t.col, why);
    else
        wx_error_set(err, WX_EMALFORMED, "%u: %s (the command of this line)",
                     t.line, why);
    r->pos = r->len;
    return false;
}
