/*
 * Memory-ABI guest in C (clang --target=wasm32-wasi, a reactor): the
 * shapes a C programmer writes by hand, over wasi-libc's malloc and free.
 * alloc_buf(size) and free_buf(ptr) count live blocks (live()), as do the
 * results the functions allocate, so the test can see that every buffer
 * went back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

static int32_t live_blocks;

static void *take(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p)
        live_blocks++;
    return p;
}

EXPORT("alloc_buf") void *alloc_buf(uint32_t size)
{
    return take(size);
}

EXPORT("free_buf") void free_buf(void *p)
{
    if (p) {
        live_blocks--;
        free(p);
    }
}

EXPORT("live") int32_t live(void)
{
    return live_blocks;
}

/* cstr, cstr -> cstr: "a b". */
EXPORT("join") char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *r = take(na + nb + 2);
    memcpy(r, a, na);
    r[na] = ' ';
    memcpy(r + na + 1, b, nb + 1);
    return r;
}

/* ptr_len -> len_ptr packed in an i64 (length high): the bytes in hex. */
EXPORT("hex") uint64_t hex(const uint8_t *p, uint32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *r = take(2 * (size_t)n);
    for (uint32_t i = 0; i < n; i++) {
        r[2 * i] = digits[p[i] >> 4];
        r[2 * i + 1] = digits[p[i] & 15];
    }
    return (uint64_t)(2 * n) << 32 | (uint32_t)(uintptr_t)r;
}

/* ptr_len, out_buffer: the words capitalised; -1 if they do not fit. */
EXPORT("title")
int32_t title(const char *p, uint32_t n, char *out, uint32_t cap)
{
    if (n > cap)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        char c = p[i];
        if ((i == 0 || p[i - 1] == ' ') && c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        out[i] = c;
    }
    return (int32_t)n;
}

/* len_prefixed -> value: the number of spaces. */
EXPORT("spaces") int32_t spaces(const uint8_t *lp)
{
    uint32_t n;
    memcpy(&n, lp, 4);
    int32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += lp[4 + i] == ' ';
    return k;
}

/* ptr_len -> fixed:4: FNV-1a of the bytes, little-endian. */
EXPORT("fnv") uint8_t *fnv(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    uint8_t *r = take(4);
    memcpy(r, &h, 4);
    return r;
}

/* cstr -> cstr from static memory: the host must not free it. */
EXPORT("version") const char *version(void)
{
    return "memc 1.0";
}
