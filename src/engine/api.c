/*
 * Loading a module (decode, validate, compile) and describing it: imports,
 * exports, names, custom sections. Also the small helpers every runtime
 * file shares: signature equality and trap reporting.
 */
#include "runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wx_module *wx_module_load(const uint8_t *bytes, size_t len,
                          const wx_load_opts *opts, wx_error *err)
{
    uint32_t flags = opts ? opts->flags : 0;
    /* The passes may record offsets and functions in the error object. */
    wx_error local;
    if (!err)
        err = &local;
    if (!bytes && len) {
        wx_error_set(err, WX_EARG, "no module bytes");
        return NULL;
    }
    if (len > UINT32_MAX) {
        wx_error_set(err, WX_ELIMIT, "module larger than 4 GiB");
        return NULL;
    }
    const uint32_t known = WX_LOAD_KEEP_CUSTOM_SECTIONS | WX_LOAD_WASM2;
    if (flags & ~known) {
        wx_error_set(err, WX_EARG, "unknown load flags 0x%x in wx_load_opts",
                     flags & ~known);
        return NULL;
    }
    wx_module *m = calloc(1, sizeof *m);
    if (!m) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    wxm_arena_init(&m->arena);
    /* The passes read the caller's bytes in place (they never write them),
     * and wxm_keep_parts copies the little that outlives the load: copying
     * the whole binary would cost a cold process a page fault per 4 KiB,
     * mostly for debug sections nobody reads. */
    m->bytes = (uint8_t *)bytes;
    m->len = len;
    m->wasm2 = (flags & WX_LOAD_WASM2) != 0;

    err->trap = WX_TRAP_NONE;
    err->func_index = WX_NO_INDEX;
    err->offset = 0;
    if (wxm_decode(m, err) != WX_OK || wxm_validate(m, err) != WX_OK ||
        wxc_compile_module(m, err) != WX_OK ||
        wxm_keep_parts(m, flags, err) != WX_OK)
        goto fail;
    m->bytes = NULL;
    err->status = WX_OK;
    return m;

fail:
    m->bytes = NULL; /* the caller's, not ours to free */
    wx_module_free(m);
    return NULL;
}

void wx_module_free(wx_module *m)
{
    if (!m)
        return;
    wxm_arena_free(&m->arena);
    /* NULL for a loaded module; a module built by hand may own one. */
    free(m->bytes);
    free(m);
}

uint32_t wx_module_import_count(const wx_module *m)
{
    return m->nimports;
}

uint32_t wx_module_export_count(const wx_module *m)
{
    return m->nexports;
}

bool wx_module_has_start(const wx_module *m)
{
    return m->has_start;
}

/* Fills the type part of a description of entity `index` of `kind`. */
static void describe(const wx_module *m, wx_externkind kind, uint32_t index,
                     wx_externdesc *out)
{
    out->kind = kind;
    switch (kind) {
    case WX_EXTERN_FUNC: {
        /* wxm_functype starts with the same fields as wx_functype. */
        const wxm_functype *t = wxm_func_type(m, index);
        out->func.nparams = t->nparams;
        out->func.nresults = t->nresults;
        out->func.params = t->params;
        out->func.results = t->results;
        break;
    }
    case WX_EXTERN_TABLE:
        out->elem = m->tables[index].elem;
        out->limits = m->tables[index].limits;
        break;
    case WX_EXTERN_MEMORY: out->limits = m->memories[index].limits; break;
    case WX_EXTERN_GLOBAL:
        out->global_type = m->globals[index].type;
        out->global_mutable = m->globals[index].mutable_;
        break;
    case WX_EXTERN_TAG: {
        const wxm_functype *t = &m->types[m->tags[index].type];
        out->func.nparams = t->nparams;
        out->func.nresults = t->nresults;
        out->func.params = t->params;
        out->func.results = t->results;
        break;
    }
    }
}

bool wx_module_import(const wx_module *m, uint32_t i, wx_externdesc *out)
{
    if (i >= m->nimports)
        return false;
    const wxm_import *imp = &m->imports[i];
    memset(out, 0, sizeof *out);
    out->module = imp->module;
    out->name = imp->name;
    out->name_len = strlen(imp->name);
    describe(m, imp->kind, imp->index, out);
    return true;
}

bool wx_module_export(const wx_module *m, uint32_t i, wx_externdesc *out)
{
    if (i >= m->nexports)
        return false;
    const wxm_export *exp = &m->exports[i];
    memset(out, 0, sizeof *out);
    out->name = exp->name;
    out->name_len = exp->name_len;
    describe(m, exp->kind, exp->index, out);
    return true;
}

bool wx_module_memory(const wx_module *m, uint32_t index, wx_limits *limits,
                      bool *imported)
{
    if (index >= m->nmemories)
        return false;
    *limits = m->memories[index].limits;
    *imported = index < m->nmemory_imports;
    return true;
}

const char *wx_module_func_name(const wx_module *m, uint32_t func_index)
{
    if (!m || !m->func_names || func_index >= m->nfuncs)
        return NULL;
    return m->func_names[func_index];
}

bool wx_module_custom_section(const wx_module *m, const char *name,
                              const uint8_t **data, size_t *len)
{
    for (uint32_t i = 0; i < m->ncustoms; i++) {
        if (strcmp(m->customs[i].name, name) == 0) {
            if (data)
                *data = m->customs[i].data;
            if (len)
                *len = m->customs[i].len;
            return true;
        }
    }
    return false;
}

bool wxi_functype_equal(const wx_functype *a, const wx_functype *b)
{
    if (a == b)
        return true;
    if (a->nparams != b->nparams || a->nresults != b->nresults)
        return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

wx_status wxi_trap(wx_error *err, wx_trap kind, const wx_module *m,
                   uint32_t func_index, uint32_t offset)
{
    if (!err)
        return WX_ETRAP;
    err->status = WX_ETRAP;
    err->trap = kind;
    err->func_index = func_index;
    err->offset = offset;
    const char *what = wx_trap_message(kind);
    if (func_index == WX_NO_INDEX) {
        snprintf(err->message, sizeof err->message, "trap: %s at offset 0x%x",
                 what, offset);
        return WX_ETRAP;
    }
    const char *name = wx_module_func_name(m, func_index);
    /* Without a name section, an export name still tells the user which
     * function it was. */
    for (uint32_t i = 0; m && !name && i < m->nexports; i++)
        if (m->exports[i].kind == WX_EXTERN_FUNC &&
            m->exports[i].index == func_index)
            name = m->exports[i].name;
    if (name)
        snprintf(err->message, sizeof err->message,
                 "trap: %s in function %u (\"%.200s\") at offset 0x%x", what,
                 func_index, name, offset);
    else
        snprintf(err->message, sizeof err->message,
                 "trap: %s in function %u at offset 0x%x", what, func_index,
                 offset);
    return WX_ETRAP;
}
