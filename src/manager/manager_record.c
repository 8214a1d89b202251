/*
 * Recording of failed calls and their replay (wx_manager_recordings,
 * wx_manager_replay: include/wasmext.h).
 *
 * A plugin whose config sets record.failed_calls keeps its last failed
 * calls in a ring (wxm_ring, one per plugin, across its versions, under
 * its own lock): each recording is one allocation holding the function's
 * name and a deep copy of the arguments, plus the error and a reference
 * to the revision's module bytes and config (wxm_blob). The call path
 * pays one branch when recording is off (v->record is 0) and never fails
 * because of a recording: one that cannot be allocated is not made.
 *
 * A replay runs the recordings in managers of its own, in memory, built
 * from the bytes and config a recording refers to (or the registry's
 * current ones), so the live plugin's instances, counters and ring are
 * left alone, and a recording stays replayable after its plugin was
 * updated past it.
 */
#include "manager.h"
/* The engine's arena (a layer below; not part of its public API). */
#include "../engine/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wxm_blob {
    atomic_uint refs;
    size_t len;
    char *config_text;
    char sha256[WXG_SHA256_HEX];
    uint8_t bytes[];
};

struct wxm_rec {
    wxm_blob *blob; /* holds a reference */
    int64_t revision, time_ms;
    uint64_t seq;
    const char *func; /* in mem */
    uint32_t nargs;
    wx_value *args; /* in mem, buffers too */
    wx_error err;
    void *mem;
};

/* ------------------------------------------------------------- blobs */

void wxm_record_prepare(wxm_version *v, const uint8_t *wasm, size_t len)
{
    wxm_blob *b = malloc(sizeof *b + len);
    if (!b)
        return;
    atomic_init(&b->refs, 1);
    b->len = len;
    memcpy(b->bytes, wasm, len);
    const char *text = wxm_version_config(v);
    b->config_text = text ? strdup(text) : NULL;
    /* An in-memory registry leaves the digest to be computed on demand;
     * a recording names its revision by it, so compute it now. */
    wx_error e;
    bool ok = b->config_text != NULL;
    if (ok && v->sha256[0])
        memcpy(b->sha256, v->sha256, sizeof b->sha256);
    else if (ok)
        ok = wxg_sha256_hex(wasm, len, b->sha256, &e) == WX_OK;
    if (!ok) {
        free(b->config_text);
        free(b);
        return;
    }
    v->blob = b;
    v->record = v->cfg->record_failed_calls;
}

