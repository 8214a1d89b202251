#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Blocks grow geometrically so that a large module makes few mallocs; a
 * request larger than a block gets a block of its own. */
#define ARENA_MIN_BLOCK 4096u

struct wxm_arena_block {
    wxm_arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void wxm_arena_init(wxm_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void wxm_arena_free(wxm_arena *a)
{
    wxm_arena_block *b = a->head;
    while (b) {
        wxm_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* `size` bytes, not cleared: the callers below either clear them or fill
 * them at once, and a large copy should touch its memory only once. */
static void *arena_take(wxm_arena *a, size_t size)
{
    size = (size + 15u) & ~(size_t)15u;
    if (size == 0)
        size = 16;
    wxm_arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = b ? b->cap * 2 : ARENA_MIN_BLOCK;
        if (cap > (1u << 20))
            cap = 1u << 20;
        if (cap < size)
            cap = size;
        wxm_arena_block *nb = malloc(sizeof(*nb) + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        /* Keep a partly used head in front when the new block is a one-off
         * for a large request, so its free space is not wasted. */
        if (b && cap == size && b->cap - b->used > 256) {
            nb->next = b->next;
            b->next = nb;
            nb->used = size;
            a->total += size;
            return nb->data;
        }
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    return p;
}

void *wxm_arena_alloc(wxm_arena *a, size_t size)
{
    void *p = arena_take(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *wxm_arena_memdup(wxm_arena *a, const void *src, size_t len)
{
    void *p = arena_take(a, len);
    if (p && len)
        memcpy(p, src, len);
    return p;
}

void *wxm_arena_calloc(wxm_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return wxm_arena_alloc(a, n * size);
}

char *wxm_arena_strndup(wxm_arena *a, const char *s, size_t len)
{
    char *p = arena_take(a, len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}
