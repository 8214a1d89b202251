/*
 * Exception objects (exception handling, WebAssembly 3.0): what a throw
 * makes, how long it lives, and the error of one that nobody caught. The
 * interpreter (exec.c) throws, searches the handler tables and unwinds;
 * the objects and their lifetime are here (docs/design.md, "Exception
 * handling").
 */
#include "runtime.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every object made and not yet freed, in the whole process: tests count
 * with it that a throw-and-catch loop gives back what it takes. */
static atomic_uint_least64_t live;

uint64_t wx_exceptions_live(void)
{
    return atomic_load_explicit(&live, memory_order_relaxed);
}

wxe_exn *wxe_exn_new(const wx_tag *tag, const wx_slot *vals)
{
    uint32_t n = tag->nslots;
    wxe_exn *e = malloc(sizeof *e + (size_t)n * sizeof(wx_slot));
    if (!e)
        return NULL;
    e->tag = tag;
    e->next = NULL;
    e->kept = false;
    e->n = n;
    if (n)
        memcpy(e->vals, vals, (size_t)n * sizeof(wx_slot));
    atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return e;
}

void wxe_exn_drop(wxe_exn *e)
{
    if (!e || e->kept)
        return;
    free(e);
    atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
}

bool wxe_exn_keep(wxe_stack *st, wxe_exn *e)
{
    if (e->kept)
        return true;
    if (st->nkept >= WXE_MAX_KEPT_EXNS)
        return false;
    e->kept = true;
    e->next = st->kept;
    st->kept = e;
    st->nkept++;
    return true;
}

void wxe_exn_free_kept(wxe_stack *st)
{
    wxe_exn *e = st->kept;
    while (e) {
        wxe_exn *next = e->next;
        free(e);
        atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
        e = next;
    }
    st->kept = NULL;
    st->nkept = 0;
}

/* The tag's name for messages: its export name, else its import name,
 * else its index in the defining module. */
static void tag_name(const wx_tag *t, char *buf, size_t cap)
{
    const wx_module *m = t->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wxm_export *e = &m->exports[i];
        if (e->kind == WX_EXTERN_TAG && e->index == t->index) {
            snprintf(buf, cap, "tag \"%.100s\"", e->name);
            return;
        }
    }
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wxm_import *im = &m->imports[i];
        if (im->kind == WX_EXTERN_TAG && im->index == t->index) {
            snprintf(buf, cap, "tag \"%.100s\".\"%.100s\"", im->module,
                     im->name);
            return;
        }
    }
    snprintf(buf, cap, "tag %u", t->index);
}

wx_status wxe_uncaught(wxe_exn *e, wx_error *err)
{
    char name[240];
    tag_name(e->tag, name, sizeof name);
    wx_error_set(err, WX_EEXCEPTION,
                 "uncaught exception: %s (%u payload value%s) was thrown "
                 "and no handler caught it",
                 name, e->tag->type.nparams,
                 e->tag->type.nparams == 1 ? "" : "s");
    wxe_exn_drop(e);
    return WX_EEXCEPTION;
}
