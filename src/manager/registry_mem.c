/*
 * The registry in this process's memory (wxg_registry_open(":memory:")):
 * what `wasmext run` and eKuiper's plugin mode host their one plugin in.
 * The same contract as the SQLite file (registry.h) minus durability:
 * nothing is written anywhere, and everything is gone at close. It needs
 * no SQLite at all, so a process that uses only it never loads the
 * library (src/dl). Records are kept sorted by name, as the file's list
 * returns them.
 */
#include "registry_mem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct memrec {
    char *name, *config;
    uint8_t *wasm;
    size_t wasm_len;
    char sha256[WXG_SHA256_HEX];
    int64_t created_ms, updated_ms, version;
} memrec;

struct wxg_memstore {
    memrec *recs;
    size_t count, cap;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

wxg_memstore *wxg_mem_new(void)
{
    return calloc(1, sizeof(wxg_memstore));
}

static void rec_free(memrec *r)
{
    free(r->name);
    free(r->config);
    free(r->wasm);
}

void wxg_mem_free(wxg_memstore *ms)
{
    if (!ms)
        return;
    for (size_t i = 0; i < ms->count; i++)
        rec_free(&ms->recs[i]);
    free(ms->recs);
    free(ms);
}

/* The index of `name`, or where it would go (*found false). */
static size_t find(const wxg_memstore *ms, const char *name, bool *found)
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

/* Fills r's config and bytes with copies; false when out of memory. */
static bool set_content(memrec *r, const char *config, const uint8_t *wasm,
                        size_t wasm_len)
{
    char *c = strdup(config);
    uint8_t *w = malloc(wasm_len ? wasm_len : 1);
    if (!c || !w) {
        free(c);
        free(w);
        return false;
    }
    if (wasm_len)
        memcpy(w, wasm, wasm_len);
    free(r->config);
    free(r->wasm);
    r->config = c;
    r->wasm = w;
    r->wasm_len = wasm_len;
    wxg_sha256_hex(wasm, wasm_len, r->sha256);
    r->updated_ms = now_ms();
    return true;
}

wx_status wxg_mem_add(wxg_memstore *ms, const char *path, const char *name,
                      const char *config, const uint8_t *wasm,
                      size_t wasm_len, wx_error *err)
{
    bool found;
    size_t at = find(ms, name, &found);
    if (found)
        return wx_error_set(err, WX_EEXIST,
                            "plugin \"%s\" already exists (update replaces "
                            "it)",
                            name);
    if (ms->count == ms->cap) {
        size_t cap = ms->cap ? 2 * ms->cap : 4;
        memrec *r = realloc(ms->recs, cap * sizeof *r);
        if (!r)
            goto nomem;
        ms->recs = r;
        ms->cap = cap;
    }
    memrec rec = {0};
    if (!(rec.name = strdup(name)) ||
        !set_content(&rec, config, wasm, wasm_len)) {
        rec_free(&rec);
        goto nomem;
    }
    rec.created_ms = rec.updated_ms;
    rec.version = 1;
    memmove(&ms->recs[at + 1], &ms->recs[at],
            (ms->count - at) * sizeof *ms->recs);
    ms->recs[at] = rec;
    ms->count++;
    return WX_OK;
nomem:
    return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory", path);
}

wx_status wxg_mem_update(wxg_memstore *ms, const char *path, const char *name,
                         const char *config, const uint8_t *wasm,
                         size_t wasm_len, int64_t *version, wx_error *err)
{
    bool found;
    size_t at = find(ms, name, &found);
    if (!found)
        return wx_error_set(err, WX_ENOPLUGIN,
                            "plugin \"%s\" not found (add registers it)",
                            name);
    memrec *r = &ms->recs[at];
    if (!set_content(r, config, wasm, wasm_len))
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            path);
    *version = ++r->version;
    return WX_OK;
}

wx_status wxg_mem_delete(wxg_memstore *ms, const char *name, wx_error *err)
{
    bool found;
    size_t at = find(ms, name, &found);
    if (!found)
        return wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found",
                            name);
    rec_free(&ms->recs[at]);
    memmove(&ms->recs[at], &ms->recs[at + 1],
            (ms->count - at - 1) * sizeof *ms->recs);
    ms->count--;
    return WX_OK;
}

wx_status wxg_mem_get(const wxg_memstore *ms, const char *path,
                      const char *name, bool with_wasm, wxg_record *out,
                      wx_error *err)
{
    memset(out, 0, sizeof *out);
    bool found;
    size_t at = find(ms, name, &found);
    if (!found)
        return wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found",
                            name);
    const memrec *r = &ms->recs[at];
    out->name = strdup(r->name);
    out->config = strdup(r->config);
    out->wasm_len = r->wasm_len;
    memcpy(out->sha256, r->sha256, sizeof out->sha256);
    out->created_ms = r->created_ms;
    out->updated_ms = r->updated_ms;
    out->version = r->version;
    bool ok = out->name && out->config;
    if (ok && with_wasm) {
        out->wasm = malloc(r->wasm_len ? r->wasm_len : 1);
        ok = out->wasm != NULL;
        if (ok && r->wasm_len)
            memcpy(out->wasm, r->wasm, r->wasm_len);
    }
    if (ok)
        return WX_OK;
    wxg_record_free(out);
    return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory", path);
}

wx_status wxg_mem_list(const wxg_memstore *ms, const char *path,
                       char ***names, size_t *count, wx_error *err)
{
    *names = NULL;
    *count = 0;
    char **v = malloc((ms->count ? ms->count : 1) * sizeof *v);
    size_t n = 0;
    for (; v && n < ms->count; n++)
        if (!(v[n] = strdup(ms->recs[n].name)))
            break;
    if (!v || n < ms->count) {
        wxg_names_free(v, n);
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            path);
    }
    *names = v;
    *count = n;
    return WX_OK;
}
