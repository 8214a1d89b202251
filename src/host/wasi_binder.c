/*
 * The binder: a map from instance to context for host functions defined
 * once in a linker shared by many instances (a pool). Open addressing on
 * the instance pointer, under a read-write lock: every WASI call reads it,
 * only instance creation and destruction write.
 */
#include "wasi_internal.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct wxw_slot {
    const wx_instance *inst; /* NULL: empty */
    wxw_ctx *ctx;
} wxw_slot;

struct wxw_binder {
    wxw_binding binding;
    pthread_rwlock_t lock;
    size_t cap; /* power of two */
    size_t count;
    wxw_slot *slots;
};

wxw_binding *wxw_binder_binding_(wxw_binder *b)
{
    return &b->binding;
}

static size_t hash_ptr(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

/* Index of inst's slot, or of the empty slot where it would go. */
static size_t probe(const wxw_slot *slots, size_t cap, const void *inst)
{
    size_t i = hash_ptr(inst, cap);
    while (slots[i].inst && slots[i].inst != inst)
        i = (i + 1) & (cap - 1);
    return i;
}

wxw_binder *wxw_binder_new(wx_error *err)
{
    wxw_binder *b = calloc(1, sizeof *b);
    if (b) {
        b->cap = 16;
        b->slots = calloc(b->cap, sizeof *b->slots);
    }
    if (!b || !b->slots || pthread_rwlock_init(&b->lock, NULL) != 0) {
        if (b)
            free(b->slots);
        free(b);
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    b->binding.binder = b;
    return b;
}

void wxw_binder_free(wxw_binder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->cap; i++)
        wxw_ctx_free(b->slots[i].ctx);
    free(b->slots);
    pthread_rwlock_destroy(&b->lock);
    free(b);
}

wxw_ctx *wxw_binder_find_(wxw_binder *b, const wx_instance *inst)
{
    pthread_rwlock_rdlock(&b->lock);
    wxw_ctx *ctx = b->slots[probe(b->slots, b->cap, inst)].ctx;
    pthread_rwlock_unlock(&b->lock);
    return ctx;
}

wxw_ctx *wxw_binder_ctx(wxw_binder *b, const wx_instance *inst)
{
    return b && inst ? wxw_binder_find_(b, inst) : NULL;
}

/* Doubles the table; called with the write lock held. */
static bool grow(wxw_binder *b)
{
    size_t cap = b->cap * 2;
    wxw_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < b->cap; i++)
        if (b->slots[i].inst)
            slots[probe(slots, cap, b->slots[i].inst)] = b->slots[i];
    free(b->slots);
    b->slots = slots;
    b->cap = cap;
    return true;
}

wx_status wxw_bind(wxw_binder *b, wx_instance *inst, wxw_ctx *ctx,
                   wx_error *err)
{
    if (!b || !inst || !ctx) {
        wxw_ctx_free(ctx);
        return wx_error_set(err, WX_EARG,
                            "WASI: bind needs a binder, an "
                            "instance and a context");
    }
    wxw_ctx *old = NULL;
    pthread_rwlock_wrlock(&b->lock);
    /* Keep the load under one half so that probes stay short. */
    if ((b->count + 1) * 2 > b->cap && !grow(b)) {
        pthread_rwlock_unlock(&b->lock);
        wxw_ctx_free(ctx);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    wxw_slot *s = &b->slots[probe(b->slots, b->cap, inst)];
    if (s->inst)
        old = s->ctx;
    else
        b->count++;
    s->inst = inst;
    s->ctx = ctx;
    pthread_rwlock_unlock(&b->lock);
    wxw_ctx_free(old);
    return WX_OK;
}

void wxw_unbind(wxw_binder *b, wx_instance *inst)
{
    if (!b || !inst)
        return;
    pthread_rwlock_wrlock(&b->lock);
    size_t i = probe(b->slots, b->cap, inst);
    wxw_ctx *ctx = b->slots[i].ctx;
    if (b->slots[i].inst) {
        /* Backward-shift deletion: move later members of the run into
         * the hole so that probes never stop early. */
        size_t hole = i;
        b->slots[hole].inst = NULL;
        b->slots[hole].ctx = NULL;
        b->count--;
        for (size_t j = (hole + 1) & (b->cap - 1); b->slots[j].inst;
             j = (j + 1) & (b->cap - 1)) {
            size_t home = hash_ptr(b->slots[j].inst, b->cap);
            /* j's entry may move to the hole if its home is not in
             * (hole, j] cyclically. */
            bool stays = hole <= j ? (home > hole && home <= j)
                                   : (home > hole || home <= j);
            if (stays)
                continue;
            b->slots[hole] = b->slots[j];
            b->slots[j].inst = NULL;
            b->slots[j].ctx = NULL;
            hole = j;
        }
    }
    pthread_rwlock_unlock(&b->lock);
    wxw_ctx_free(ctx);
}
