/*
 * The registry in this process's memory (wxg_registry_open(":memory:")):
 * what `wasmext run` and eKuiper's plugin mode host their one plugin in.
 * The same contract as the SQLite file (registry.h) minus durability:
 * nothing is written anywhere, and everything is gone at close. It needs
 * no SQLite at all, so a process that uses only it never loads the
 * library (src/dl). Records are kept sorted by name, as the file's list
 * returns them.
 */
#include "registry_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct memrec {
    char *name, *config;
    uint8_t *wasm;
    size_t wasm_len;
    /* How wasm goes: free for a copy, the giver's function for bytes
     * handed over (add_kept, update_kept). */
    void (*wasm_free)(void *);
    char sha256[WXG_SHA256_HEX];
    int64_t created_ms, updated_ms, version;
} memrec;

typedef struct memstore {
    wxg_registry base;
    memrec *recs;
    size_t count, cap;
    int64_t revision; /* +1 per change (registry.h) */
} memstore;

static memstore *mem(wxg_registry *reg)
{
    return (memstore *)reg;
}

static void rec_free(memrec *r)
{
    free(r->name);
    free(r->config);
    if (r->wasm)
        r->wasm_free(r->wasm);
}

static void mem_close(wxg_registry *reg)
{
    memstore *ms = mem(reg);
    for (size_t i = 0; i < ms->count; i++)
        rec_free(&ms->recs[i]);
    free(ms->recs);
    free(ms->base.path);
    free(ms);
}

static wxg_registry *mem_open(const char *path, const wxg_registry_opts *opts,
                              bool watch, wx_error *err)
{
    (void)opts, (void)watch;
    memstore *ms = calloc(1, sizeof *ms);
    if (!ms || !wxg_registry_init(&ms->base, &wxg_mem_store, path)) {
        free(ms);
        wx_error_set(err, WX_ENOMEM, "registry %s: out of memory", path);
        return NULL;
    }
    return &ms->base;
}

/* The index of `name`, or where it would go (*found false). */
static size_t find(const memstore *ms, const char *name, bool *found)
{
    size_t lo = 0, hi = ms->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ms->recs[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

/* The bytes a change stores: those handed over (kept, with the giver's
 * free) or a copy. */
typedef struct membytes {
    const uint8_t *wasm;
    size_t len;
    void (*kept)(void *); /* NULL: copy wasm */
} membytes;

/* Drops bytes handed over that a failed change did not keep. */
static void bytes_drop(membytes *b)
{
    if (b->kept)
        b->kept((void *)b->wasm);
    b->kept = NULL;
}

/* Fills r's config (a copy) and bytes (kept, or a copy); false when out of
 * memory. Bytes handed over are r's from here on, either way. */
static bool set_content(memrec *r, const char *config, membytes *b,
                        const char *sha256)
{
    /* A NULL config is the manager's to keep (registry.h). */
    char *c = config ? strdup(config) : NULL;
    uint8_t *w = b->kept ? (uint8_t *)b->wasm : malloc(b->len ? b->len : 1);
    void (*wfree)(void *) = b->kept ? b->kept : free;
    b->kept = NULL;
    if ((config && !c) || !w) {
        free(c);
        if (w)
            wfree(w);
        return false;
    }
    if (w != b->wasm && b->len)
        memcpy(w, b->wasm, b->len);
    free(r->config);
    if (r->wasm)
        r->wasm_free(r->wasm);
    r->config = c;
    r->wasm = w;
    r->wasm_free = wfree;
    r->wasm_len = b->len;
    /* No digest given: computed by the first get (digest_on_demand). */
    snprintf(r->sha256, sizeof r->sha256, "%s", sha256 ? sha256 : "");
    r->updated_ms = wxg_now_ms();
    return true;
}

static wx_status add_bytes(wxg_registry *reg, const char *name,
                           const char *config, membytes *b,
                           const char *sha256, wx_error *err)
{
    memstore *ms = mem(reg);
    bool found;
    size_t at = find(ms, name, &found);
    if (found) {
        bytes_drop(b);
        return wx_error_set(err, WX_EEXIST,
                            "plugin \"%s\" already exists (update replaces "
                            "it)",
                            name);
    }
    if (ms->count == ms->cap) {
        size_t cap = ms->cap ? 2 * ms->cap : 4;
        memrec *r = realloc(ms->recs, cap * sizeof *r);
        if (!r)
            goto nomem;
        ms->recs = r;
        ms->cap = cap;
    }
    memrec rec = {0};
    if (!(rec.name = strdup(name)) || !set_content(&rec, config, b, sha256)) {
        rec_free(&rec);
        goto nomem;
    }
    rec.created_ms = rec.updated_ms;
    rec.version = 1;
    memmove(&ms->recs[at + 1], &ms->recs[at],
            (ms->count - at) * sizeof *ms->recs);
    ms->recs[at] = rec;
    ms->count++;
    ms->revision++;
    return WX_OK;
nomem:
    bytes_drop(b);
    return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                        reg->path);
}

static wx_status update_bytes(wxg_registry *reg, const char *name,
                              const char *config, membytes *b,
                              const char *sha256, int64_t *version,
                              wx_error *err)
{
    memstore *ms = mem(reg);
    bool found;
    size_t at = find(ms, name, &found);
    if (!found) {
        bytes_drop(b);
        return wx_error_set(err, WX_ENOPLUGIN,
                            "plugin \"%s\" not found (add registers it)",
                            name);
    }
    memrec *r = &ms->recs[at];
    if (!set_content(r, config, b, sha256))
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            reg->path);
    *version = ++r->version;
    ms->revision++;
    return WX_OK;
}

