/*
 * A bump allocator for a module's decoded structures: everything a module
 * owns is freed at once with the arena, so the decoder's many error paths
 * need no cleanup of their own.
 */
#ifndef WX_ENGINE_ARENA_H
#define WX_ENGINE_ARENA_H

#include <stddef.h>

typedef struct wxm_arena_block wxm_arena_block;

typedef struct wxm_arena {
    wxm_arena_block *head;
    size_t total; /* bytes handed out, for limits and statistics */
} wxm_arena;

void wxm_arena_init(wxm_arena *a);
void wxm_arena_free(wxm_arena *a);
/* Zeroed, 16-byte aligned memory, or NULL when out of memory. */
void *wxm_arena_alloc(wxm_arena *a, size_t size);
/* Zeroed array of n elements of `size`, NULL on overflow or no memory. */
void *wxm_arena_calloc(wxm_arena *a, size_t n, size_t size);
/* A copy of len bytes (16-byte aligned; len 0 gives a valid pointer), or
 * NULL when out of memory. */
void *wxm_arena_memdup(wxm_arena *a, const void *src, size_t len);
/* NUL-terminated copy of len bytes. */
char *wxm_arena_strndup(wxm_arena *a, const char *s, size_t len);

#endif
