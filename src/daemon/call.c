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

#include "batch_rows.h"
#include "convert.h"

#include "dl_jansson.h"
#include <stdio.h>
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

/* What a request does with its target, once or (after a stale cached
 * handle) twice; WX_ENOPLUGIN makes it resolve the name again. */
typedef wx_status (*target_op)(target *t, void *ctx, wx_error *err);

static wx_status on_target(wxd_server *s, const char *plugin,
                           const char *func, target_op op, void *ctx,
                           wx_error *err)
{
    handles *h = thread_handles(s);
    target t = {0};
    slot *e = handles_get(h, plugin, func);
    wx_status st = WX_OK;
    if (e) {
        t = (target){e->fn, e->lat, e, false};
        st = op(&t, ctx, err);
        if (st == WX_ENOPLUGIN) {
            /* Deleted (or no longer listed) since it was cached: the
             * name may mean something else now. */
            target_done(h, &t);
            e = NULL;
        }
    }
    if (!e) {
        st = resolve(s, h, plugin, func, &t, err);
        if (st == WX_OK)
            st = op(&t, ctx, err);
        if (t.owned || st == WX_ENOPLUGIN)
            target_done(h, &t);
    }
    return st;
}

typedef struct one_call {
    const json_t *args;
    json_t *results;
} one_call;

static wx_status call_op(target *t, void *ctx, wx_error *err)
{
    one_call *c = ctx;
    return call_once(t, c->args, &c->results, err);
}

void wxd_call(wxd_server *s, const char *plugin, const char *func,
              const wxd_request *rq, wxd_response *rs)
{
    json_t *root;
    json_t *args = body_args(rq, &root, rs);
    if (!args)
        return;
    wx_error err;
    one_call c = {args, NULL};
    wx_status st = on_target(s, plugin, func, call_op, &c, &err);
    json_decref(root);
    if (st != WX_OK) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    wxd_reply_data(rs, 200, json_pack("{s:o}", "results", c.results));
}

/* ----------------------------------------------------------- batches */

/*
 * POST .../batch: {"rows": [[...], ...]} answers {"results": [...]} with
 * each row's results array, or its error object in its place. The rows
 * run as one wx_fn_call_batch on a handle from the same cache as single
 * calls; rows whose arguments cannot be read (not an array, a wrong
 * count, a value of the wrong kind) get their error here and are left
 * out of the batch. The answer is 200 whenever the batch ran; only a
 * body that is not {"rows": [...]} (400) or a name that resolves to no
 * function (404) fails the request as a whole.
 *
 * The common batch is rows of numbers for a function of numbers, and
 * there jansson would cost more than everything else together (a node
 * and an allocation per number in, per result out). So a body made only
 * of numbers, for a function whose parameters are all numbers, is read
 * by a scanner of that one shape into a flat array of i64 and f64
 * values (the manager's exact-fit conversion then gives them their
 * parameter types, with the same refusals and messages); anything else
 * in the body (strings, objects, escapes, a number jansson would refuse)
 * sends the whole body to jansson, which then judges it as before
 * (batch_rows.c, apart so that a fuzz target checks the two agree). The
 * answer is written as text directly, integers and booleans by hand and
 * every other value through the JSON converter.
 */

/*
 * The batch body's rows (batch_rows.h). False with the 400 made when the
 * body as a whole is malformed (each row is judged on its own later).
 */
static bool body_rows(const wxd_request *rq, wxd_rowset *r, wxd_response *rs)
{
    wx_error err;
    if (wxd_rows_read(rq->body, rq->len, r, &err))
        return true;
    wxd_reply_error(rs, 400, "arg", "%s", err.message);
    return false;
}

/* The reply's text, grown as rows are written. */
typedef struct out_text {
    char *buf;
    size_t len, cap;
    bool failed;
} out_text;

static void out_put(out_text *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->cap - o->len < n + 1) {
        size_t cap = o->cap * 2 > o->len + n + 1 ? o->cap * 2 : o->len + n + 1;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* A JSON value as text, compact, reals with 17 digits (wxd_reply_data's
 * form); takes `j`. */
static void out_json(out_text *o, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                       JSON_ENCODE_ANY)
                   : NULL;
    json_decref(j);
    if (!text) {
        o->failed = true;
        return;
    }
    out_put(o, text, strlen(text));
    free(text);
}

/* Decimal digits of `u`, with a minus sign first if `neg`. */
static void out_int(out_text *o, bool neg, uint64_t u)
{
    char buf[24], *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        *--p = '-';
    out_put(o, p, (size_t)(buf + sizeof buf - p));
}

/* One result value: integers and booleans by hand, the rest (floats
 * with their 17 digits, strings, bytes as base64, json, vectors, u64
 * above INT64_MAX as a string) through the converter, so that each
 * reads exactly as a single call's result does. */
static void out_value(out_text *o, const wx_value *v)
{
    switch (v->type) {
    case WX_TYPE_I8:
    case WX_TYPE_I16:
    case WX_TYPE_I32:
    case WX_TYPE_I64:
        out_int(o, v->of.i < 0,
                v->of.i < 0 ? 0 - (uint64_t)v->of.i : (uint64_t)v->of.i);
        return;
    case WX_TYPE_U8:
    case WX_TYPE_U16:
    case WX_TYPE_U32:
        out_int(o, false, v->of.u);
        return;
    case WX_TYPE_BOOL:
        out_put(o, v->of.b ? "true" : "false", v->of.b ? 4 : 5);
        return;
    default: {
        wx_error e;
        json_t *arr = wxc_values_to_json(v, 1, &e);
        json_t *j = arr ? json_incref(json_array_get(arr, 0)) : NULL;
        json_decref(arr);
        out_json(o, j);
    }
    }
}