static wx_status mem_add(wxg_registry *reg, const char *name,
                         const char *config, const uint8_t *wasm,
                         size_t wasm_len, const char *sha256, wx_error *err)
{
    membytes b = {wasm, wasm_len, NULL};
    return add_bytes(reg, name, config, &b, sha256, err);
}

static wx_status mem_add_kept(wxg_registry *reg, const char *name,
                              const char *config, uint8_t *wasm,
                              size_t wasm_len, void (*wasm_free)(void *),
                              const char *sha256, wx_error *err)
{
    membytes b = {wasm, wasm_len, wasm_free};
    return add_bytes(reg, name, config, &b, sha256, err);
}

static wx_status mem_update(wxg_registry *reg, const char *name,
                            const char *config, const uint8_t *wasm,
                            size_t wasm_len, const char *sha256,
                            int64_t *version, wx_error *err)
{
    membytes b = {wasm, wasm_len, NULL};
    return update_bytes(reg, name, config, &b, sha256, version, err);
}

static wx_status mem_update_kept(wxg_registry *reg, const char *name,
                                 const char *config, uint8_t *wasm,
                                 size_t wasm_len, void (*wasm_free)(void *),
                                 const char *sha256, int64_t *version,
                                 wx_error *err)
{
    membytes b = {wasm, wasm_len, wasm_free};
    return update_bytes(reg, name, config, &b, sha256, version, err);
}

static wx_status mem_delete(wxg_registry *reg, const char *name, wx_error *err)
{
    memstore *ms = mem(reg);
    bool found;
    size_t at = find(ms, name, &found);
    if (!found)
        return wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found",
                            name);
    rec_free(&ms->recs[at]);
    memmove(&ms->recs[at], &ms->recs[at + 1],
            (ms->count - at - 1) * sizeof *ms->recs);
    ms->count--;
    ms->revision++;
    return WX_OK;
}

static wx_status mem_get(wxg_registry *reg, const char *name, unsigned flags,
                         wxg_record *out, wx_error *err)
{
    bool with_wasm = !(flags & WXG_GET_NO_WASM);
    memstore *ms = mem(reg);
    bool found;
    size_t at = find(ms, name, &found);
    if (!found)
        return wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found",
                            name);
    memrec *r = &ms->recs[at];
    if (!r->sha256[0] && !(flags & WXG_GET_NO_DIGEST)) {
        wx_status s = wxg_sha256_hex(r->wasm, r->wasm_len, r->sha256, err);
        if (s != WX_OK)
            return s;
    }
    out->name = strdup(r->name);
    out->config = r->config ? strdup(r->config) : NULL;
    out->wasm_len = r->wasm_len;
    memcpy(out->sha256, r->sha256, sizeof out->sha256);
    out->created_ms = r->created_ms;
    out->updated_ms = r->updated_ms;
    out->version = r->version;
    bool ok = out->name && (out->config || !r->config);
    if (ok && with_wasm) {
        out->wasm = malloc(r->wasm_len ? r->wasm_len : 1);
        ok = out->wasm != NULL;
        if (ok && r->wasm_len)
            memcpy(out->wasm, r->wasm, r->wasm_len);
    }
    if (ok)
        return WX_OK;
    wxg_record_free(out);
    return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                        reg->path);
}

static wx_status mem_list(wxg_registry *reg, char ***names, size_t *count,
                          wx_error *err)
{
    const memstore *ms = mem(reg);
    char **v = malloc((ms->count ? ms->count : 1) * sizeof *v);
    size_t n = 0;
    for (; v && n < ms->count; n++)
        if (!(v[n] = strdup(ms->recs[n].name)))
            break;
    if (!v || n < ms->count) {
        wxg_names_free(v, n);
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            reg->path);
    }
    *names = v;
    *count = n;
    return WX_OK;
}

static wx_status mem_revision(wxg_registry *reg, int64_t *rev, wx_error *err)
{
    (void)err;
    *rev = mem(reg)->revision;
    return WX_OK;
}

/* Only this handle changes a private store, and it is not waiting: a wait
 * can only end by its timeout (or at once, if the caller is behind). */
static wx_status mem_wait(wxg_registry *reg, int64_t seen, int timeout_ms,
                          wx_error *err)
{
    (void)err;
    if (mem(reg)->revision != seen)
        return WX_OK;
    wxg_sleep_ms(timeout_ms);
    return WX_ETIMEOUT;
}

const wxg_store_ops wxg_mem_store = {
    .digest_on_demand = true,
    .open = mem_open,
    .close = mem_close,
    .add = mem_add,
    .update = mem_update,
    .add_kept = mem_add_kept,
    .update_kept = mem_update_kept,
    .delete_ = mem_delete,
    .get = mem_get,
    .list = mem_list,
    .revision = mem_revision,
    .wait = mem_wait,
};
