/*
 * The call handlers:
 *
 *   POST /plugins/{plugin}/functions/{func}   {"args": [...]}
 *   POST /functions/{func}                    the same, by function name
 *
 * answer {"results": [...]} with typed values (numbers, strings, bytes as
 * base64, json inline). An empty body means no arguments.
 *
 * A request is a thin pass through the typed API: the body is parsed once,
 * its "args" array converted once to the types the function declares
 * (wx_fn_describe), the call made on a handle (wx_fn_call_values), and the
 * results converted once into the reply object, which is dumped once.
 * The manager counts the call under its outcome; the daemon records only
 * the time from the arguments' conversion to the results', in the
 * function's latency histogram. Arguments the conversion refuses never
 * reach the manager: no call, a 400.
 *
 * Handles are resolved by name once per worker thread and kept in that
 * thread's cache, which needs no lock: a call looks up its name, and only
 * a name seen for the first time on the thread goes to the manager. The
 * cache follows the plugins in two ways. Every change the daemon makes
 * bumps the server's generation, and a thread whose cache is of an older
 * one drops it before its next lookup (so an add that makes a name mean
 * something else is seen at once). A change can still land between the
 * lookup and the call: a cached handle whose plugin was deleted fails
 * with WX_ENOPLUGIN before any guest code runs, and the call is then
 * resolved again, once.
 */
#include "wxd.h"

#include "convert.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- the body */

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/*
 * The body parsed: *root holds the document (or an empty array for an
 * empty body), the return value its arguments array, borrowed from it.
 * NULL with the error response made.
 */
static json_t *body_args(const wxd_request *rq, json_t **root,
                         wxd_response *rs)
{
    *root = NULL;
    if (blank(rq->body, rq->len)) {
        if (!(*root = json_array()))
            wxd_reply_error(rs, 500, "nomem", "out of host memory");
        return *root;
    }
    json_error_t je;
    json_t *doc = json_loadb(rq->body, rq->len, 0, &je);
    if (!doc) {
        wxd_reply_error(rs, 400, "arg",
                        "body: invalid JSON at line %d, column %d: %s",
                        je.line, je.column, je.text);
        return NULL;
    }
    json_t *args = json_object_get(doc, "args");
    if (!json_is_object(doc)) {
        wxd_reply_error(rs, 400, "arg",
                        "body: must be an object, {\"args\": [...]}");
    } else if (json_object_size(doc) != (args ? 1u : 0u)) {
        wxd_reply_error(rs, 400, "arg",
                        "body: unknown key (the only key is \"args\")");
    } else if (args && !json_is_array(args)) {
        wxd_reply_error(rs, 400, "arg", "args: must be an array, e.g. [1, 2]");
    } else if (!args && json_object_set_new(doc, "args", json_array()) != 0) {
        wxd_reply_error(rs, 500, "nomem", "out of host memory");
    } else {
        *root = doc;
        return json_object_get(doc, "args");
    }
    json_decref(doc);
    return NULL;
}

/* ---------------------------------------------------- handle cache */

/* A name as a request gave it, and what it resolved to. */
typedef struct slot {
    char *plugin; /* NULL: by function name alone; shares func's block */
    char *func;   /* the block's start, NULL for an empty slot */
    size_t hash;
    wx_fn *fn;
    wxd_latency *lat; /* the function's histogram, by its resolved names */
} slot;

typedef struct handles {
    const wxd_server *server;
    unsigned long generation;
    slot *slots; /* open addressing; a power of two, at most half full */
    size_t cap, n;
} handles;

static pthread_key_t handles_key;
static pthread_once_t handles_once = PTHREAD_ONCE_INIT;

static void slot_clear(slot *e)
{
    wx_fn_free(e->fn);
    free(e->func);
    memset(e, 0, sizeof *e);
}

static void handles_flush(handles *h)
{
    for (size_t i = 0; i < h->cap; i++)
        if (h->slots[i].func)
            slot_clear(&h->slots[i]);
    h->n = 0;
}

