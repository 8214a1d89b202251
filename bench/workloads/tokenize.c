/*
 * tokenize: a byte-at-a-time tokenizer over JSON-like text. The guest first
 * generates about 4 MB of nested objects, arrays, strings (with escapes),
 * numbers and literals, then tokenizes it WL_SIZE times, hashing the kind
 * and length of every token and checking the nesting. Byte loads, compares
 * and a dense switch: a parser's inner loop.
 */
#include "wl.h"

#ifndef WL_SIZE
#define WL_SIZE 4 /* passes over the text */
#endif

#ifndef WL_DATA_MB
#define WL_DATA_MB 4 /* smaller only for the runner's --quick mode */
#endif

#define TEXT_CAP ((uint32_t)WL_DATA_MB << 20)
#define TEXT_SLACK 256 /* room for the longest single item */

static char g_text[TEXT_CAP + TEXT_SLACK];

enum {
    TOK_LBRACE = 1, TOK_RBRACE, TOK_LBRACKET, TOK_RBRACKET, TOK_COLON,
    TOK_COMMA, TOK_STRING, TOK_NUMBER, TOK_TRUE, TOK_FALSE, TOK_NULL,
    TOK_ERROR,
};

/* ------------------------------------------------------- generation */

typedef struct gen {
    char *p;
    char *end;
    uint32_t seed;
} gen;

static void put(gen *g, char c)
{
    *g->p++ = c;
}

static void put_str(gen *g, const char *s)
{
    while (*s)
        *g->p++ = *s++;
}

static void gen_string(gen *g)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz_ABCXYZ 0123";
    uint32_t len = 1 + wl_rand(&g->seed) % 24;
    put(g, '"');
    for (uint32_t i = 0; i < len; i++) {
        uint32_t r = wl_rand(&g->seed);
        if ((r & 31) == 0) {
            put(g, '\\');
            put(g, "nt\"\\/"[(r >> 5) % 5]);
        } else {
            put(g, letters[(r >> 5) % (sizeof letters - 1)]);
        }
    }
    put(g, '"');
}

static void gen_number(gen *g)
{
    uint32_t r = wl_rand(&g->seed);
    if (r & 1)
        put(g, '-');
    uint32_t v = r >> 8;
    char digits[12];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < 7);
    while (n)
        put(g, digits[--n]);
    if (r & 2) {
        put(g, '.');
        put(g, (char)('0' + (r >> 2) % 10));
        put(g, (char)('0' + (r >> 4) % 10));
    }
    if ((r & 0x70) == 0x70)
        put_str(g, "e+12");
}

static void gen_value(gen *g, int depth);

static void gen_container(gen *g, int depth, int object)
{
    uint32_t count = wl_rand(&g->seed) % 8;
    put(g, object ? '{' : '[');
    for (uint32_t i = 0; i < count && g->p < g->end; i++) {
        if (i)
            put_str(g, ", ");
        if (object) {
            gen_string(g);
            put_str(g, ": ");
        }
        gen_value(g, depth + 1);
    }
    put(g, object ? '}' : ']');
}

static void gen_value(gen *g, int depth)
{
    uint32_t r = wl_rand(&g->seed) % 16;
    if (depth < 6 && r < 5) {
        gen_container(g, depth, r < 3);
    } else if (r < 9) {
        gen_string(g);
    } else if (r < 13) {
        gen_number(g);
    } else {
        put_str(g, r == 13 ? "true" : r == 14 ? "false" : "null");
    }
}

/* Fills the text with a top-level array of values; returns its length. */
static uint32_t generate(char *text)
{
    gen g = {text, text + TEXT_CAP - 4096, 0xC0FFEEu};
    put(&g, '[');
    while (g.p < g.end) {
        gen_value(&g, 0);
        put_str(&g, ",\n");
    }
    put_str(&g, "0]");
    return (uint32_t)(g.p - text);
}

/* ------------------------------------------------------- tokenizing */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int match(const char *p, const char *end, const char *word)
{
    while (*word) {
        if (p >= end || *p != *word)
            return 0;
        p++, word++;
    }
    return 1;
}

/* Tokenizes text[0, len); returns a hash of the token stream, or 0 if the
 * brackets do not nest. */
static uint32_t tokenize(const char *text, uint32_t len)
{
    const char *p = text, *end = text + len;
    char stack[64];
    int depth = 0;
    uint32_t hash = WL_FNV_INIT, tokens = 0;
    while (p < end) {
        const char *start = p;
        int kind;
        char c = *p++;
        switch (c) {
        case ' ': case '\t': case '\n': case '\r':
            continue;
        case '{': case '[':
            if (depth == 64)
                return 0;
            stack[depth++] = c;
            kind = c == '{' ? TOK_LBRACE : TOK_LBRACKET;
            break;
        case '}': case ']':
            if (depth == 0 || stack[--depth] != (c == '}' ? '{' : '['))
                return 0;
            kind = c == '}' ? TOK_RBRACE : TOK_RBRACKET;
            break;
        case ':':
            kind = TOK_COLON;
            break;
        case ',':
            kind = TOK_COMMA;
            break;
        case '"':
            kind = TOK_STRING;
            while (p < end && *p != '"') {
                if (*p == '\\')
                    p++;
                p++;
            }
            p++;
            break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            kind = TOK_NUMBER;
            while (p < end && is_digit(*p))
                p++;
            if (p < end && *p == '.')
                for (p++; p < end && is_digit(*p); p++)
                    ;
            if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '+' || *p == '-'))
                    p++;
                while (p < end && is_digit(*p))
                    p++;
            }
            break;
        case 't':
            kind = match(start, end, "true") ? TOK_TRUE : TOK_ERROR;
            p = start + 4;
            break;
        case 'f':
            kind = match(start, end, "false") ? TOK_FALSE : TOK_ERROR;
            p = start + 5;
            break;
        case 'n':
            kind = match(start, end, "null") ? TOK_NULL : TOK_ERROR;
            p = start + 4;
            break;
        default:
            kind = TOK_ERROR;
            break;
        }
        tokens++;
        hash = (hash ^ (uint32_t)kind) * 16777619u;
        hash = (hash ^ (uint32_t)(p - start)) * 16777619u;
    }
    return depth == 0 ? wl_mix(hash, tokens) : 0;
}

WL_EXPORT(run) uint32_t run(void)
{
    uint32_t len = generate(g_text);
    uint32_t check = wl_mix(WL_FNV_INIT, len);
    for (int pass = 0; pass < WL_SIZE; pass++) {
        check = wl_mix(check, tokenize(g_text, len));
        /* Swap one separator between space and tab: the token stream stays
         * the same, but the text changed, so no compiler may reuse the
         * previous pass's result. */
        char *q = g_text + 1 + (uint32_t)pass * 100003u % (len / 2);
        while (*q != ' ' && *q != '\t')
            q++;
        *q = *q == ' ' ? '\t' : ' ';
    }
    return check;
}
