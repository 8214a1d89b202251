/*
 * The linker: named externs (module.name -> wx_extern) that instantiation
 * resolves imports against. An open-addressing hash table keyed by both
 * names; the linker also owns the standalone externs defined into it and
 * the instances whose failed instantiation left functions reachable.
 */
#include "gc.h"
#include "runtime.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;       /* "module\0name\0", NULL for an empty bucket */
    size_t mod_len;  /* strlen(module) */
    size_t name_len; /* strlen(name) */
    uint64_t hash;
    wx_extern ext;
} entry;

struct wx_linker {
    entry *buckets;
    size_t cap; /* power of two */
    size_t count;

    wx_extern *owned; /* standalone externs to free with the linker */
    size_t nowned, owned_cap;

    wx_instance **adopted; /* failed instances kept alive (see header) */
    size_t nadopted, adopted_cap;

    /* The GC heap its instances share, made when first needed. */
    wxg_heap *heap;
};

wxg_heap *wxi_linker_heap(wx_linker *l)
{
    if (!l->heap && (l->heap = wxg_heap_new()) &&
        !wxg_add_linker(l->heap, &l->heap)) {
        wxg_heap_release(l->heap);
        l->heap = NULL;
    }
    return l->heap;
}

static uint64_t hash_names(const char *module, size_t mod_len,
                           const char *name, size_t name_len)
{
    /* FNV-1a over "module\0name". */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < mod_len; i++)
        h = (h ^ (uint8_t)module[i]) * 0x100000001b3ull;
    h = (h ^ 0) * 0x100000001b3ull;
    for (size_t i = 0; i < name_len; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    return h;
}

static bool entry_is(const entry *e, uint64_t h, const char *module,
                     size_t mod_len, const char *name, size_t name_len)
{
    return e->hash == h && e->mod_len == mod_len && e->name_len == name_len &&
           memcmp(e->key, module, mod_len) == 0 &&
           memcmp(e->key + mod_len + 1, name, name_len) == 0;
}

/* The bucket holding module.name, or the empty bucket where it would go. */
static entry *find(const wx_linker *l, uint64_t h, const char *module,
                   size_t mod_len, const char *name, size_t name_len)
{
    size_t mask = l->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        entry *e = &l->buckets[i];
        if (!e->key || entry_is(e, h, module, mod_len, name, name_len))
            return e;
    }
}

static bool rehash(wx_linker *l, size_t cap)
{
    entry *old = l->buckets;
    size_t old_cap = l->cap;
    entry *b = calloc(cap, sizeof *b);
    if (!b)
        return false;
    l->buckets = b;
    l->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key)
            continue;
        size_t mask = cap - 1, j = (size_t)old[i].hash & mask;
        while (b[j].key)
            j = (j + 1) & mask;
        b[j] = old[i];
    }
    free(old);
    return true;
}

wx_linker *wx_linker_new(wx_error *err)
{
    wx_linker *l = calloc(1, sizeof *l);
    if (!l || !rehash(l, 16)) {
        free(l);
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    return l;
}

/* Whether `ext` is a standalone extern that a linker may own. */
static bool is_standalone(wx_extern ext)
{
    switch (ext.kind) {
    case WX_EXTERN_FUNC: return ext.of.func && !ext.of.func->inst;
    case WX_EXTERN_TABLE: return ext.of.table && ext.of.table->standalone;
    case WX_EXTERN_MEMORY: return ext.of.memory && ext.of.memory->standalone;
    case WX_EXTERN_GLOBAL: return ext.of.global && ext.of.global->standalone;
    case WX_EXTERN_TAG: return false; /* always an instance's */
    }
    return false;
}

void wx_extern_free(wx_extern ext)
{
    if (!is_standalone(ext))
        return;
    switch (ext.kind) {
    case WX_EXTERN_FUNC: free(ext.of.func); break;
    case WX_EXTERN_TABLE:
        wxi_table_release(ext.of.table);
        free(ext.of.table);
        break;
    case WX_EXTERN_MEMORY:
        wxi_memory_release(ext.of.memory);
        free(ext.of.memory);
        break;
    case WX_EXTERN_GLOBAL: free(ext.of.global); break;
    case WX_EXTERN_TAG: break;
    }
}

void wx_linker_free(wx_linker *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->cap; i++)
        free(l->buckets[i].key);
    free(l->buckets);
    /* Adopted instances may point at owned externs: free them first. */
    for (size_t i = 0; i < l->nadopted; i++)
        wx_instance_free(l->adopted[i]);
    free(l->adopted);
    /* Instances that outlive the linker keep the heap; the owned
     * globals and tables stop being its roots before they go. */
    if (l->heap) {
        for (size_t i = 0; i < l->nowned; i++) {
            if (l->owned[i].kind == WX_EXTERN_GLOBAL)
                wxg_forget_global(l->heap, l->owned[i].of.global);
            else if (l->owned[i].kind == WX_EXTERN_TABLE)
                wxg_forget_table(l->heap, l->owned[i].of.table);
        }
        wxg_forget_linker(l->heap, &l->heap);
    }
    for (size_t i = 0; i < l->nowned; i++)
        wx_extern_free(l->owned[i]);
    free(l->owned);
    wxg_heap_release(l->heap);
    free(l);
}