/* At the thread's exit. Handles may be freed after the manager is
 * closed, so the order of the daemon's stop does not matter here. */
static void handles_destroy(void *p)
{
    handles *h = p;
    handles_flush(h);
    free(h->slots);
    free(h);
}

static void handles_key_make(void)
{
    pthread_key_create(&handles_key, handles_destroy);
}

/* This thread's cache, emptied if the plugins changed since it was
 * filled; NULL if out of memory (calls then resolve every time). */
static handles *thread_handles(wxd_server *s)
{
    pthread_once(&handles_once, handles_key_make);
    handles *h = pthread_getspecific(handles_key);
    if (!h) {
        h = calloc(1, sizeof *h);
        if (!h || pthread_setspecific(handles_key, h) != 0) {
            free(h);
            return NULL;
        }
    }
    unsigned long gen = atomic_load_explicit(&s->generation,
                                             memory_order_acquire);
    if (h->server != s || h->generation != gen) {
        handles_flush(h);
        h->server = s;
        h->generation = gen;
    }
    return h;
}

/* FNV-1a over the plugin (if any), a separator and the function. */
static size_t name_hash(const char *plugin, const char *func)
{
    size_t x = 2166136261u;
    for (const char *p = plugin; p && *p; p++)
        x = (x ^ (unsigned char)*p) * 16777619u;
    x = (x ^ (plugin ? 0x01u : 0x02u)) * 16777619u;
    for (const char *p = func; *p; p++)
        x = (x ^ (unsigned char)*p) * 16777619u;
    return x;
}

static bool slot_is(const slot *e, size_t hash, const char *plugin,
                    const char *func)
{
    return e->hash == hash && strcmp(e->func, func) == 0 &&
           (plugin ? e->plugin && strcmp(e->plugin, plugin) == 0
                   : !e->plugin);
}

/* The slot of the name, or the empty one where it would go. */
static slot *slot_find(handles *h, size_t hash, const char *plugin,
                       const char *func)
{
    size_t mask = h->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask)
        if (!h->slots[i].func || slot_is(&h->slots[i], hash, plugin, func))
            return &h->slots[i];
}

static slot *handles_get(handles *h, const char *plugin, const char *func)
{
    if (!h || !h->n)
        return NULL;
    slot *e = slot_find(h, name_hash(plugin, func), plugin, func);
    return e->func ? e : NULL;
}

/* Doubles the table (at least 16 slots); false if out of memory. */
static bool handles_grow(handles *h)
{
    size_t cap = h->cap ? h->cap * 2 : 16;
    slot *old = h->slots, *fresh = calloc(cap, sizeof *fresh);
    if (!fresh)
        return false;
    size_t old_cap = h->cap;
    h->slots = fresh;
    h->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].func)
            *slot_find(h, old[i].hash, old[i].plugin, old[i].func) = old[i];
    free(old);
    return true;
}

/* Keeps `fn` (taken) under the name; the slot, or NULL when it cannot be
 * kept (then the caller frees fn after the call). */
static slot *handles_put(handles *h, const char *plugin, const char *func,
                         wx_fn *fn, wxd_latency *lat)
{
    if (!h || ((h->n + 1) * 2 > h->cap && !handles_grow(h)))
        return NULL;
    size_t np = plugin ? strlen(plugin) + 1 : 0, nf = strlen(func) + 1;
    char *block = malloc(nf + np);
    if (!block)
        return NULL;
    size_t hash = name_hash(plugin, func);
    slot *e = slot_find(h, hash, plugin, func);
    memcpy(block, func, nf);
    if (plugin)
        memcpy(block + nf, plugin, np);
    *e = (slot){plugin ? block + nf : NULL, block, hash, fn, lat};
    h->n++;
    return e;
}

/* Drops a slot; the table keeps no holes, so the entries after it in its
 * probe run are put back where a lookup finds them. */