static wxm_blob *blob_retain(wxm_blob *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void wxm_blob_release(wxm_blob *b)
{
    if (!b ||
        atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(b->config_text);
    free(b);
}

/* ------------------------------------------------------- value copies */

/* The bytes a value's buffer holds (0 for numbers). */
static size_t value_extent(const wx_value *v)
{
    if (wxa_type_is_buf(v->type))
        return v->of.buf.len;
    if (wxa_type_is_vec(v->type))
        return v->of.vec.count * wxa_type_elem_size(v->type);
    return 0;
}

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* The room deep copies of `n` values take (each buffer NUL-ended). */
static size_t values_room(const wx_value *vals, size_t n)
{
    size_t room = round8(n * sizeof(wx_value));
    for (size_t i = 0; i < n; i++)
        if (wxa_type_is_buf(vals[i].type) || wxa_type_is_vec(vals[i].type))
            room += round8(value_extent(&vals[i]) + 1);
    return room;
}

/* Deep-copies `n` values into `mem` (values_room bytes); returns them. */
static wx_value *values_copy(const wx_value *vals, size_t n, char *mem)
{
    wx_value *out = (wx_value *)(void *)mem;
    char *p = mem + round8(n * sizeof(wx_value));
    for (size_t i = 0; i < n; i++) {
        out[i] = vals[i];
        if (!wxa_type_is_buf(vals[i].type) && !wxa_type_is_vec(vals[i].type))
            continue;
        size_t len = value_extent(&vals[i]);
        if (len)
            memcpy(p, wxa_type_is_buf(vals[i].type) ? vals[i].of.buf.data
                                                    : vals[i].of.vec.data,
                   len);
        p[len] = '\0';
        if (wxa_type_is_buf(vals[i].type))
            out[i].of.buf.data = p;
        else
            out[i].of.vec.data = p;
        p += round8(len + 1);
    }
    return out;
}

/* -------------------------------------------------------------- ring */

void wxm_ring_init(wxm_ring *r)
{
    pthread_mutex_init(&r->lock, NULL);
    r->cap = r->start = r->count = 0;
    r->seq = 0;
    r->slots = NULL;
}

static void rec_clear(wxm_rec *rec)
{
    wxm_blob_release(rec->blob);
    free(rec->mem);
    memset(rec, 0, sizeof *rec);
}

void wxm_ring_destroy(wxm_ring *r)
{
    for (uint32_t i = 0; i < r->count; i++)
        rec_clear(&r->slots[(r->start + i) % r->cap]);
    free(r->slots);
    pthread_mutex_destroy(&r->lock);
}

void wxm_ring_bound(wxm_plugin *p, uint32_t cap)
{
    wxm_ring *r = &p->ring;
    pthread_mutex_lock(&r->lock);
    if (cap == r->cap) {
        pthread_mutex_unlock(&r->lock);
        return;
    }
    wxm_rec *slots = cap ? calloc(cap, sizeof *slots) : NULL;
    if (cap && !slots) {
        /* Out of memory: keep the old ring, shrunk in place, so that the
         * bound still holds. */
        while (r->count > cap) {
            rec_clear(&r->slots[r->start]);
            r->start = (r->start + 1) % r->cap;
            r->count--;
        }
        pthread_mutex_unlock(&r->lock);
        return;
    }
    /* The newest `cap` recordings move over; the older ones go. */
    uint32_t keep = r->count < cap ? r->count : cap;
    for (uint32_t i = 0; i < r->count; i++) {
        wxm_rec *rec = &r->slots[(r->start + i) % r->cap];
        if (i < r->count - keep)
            rec_clear(rec);
        else
            slots[i - (r->count - keep)] = *rec;
    }
    free(r->slots);
    r->slots = slots;
    r->cap = cap;
    r->start = 0;
    r->count = keep;
    pthread_mutex_unlock(&r->lock);
}

static bool recordable(wx_status s)
{
    switch (s) {
    case WX_ETRAP:
    case WX_ETIMEOUT:
    case WX_ELIMIT:
    case WX_EGUEST:
    case WX_EABI:
    case WX_EINTERRUPTED:
        return true;
    default:
        return false;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends a filled recording (taken over), dropping the oldest when the
 * ring is full. */
static void ring_push(wxm_plugin *p, wxm_rec *rec)
{
    wxm_ring *r = &p->ring;
    pthread_mutex_lock(&r->lock);
    if (!r->cap) { /* the bound went to 0 since the call started */
        pthread_mutex_unlock(&r->lock);
        rec_clear(rec);
        return;
    }
    if (r->count == r->cap) {
        rec_clear(&r->slots[r->start]);
        r->start = (r->start + 1) % r->cap;
        r->count--;
    }
    rec->seq = ++r->seq;
    r->slots[(r->start + r->count) % r->cap] = *rec;
    r->count++;
    pthread_mutex_unlock(&r->lock);
}

void wxm_record_values(wxm_version *v, const wxm_func *f,
                       const wx_value *args, size_t nargs, wx_status s,
                       const wx_error *e)
{
    if (!recordable(s) || !v->blob || (nargs && !args))
        return;
    const char *name = f->counter->name;
    size_t nlen = strlen(name) + 1;
    size_t room = values_room(args, nargs);
    char *mem = malloc(room + nlen);
    if (!mem)
        return;
    wxm_rec rec = {0};
    rec.mem = mem;
    rec.args = values_copy(args, nargs, mem);
    rec.nargs = (uint32_t)nargs;
    memcpy(mem + room, name, nlen);
    rec.func = mem + room;
    if (e) {
        rec.err = *e;
    } else {
        wx_error_clear(&rec.err);
        rec.err.func_index = WX_NO_INDEX;
    }
    rec.err.status = s;
    if (!rec.err.message[0])
        snprintf(rec.err.message, sizeof rec.err.message, "%s",
                 wx_status_message(s));
    rec.blob = blob_retain(v->blob);
    rec.revision = v->revision;
    rec.time_ms = now_ms();
    ring_push(v->plugin, &rec);
}

void wxm_record_wasm(wxm_version *v, const wxm_func *f,
                     const wx_wasm_val *args, size_t nargs, wx_status s,
                     const wx_error *e)
{
    if (!recordable(s) || nargs > WX_MAX_VALUES || (nargs && !args))
        return;
    wx_value vals[WX_MAX_VALUES];
    for (size_t i = 0; i < nargs; i++) {
        switch (args[i].type) {
        case WX_I32: vals[i] = wx_value_i32(args[i].of.i32); break;
        case WX_I64: vals[i] = wx_value_i64(args[i].of.i64); break;
        case WX_F32: vals[i] = wx_value_f32(args[i].of.f32); break;
        case WX_F64: vals[i] = wx_value_f64(args[i].of.f64); break;
        default: return; /* no typed value holds it: not replayable */
        }
    }
    wxm_record_values(v, f, vals, nargs, s, e);
}

/* ----------------------------------------------------------- snapshots */

/* A list's memory (its `arena_`): the engine's block arena, made on
 * first use. */
static void *arena_alloc(void **arena, size_t n)
{
    wxm_arena *a = *arena;
    if (!a && !(a = *arena = calloc(1, sizeof *a)))
        return NULL;
    return wxm_arena_alloc(a, n);
}

static void arena_free(void *arena)
{
    if (arena) {
        wxm_arena_free(arena);
        free(arena);
    }
}

static const char *arena_str(void **arena, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = arena_alloc(arena, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static const wx_value *arena_values(void **arena, const wx_value *v,
                                    size_t n)
{
    char *mem = arena_alloc(arena, values_room(v, n) + 1);
    return mem ? values_copy(v, n, mem) : NULL;
}

/* Takes a reference to the plugin registered as `name`. */
static wxm_plugin *plugin_get(wx_manager *m, const char *name,
                              wx_error *err)
{
    pthread_rwlock_rdlock(&m->table_lock);
    wxm_plugin *p = name ? wxm_find_plugin(m, name) : NULL;
    if (p)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    pthread_rwlock_unlock(&m->table_lock);
    if (!p)
        wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" is not registered",
                     name ? name : "(null)");
    return p;
}

/*
 * Copies plugin p's recordings (of `func` unless NULL; the last `last_n`
 * unless 0) into `out`; with `blobs`, also a reference to each one's
 * blob, in the same order (release each, free the array).
 */
static wx_status snapshot(wxm_plugin *p, const char *func, size_t last_n,
                          wx_recording_list *out, wxm_blob ***blobs,
                          wx_error *err)
{
    memset(out, 0, sizeof *out);
    wxm_ring *r = &p->ring;
    pthread_mutex_lock(&r->lock);
    size_t n = 0;
    for (uint32_t i = 0; i < r->count; i++) {
        const wxm_rec *rec = &r->slots[(r->start + i) % r->cap];
        n += !func || strcmp(rec->func, func) == 0;
    }
    size_t skip = last_n && n > last_n ? n - last_n : 0;
    n -= skip;
    out->bound = r->cap;
    out->recorded = r->seq;
    bool ok = true;
    wx_recording *items =
        n ? arena_alloc(&out->arena_, n * sizeof *items) : NULL;
    wxm_blob **bl = blobs && n ? calloc(n, sizeof *bl) : NULL;
    if ((n && !items) || (blobs && n && !bl))
        ok = false;
    size_t k = 0;
    for (uint32_t i = 0; ok && i < r->count; i++) {
        const wxm_rec *rec = &r->slots[(r->start + i) % r->cap];
        if (func && strcmp(rec->func, func) != 0)
            continue;
        if (skip) {
            skip--;
            continue;
        }
        wx_recording *o = &items[k];
        o->seq = rec->seq;
        o->time_ms = rec->time_ms;
        o->revision = rec->revision;
        o->function = arena_str(&out->arena_, rec->func);
        o->sha256 = arena_str(&out->arena_, rec->blob->sha256);
        o->nargs = rec->nargs;
        o->args = arena_values(&out->arena_, rec->args, rec->nargs);
        o->error = rec->err;
        ok = o->function && o->sha256 && o->args;
        if (bl)
            bl[k] = blob_retain(rec->blob);
        k++;
    }
    pthread_mutex_unlock(&r->lock);
    if (!ok) {
        for (size_t i = 0; bl && i < n; i++)
            wxm_blob_release(bl[i]);
        free(bl);
        arena_free(out->arena_);
        memset(out, 0, sizeof *out);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    out->items = items;
    out->count = n;
    if (blobs)
        *blobs = bl;
    return WX_OK;
}

wx_status wx_manager_recordings(wx_manager *m, const char *plugin,
                                wx_recording_list *out, wx_error *err)
{
    wx_error_clear(err);
    memset(out, 0, sizeof *out);
    wxm_plugin *p = plugin_get(m, plugin, err);
    if (!p)
        return WX_ENOPLUGIN;
    wx_status s = snapshot(p, NULL, 0, out, NULL, err);
    wxm_plugin_release(p);
    return s;
}

void wx_recording_list_free(wx_recording_list *list)
{
    if (!list)
        return;
    arena_free(list->arena_);
    memset(list, 0, sizeof *list);
}

/* ------------------------------------------------------------- replay */

/* A manager in memory holding one plugin built from `config` and `wasm`:
 * where a replay runs. */
typedef struct stage {
    wx_manager *m;
    const wxm_blob *blob; /* what it was built from (NULL: current) */
    int64_t revision;
    char sha256[WXG_SHA256_HEX];
} stage;

static wx_status stage_open(stage *st, const char *config,
                            const uint8_t *wasm, size_t len, wx_error *err)
{
    wx_manager_opts o = {0};
    st->m = wx_manager_open(WX_REGISTRY_MEMORY, &o, err);
    if (!st->m)
        return err ? err->status : WX_ENOMEM;
    wxg_config *cfg = wxg_config_parse(config, strlen(config), NULL, err);
    if (!cfg)
        return err ? err->status : WX_EARG;
    /* The replay's own failures are not for keeping. */
    cfg->record_failed_calls = 0;
    return wxm_add_bytes(st->m, cfg, wasm, len, err);
}

static void stage_close(stage *st)
{
    wx_manager_close(st->m);
    memset(st, 0, sizeof *st);
}

/* The name of function `index` in the plugin's module on stage `st`. */
static const char *stage_func_name(stage *st, const char *plugin,
                                   uint32_t index)
{
    if (index == WX_NO_INDEX)
        return NULL;
    pthread_rwlock_rdlock(&st->m->table_lock);
    wxm_plugin *p = wxm_find_plugin(st->m, plugin);
    wxm_version *v = p ? wxm_plugin_current(p) : NULL;
    pthread_rwlock_unlock(&st->m->table_lock);
    const char *name =
        v && v->module ? wx_module_func_name(v->module, index) : NULL;
    wxm_version_release(v);
    return name; /* lives as long as the stage's module */
}

/* Runs one recording on stage `st` into `o`. */
static void replay_one(stage *st, const char *plugin, const wx_recording *rec,
                       bool recorded, void **arena, wx_replay_outcome *o)
{
    o->recording = rec;
    o->revision = st->revision;
    o->sha256 = arena_str(arena, st->sha256);
    wx_error_clear(&o->error);
    wx_values res = {0};
    wx_fn *fn = wx_fn_get(st->m, plugin, rec->function, &o->error);
    o->status = fn ? wx_fn_call_values(fn, rec->args, rec->nargs, &res,
                                       &o->error)
                   : o->error.status;
    wx_fn_free(fn);
    if (o->status == WX_OK) {
        o->count = res.count;
        o->values = arena_values(arena, res.values, res.count);
        wx_error_clear(&o->error);
    } else if (o->error.trap != WX_TRAP_NONE) {
        o->trap_function = arena_str(
            arena, stage_func_name(st, plugin, o->error.func_index));
    }
    if (recorded && rec->error.trap != WX_TRAP_NONE)
        o->recorded_trap_function = arena_str(
            arena, stage_func_name(st, plugin, rec->error.func_index));
    wx_values_free(&res);
    o->reproduced = o->status == rec->error.status;
}

/* The stage of the plugin's current stored revision. */
static wx_status stage_current(wx_manager *m, const char *plugin, stage *st,
                               wx_error *err)
{
    wxg_record rec;
    wx_status s = wxm_stored(m, plugin, &rec, err);
    if (s != WX_OK)
        return s;
    st->revision = rec.version;
    s = stage_open(st, rec.config, rec.wasm, rec.wasm_len, err);
    if (s == WX_OK && !rec.sha256[0])
        s = wxg_sha256_hex(rec.wasm, rec.wasm_len, st->sha256, err);
    else
        snprintf(st->sha256, sizeof st->sha256, "%s", rec.sha256);
    wxg_record_free(&rec);
    return s;
}

static wx_status replay_all(wx_manager *m, const char *plugin,
                            wxm_blob **blobs, bool current,
                            wx_replay_result *out, wx_error *err)
{
    stage st = {0};
    wx_status s = WX_OK;
    if (current && out->count)
        s = stage_current(m, plugin, &st, err);
    for (size_t i = 0; s == WX_OK && i < out->count; i++) {
        const wx_recording *rec = &out->recordings.items[i];
        if (!current && st.blob != blobs[i]) {
            stage_close(&st);
            st.blob = blobs[i];
            st.revision = rec->revision;
            snprintf(st.sha256, sizeof st.sha256, "%s", blobs[i]->sha256);
            s = stage_open(&st, blobs[i]->config_text, blobs[i]->bytes,
                           blobs[i]->len, err);
            if (s != WX_OK)
                break;
        }
        replay_one(&st, plugin, rec, !current, &out->arena_, &out->items[i]);
        out->reproduced += out->items[i].reproduced;
    }
    if (st.m)
        stage_close(&st);
    if (s != WX_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err ? err->message : "");
        wx_error_set(err, s, "replay of \"%s\": cannot build the %s "
                     "revision: %s",
                     plugin, current ? "current" : "recorded", why);
    }
    return s;
}

wx_status wx_manager_replay(wx_manager *m, const char *plugin,
                            const char *func, size_t last_n, unsigned flags,
                            wx_replay_result *out, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    wx_error_clear(err);
    memset(out, 0, sizeof *out);
    wxm_plugin *p = plugin_get(m, plugin, err);
    if (!p)
        return WX_ENOPLUGIN;
    wxm_blob **blobs = NULL;
    wx_status s = snapshot(p, func, last_n, &out->recordings, &blobs, err);
    wxm_plugin_release(p);
    if (s != WX_OK)
        return s;
    size_t n = out->recordings.count;
    out->items = n ? arena_alloc(&out->arena_, n * sizeof *out->items) : NULL;
    if (n && !out->items)
        s = wx_error_set(err, WX_ENOMEM, "out of host memory");
    else
        out->count = n;
    out->flags = flags & WX_REPLAY_CURRENT;
    if (s == WX_OK)
        s = replay_all(m, plugin, blobs, flags & WX_REPLAY_CURRENT, out, err);
    for (size_t i = 0; i < n; i++)
        wxm_blob_release(blobs[i]);
    free(blobs);
    if (s != WX_OK)
        wx_replay_result_free(out);
    return s;
}

void wx_replay_result_free(wx_replay_result *r)
{
    if (!r)
        return;
    wx_recording_list_free(&r->recordings);
    arena_free(r->arena_);
    memset(r, 0, sizeof *r);
}