static const void *extern_ptr(wx_extern ext)
{
    switch (ext.kind) {
    case WX_EXTERN_FUNC: return ext.of.func;
    case WX_EXTERN_TABLE: return ext.of.table;
    case WX_EXTERN_MEMORY: return ext.of.memory;
    case WX_EXTERN_GLOBAL: return ext.of.global;
    case WX_EXTERN_TAG: return ext.of.tag;
    }
    return NULL;
}

/* Takes ownership of a standalone extern once, however many names it gets.
 * Replaced definitions stay owned: instances may still use them. */
static bool take(wx_linker *l, wx_extern ext)
{
    if (!is_standalone(ext))
        return true;
    for (size_t i = 0; i < l->nowned; i++)
        if (extern_ptr(l->owned[i]) == extern_ptr(ext))
            return true;
    if (l->nowned == l->owned_cap) {
        size_t cap = l->owned_cap ? l->owned_cap * 2 : 16;
        wx_extern *p = realloc(l->owned, cap * sizeof *p);
        if (!p)
            return false;
        l->owned = p;
        l->owned_cap = cap;
    }
    /* A standalone global or table may hold GC references: a root. */
    wxg_heap *h = NULL;
    if (ext.kind == WX_EXTERN_GLOBAL || ext.kind == WX_EXTERN_TABLE) {
        if (!(h = wxi_linker_heap(l)))
            return false;
        if (ext.kind == WX_EXTERN_GLOBAL ? !wxg_add_global(h, ext.of.global)
                                         : !wxg_add_table(h, ext.of.table))
            return false;
        if (ext.kind == WX_EXTERN_GLOBAL)
            ext.of.global->heap = h;
        else
            ext.of.table->heap = h;
    }
    l->owned[l->nowned++] = ext;
    return true;
}

wx_status wx_linker_define(wx_linker *l, const char *module, const char *name,
                           wx_extern ext, wx_error *err)
{
    if (!l || !module || !name || !extern_ptr(ext) ||
        (unsigned)ext.kind > WX_EXTERN_TAG)
        return wx_error_set(err, WX_EARG, "linker define: missing argument");
    size_t mod_len = strlen(module), name_len = strlen(name);
    uint64_t h = hash_names(module, mod_len, name, name_len);
    entry *e = find(l, h, module, mod_len, name, name_len);
    if (e->key) {
        if (!take(l, ext))
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        e->ext = ext;
        return WX_OK;
    }
    /* Keep the load at most one half so probes stay short. Everything that
     * can fail happens before ownership is taken, so that on failure the
     * extern stays the caller's. */
    if ((l->count + 1) * 2 > l->cap) {
        if (!rehash(l, l->cap * 2))
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
        e = find(l, h, module, mod_len, name, name_len);
    }
    char *key = malloc(mod_len + name_len + 2);
    if (!key || !take(l, ext)) {
        free(key);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    memcpy(key, module, mod_len + 1);
    memcpy(key + mod_len + 1, name, name_len + 1);
    e->key = key;
    e->mod_len = mod_len;
    e->name_len = name_len;
    e->hash = h;
    e->ext = ext;
    l->count++;
    return WX_OK;
}

wx_status wx_linker_define_func(wx_linker *l, const char *module,
                                const char *name, const wx_functype *type,
                                wx_host_fn fn, void *env, wx_error *err)
{
    wx_wasm_func *f = wx_wasm_func_new_host(type, fn, env, err);
    if (!f)
        return err ? err->status : WX_EARG;
    wx_extern ext = {.kind = WX_EXTERN_FUNC, .of.func = f};
    wx_status s = wx_linker_define(l, module, name, ext, err);
    if (s != WX_OK)
        free(f);
    return s;
}

wx_status wx_linker_define_instance(wx_linker *l, const char *module_name,
                                    wx_instance *inst, wx_error *err)
{
    if (!l || !module_name || !inst)
        return wx_error_set(err, WX_EARG, "linker define: missing argument");
    const wx_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        wx_extern ext;
        if (!wx_instance_export(inst, m->exports[i].name, &ext))
            continue;
        wx_status s =
            wx_linker_define(l, module_name, m->exports[i].name, ext, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

bool wx_linker_lookup(const wx_linker *l, const char *module, const char *name,
                      wx_extern *out)
{
    if (!l || !module || !name)
        return false;
    size_t mod_len = strlen(module), name_len = strlen(name);
    uint64_t h = hash_names(module, mod_len, name, name_len);
    const entry *e = find(l, h, module, mod_len, name, name_len);
    if (!e->key)
        return false;
    if (out)
        *out = e->ext;
    return true;
}

void wxi_linker_adopt(wx_linker *l, wx_instance *inst)
{
    if (l->nadopted == l->adopted_cap) {
        size_t cap = l->adopted_cap ? l->adopted_cap * 2 : 4;
        wx_instance **p = realloc(l->adopted, cap * sizeof *p);
        if (!p)
            return; /* leaked: freeing could leave dangling references */
        l->adopted = p;
        l->adopted_cap = cap;
    }
    l->adopted[l->nadopted++] = inst;
}