/* Row i's error object, "row i: <message>". */
static void out_row_error(out_text *o, size_t i, wx_status st,
                          const wx_error *err)
{
    char prefix[40];
    snprintf(prefix, sizeof prefix, "row %zu: ", i);
    out_json(o, wxd_failure_json(st, err, prefix));
}

/* A row that could not be read, as its error text (malloc'd), kept until
 * its place in the answer comes. */
static char *row_refusal(size_t i, wx_status st, const wx_error *err)
{
    out_text o = {0};
    out_row_error(&o, i, st, err);
    if (o.failed) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}

typedef struct batch_call {
    wxd_rowset rows;
    const wxd_request *rq;
    char *text; /* the answer, made when the batch ran */
    size_t len;
} batch_call;

/* The rows read into one array (the readable ones, whose indexes go to
 * `good`); the others' error texts into refused[i]. The number read. */
static size_t batch_read(const wx_function_info *info, const wxd_rowset *r,
                         wx_value *vals, size_t *good, char **refused)
{
    size_t k = 0, ncols = info->nparams;
    for (size_t i = 0; i < r->n; i++) {
        wx_error e;
        wx_status st = wxd_row_get(info, r, i, vals + k * ncols, &e);
        if (st == WX_OK)
            good[k++] = i;
        else
            refused[i] = row_refusal(i, st, &e);
    }
    return k;
}

/* The answer: {"results": [...]}, each row's results or error. */
static bool batch_write(batch_call *b, const wx_batch_result *res,
                        const size_t *good, char **refused)
{
    out_text o = {malloc(4096), 0, 4096, false};
    if (!o.buf)
        return false;
    out_put(&o, "{\"results\":[", 12);
    size_t k = 0;
    for (size_t i = 0; i < b->rows.n && !o.failed; i++) {
        if (i)
            out_put(&o, ",", 1);
        if (k < res->nrows && good[k] == i) {
            const wx_batch_row *row = &res->rows[k++];
            if (row->status != WX_OK) {
                out_row_error(&o, i, row->status, row->error);
                continue;
            }
            out_put(&o, "[", 1);
            for (uint32_t v = 0; v < row->count; v++) {
                if (v)
                    out_put(&o, ",", 1);
                out_value(&o, &row->values[v]);
            }
            out_put(&o, "]", 1);
        } else if (refused[i]) {
            out_put(&o, refused[i], strlen(refused[i]));
        } else {
            o.failed = true; /* its refusal could not be made */
        }
    }
    out_put(&o, "]}", 2);
    if (o.failed) {
        free(o.buf);
        return false;
    }
    b->text = o.buf;
    b->len = o.len;
    return true;
}

static wx_status batch_op(target *t, void *ctx, wx_error *err)
{
    batch_call *b = ctx;
    wx_function_info info;
    wx_status st = wx_fn_describe(t->fn, &info, err);
    if (st != WX_OK)
        return st;
    if (!b->rows.root && !wxd_rows_all_numeric(&info)) {
        /* Numbers for other types (a json or string parameter): jansson
         * reads them as such; the scanner vouched for the shape. */
        wxd_rowset_free(&b->rows);
        json_error_t je;
        b->rows.root = json_loadb(b->rq->body, b->rq->len, 0, &je);
        b->rows.rows = json_object_get(b->rows.root, "rows");
        b->rows.n = json_array_size(b->rows.rows);
        if (!b->rows.root)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    size_t n = b->rows.n, ncols = info.nparams;
    size_t nvals = n * ncols; /* n is bounded by the body's size */
    wx_value *vals = malloc((nvals ? nvals : 1) * sizeof *vals);
    size_t *good = malloc((n ? n : 1) * sizeof *good);
    char **refused = calloc(n ? n : 1, sizeof *refused);
    if (!vals || !good || !refused) {
        free(vals);
        free(good);
        free(refused);
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    size_t k = batch_read(&info, &b->rows, vals, good, refused);
    wx_batch_result res = {0};
    uint64_t t0 = wxd_now_ns();
    st = wx_fn_call_batch(t->fn, vals, k, ncols, &res, err);
    /* The latency histogram is per call: a batch adds each row at the
     * batch's mean, so that batches and single calls read alike. */
    if (st == WX_OK && t->lat && k)
        wxd_latency_record_n(t->lat, (wxd_now_ns() - t0) / k, k);
    if (st == WX_OK && !batch_write(b, &res, good, refused))
        st = wx_error_set(err, WX_ENOMEM, "out of host memory");
    wx_batch_result_free(&res);
    if (b->rows.root)
        for (size_t i = 0; i < k * ncols; i++)
            wx_value_free(&vals[i]);
    for (size_t i = 0; i < n; i++)
        free(refused[i]);
    free(vals);
    free(good);
    free(refused);
    return st;
}

void wxd_call_batch(wxd_server *s, const char *plugin, const char *func,
                    const wxd_request *rq, wxd_response *rs)
{
    batch_call b = {.rq = rq};
    if (!body_rows(rq, &b.rows, rs))
        return;
    wx_error err;
    wx_status st = on_target(s, plugin, func, batch_op, &b, &err);
    wxd_rowset_free(&b.rows);
    if (st != WX_OK) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    wxd_reply(rs, 200, "application/json", b.text, b.len);
}