static void handles_drop(handles *h, slot *e)
{
    slot_clear(e);
    h->n--;
    size_t mask = h->cap - 1;
    for (size_t i = ((size_t)(e - h->slots) + 1) & mask; h->slots[i].func;
         i = (i + 1) & mask) {
        slot moved = h->slots[i];
        memset(&h->slots[i], 0, sizeof moved);
        *slot_find(h, moved.hash, moved.plugin, moved.func) = moved;
    }
}

/* ------------------------------------------------------------- calls */

/* A handle and its latency record, cached or just resolved. */
typedef struct target {
    wx_fn *fn;
    wxd_latency *lat;
    slot *cached;  /* where it is kept, or NULL */
    bool owned;    /* not kept: free after the call */
} target;

/*
 * Resolves the name with the manager. The latency record is made only
 * now, under the names the manager resolved, so that made-up names
 * cannot grow the metrics.
 */
static wx_status resolve(wxd_server *s, handles *h, const char *plugin,
                         const char *func, target *t, wx_error *err)
{
    wx_fn *fn = wx_fn_get(s->mgr, plugin, func, err);
    if (!fn)
        return err->status;
    wxd_latency *lat =
        wxd_metrics_latency(s->metrics, wx_fn_plugin(fn), wx_fn_name(fn));
    slot *e = handles_put(h, plugin, func, fn, lat);
    *t = (target){fn, lat, e, e == NULL};
    return WX_OK;
}

/* Done with a target that is not kept: frees its handle, or drops it
 * from the cache (its plugin went away). */
static void target_done(handles *h, target *t)
{
    if (t->owned)
        wx_fn_free(t->fn);
    else if (t->cached)
        handles_drop(h, t->cached);
    memset(t, 0, sizeof *t);
}

/*
 * One call on a handle: describe, arguments in, call, results out into
 * *results (a new array). Only a call that reached the manager is timed:
 * arguments refused here are the request's fault, not the function's.
 */
static wx_status call_once(target *t, const json_t *args, json_t **results,
                           wx_error *err)
{
    wx_function_info info;
    wx_values in = {0}, out = {0};
    uint64_t t0 = wxd_now_ns();
    wx_status st = wx_fn_describe(t->fn, &info, err);
    /* A handle that no longer resolves measures nothing: the retry (or
     * the 404) says what happened. */
    if (st == WX_ENOPLUGIN)
        return st;
    if (st == WX_OK)
        st = wxc_values_from_json(&info, args, &in, err);
    bool called = st == WX_OK;
    if (called)
        st = wx_fn_call_values(t->fn, in.values, in.count, &out, err);
    if (st == WX_OK && !(*results = wxc_values_to_json(out.values, out.count,
                                                       err)))
        st = err->status;
    uint64_t ns = wxd_now_ns() - t0;
    wx_values_free(&in);
    wx_values_free(&out);
    /* WX_ENOPLUGIN: deleted between describe and call, so not called. */
    if (t->lat && called && st != WX_ENOPLUGIN)
        wxd_latency_record(t->lat, ns);
    return st;
}

void wxd_call(wxd_server *s, const char *plugin, const char *func,
              const wxd_request *rq, wxd_response *rs)
{
    json_t *root;
    json_t *args = body_args(rq, &root, rs);
    if (!args)
        return;
    handles *h = thread_handles(s);
    wx_error err;
    json_t *results = NULL;
    target t = {0};
    slot *e = handles_get(h, plugin, func);
    wx_status st;
    if (e) {
        t = (target){e->fn, e->lat, e, false};
        st = call_once(&t, args, &results, &err);
        if (st == WX_ENOPLUGIN) {
            /* Deleted (or no longer listed) since it was cached: the
             * name may mean something else now. */
            target_done(h, &t);
            e = NULL;
        }
    }
    if (!e) {
        st = resolve(s, h, plugin, func, &t, &err);
        if (st == WX_OK)
            st = call_once(&t, args, &results, &err);
        if (t.owned || st == WX_ENOPLUGIN)
            target_done(h, &t);
    }
    json_decref(root);
    if (st != WX_OK) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    wxd_reply_data(rs, 200, json_pack("{s:o}", "results", results));
}
