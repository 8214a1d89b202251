/*
 * A C guest for the cstring and numeric ABIs, built with
 * clang --target=wasm32-wasi as a reactor (no main; malloc and free
 * exported for the host).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* upper(s): a malloc'd upper-case copy of the C string s. */
EXPORT("upper") char *upper(const char *s)
{
    size_t n = strlen(s);
    char *r = malloc(n + 1);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++)
        r[i] = (char)toupper((unsigned char)s[i]);
    r[n] = '\0';
    return r;
}

/* count(data, len, byte): how many times `byte` occurs in the buffer. */
EXPORT("count") int32_t count(const uint8_t *data, int32_t len, int32_t byte)
{
    int32_t n = 0;
    for (int32_t i = 0; i < len; i++)
        n += data[i] == (uint8_t)byte;
    return n;
}

EXPORT("gcd") int32_t gcd(int32_t a, int32_t b)
{
    while (b) {
        int32_t t = a % b;
        a = b;
        b = t;
    }
    return a < 0 ? -a : a;
}

EXPORT("scale") double scale(double x, int64_t k)
{
    return x * (double)k;
}
