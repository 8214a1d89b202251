/*
 * The Extism ABI: plugins built with Extism's PDKs (Rust, Go,
 * AssemblyScript, C, ...) run unchanged. What the guest sees:
 *
 *   - an export per function, () -> i32 (or () -> ()): 0 is success,
 *     anything else an error whose message the guest set with error_set;
 *   - the imports of module "extism:host/env", all over 64-bit offsets
 *     into a memory that is not the guest's: alloc/free/length blocks,
 *     load_u8/u64 and store_u8/u64 to move bytes in and out of them,
 *     input_length/input_load_u8/u64 for the call's input, output_set for
 *     its output, error_set, config_get, var_get/var_set, log_* and
 *     http_request/http_status_code/http_headers (extism_http.c).
 *
 * That memory is ours: a byte arena per instance, reset at the end of
 * every call (so every block a call allocated is gone, whatever the
 * outcome), with a table of the blocks handed out. Offsets are arena
 * indices; the first 8 bytes are never handed out, so 0 is never a valid
 * block (Extism's null). Every offset and length a guest passes is
 * checked against the bytes in use; a bad one stops the call with
 * WX_EABI naming the import and the offset, never a host crash. Blocks are
 * bump-allocated and never reused within a call (free only marks them):
 * a call's blocks are bounded by WXA_EXTISM_CALL_BYTES in all, past which
 * alloc answers 0 as Extism's does when memory cannot grow.
 *
 * Per-instance state (variables and the arena) hangs off the instance's
 * userdata, so a host function finds it in O(1) without a lock: Go's PDK
 * reads its input 8 bytes per import call, and a lookup in a shared map
 * would cost more than the call. An instance runs one call at a time, so
 * the state needs no lock either.
 *
 * Where the two runtimes differ on purpose (docs/extism.md): a load or
 * store outside the blocks fails the call (Extism's kernel answers 0 or
 * ignores it); HTTP is refused unless extism.allowed_hosts names the host,
 * and a redirect is followed only to such a host (Extism's client follows
 * any).
 */
#include "extism_http.h"
#include "internal.h"

#include <inttypes.h>
#include "dl_jansson.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENV "extism:host/env"
/* Offsets below this are never handed out: 0 stays Extism's null. */
#define ARENA_BASE 8u
/* An arena this large is given back at the end of a call rather than
 * kept for the next one. */
#define ARENA_KEEP (1u << 20)
struct wxa_extism {
    wxa_extism_opts o;
    uint64_t max_var_bytes; /* 0: variables are off */
    uint64_t max_http_bytes;
};

typedef struct block {
    uint64_t off, len;
    bool live;
} block;

typedef struct var {
    char *key;
    size_t klen;
    uint8_t *val;
    size_t vlen;
} var;

/* One instance's Extism state (its userdata). */
typedef struct xstate {
    const wxa_extism *hub;
    /* The arena: bytes [0, used) are in use, [ARENA_BASE, used) blocks. */
    uint8_t *mem;
    uint64_t used, cap;
    block *blocks; /* by offset: bump allocation appends in order */
    size_t nblocks, bcap;
    /* The running call. */
    bool in_call;
    uint64_t in_off, in_len;
    uint64_t out_off, out_len;
    uint64_t err_off; /* 0: no error set */
    /* The call's last HTTP response: http_status_code, http_headers. */
    int http_status;
    json_t *http_headers;
    /* Variables: live as long as the instance. */
    var *vars;
    size_t nvars, vcap;
    uint64_t var_bytes;
} xstate;

static const char *const level_names[] = {"trace", "debug", "info", "warn",
                                          "error"};

const char *wxa_extism_level_name(wxa_extism_level l)
{
    return (unsigned)l <= WXA_EXTISM_ERROR ? level_names[l] : "?";
}

/* ------------------------------------------------------------ the hub */

wxa_extism *wxa_extism_new(const wxa_extism_opts *opts, wx_error *err)
{
    wxa_extism *hub = calloc(1, sizeof *hub);
    if (!hub) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    if (opts)
        hub->o = *opts;
    hub->max_var_bytes = hub->o.has_max_var_bytes ? hub->o.max_var_bytes
                         : hub->o.max_var_bytes   ? hub->o.max_var_bytes
                                                  : WXA_EXTISM_VAR_BYTES;
    hub->max_http_bytes = hub->o.max_http_response_bytes
                              ? hub->o.max_http_response_bytes
                              : WXA_EXTISM_HTTP_BYTES;
    return hub;
}

void wxa_extism_free(wxa_extism *hub)
{
    free(hub);
}

/* -------------------------------------------------- per-instance state */

static void vars_free(xstate *x)
{
    for (size_t i = 0; i < x->nvars; i++) {
        free(x->vars[i].key);
        free(x->vars[i].val);
    }
    free(x->vars);
    x->vars = NULL;
    x->nvars = x->vcap = 0;
    x->var_bytes = 0;
}

void wxa_extism_detach(wx_instance *inst)
{
    xstate *x = inst ? wx_instance_userdata(inst) : NULL;
    if (!x)
        return;
    vars_free(x);
    json_decref(x->http_headers);
    free(x->mem);
    free(x->blocks);
    free(x);
    wx_instance_set_userdata(inst, NULL);
}

/* The instance's state, made on its first call. */
static xstate *state_of(wx_instance *inst, const wxa_extism *hub,
                        wx_error *err)
{
    xstate *x = wx_instance_userdata(inst);
    if (x) {
        if (x->hub == hub)
            return x;
        /* A state of another hub (a test that reuses an instance): its
         * variables belong to that plugin. */
        wxa_extism_detach(inst);
    }
    x = calloc(1, sizeof *x);
    if (!x) {
        wx_error_set(err, WX_ENOMEM, "out of host memory");
        return NULL;
    }
    x->hub = hub;
    x->used = ARENA_BASE;
    wx_instance_set_userdata(inst, x);
    return x;
}

/* Frees every block of the call: the arena is empty again. */
static void arena_reset(xstate *x)
{
    x->used = ARENA_BASE;
    x->nblocks = 0;
    x->in_off = x->in_len = x->out_off = x->out_len = x->err_off = 0;
    x->http_status = 0;
    json_decref(x->http_headers);
    x->http_headers = NULL;
    if (x->cap > ARENA_KEEP) {
        free(x->mem);
        x->mem = NULL;
        x->cap = 0;
    }
    if (x->bcap > 4096) {
        free(x->blocks);
        x->blocks = NULL;
        x->bcap = 0;
    }
}

/* A new block of `len` bytes, zeroed; 0 when the call's memory is used
 * up or the host's is. */
static uint64_t arena_alloc(xstate *x, uint64_t len)
{
    if (len == 0 || len > WXA_EXTISM_CALL_BYTES - x->used)
        return 0;
    uint64_t need = x->used + len;
    if (need > x->cap) {
        uint64_t cap = x->cap ? x->cap : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *m = realloc(x->mem, cap);
        if (!m)
            return 0;
        x->mem = m;
        x->cap = cap;
    }
    if (x->nblocks == x->bcap) {
        size_t bcap = x->bcap ? x->bcap * 2 : 32;
        block *b = realloc(x->blocks, bcap * sizeof *b);
        if (!b)
            return 0;
        x->blocks = b;
        x->bcap = bcap;
    }
    uint64_t off = x->used;
    memset(x->mem + off, 0, len);
    x->used = need;
    x->blocks[x->nblocks++] = (block){off, len, true};
    return off;
}

/* The live block that starts at `off`, or NULL. */
static block *block_at(xstate *x, uint64_t off)
{
    size_t lo = 0, hi = x->nblocks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->blocks[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->nblocks && x->blocks[lo].off == off && x->blocks[lo].live)
        return &x->blocks[lo];
    return NULL;
}

/* Whether [off, off+len) lies inside the blocks handed out. */
static bool arena_has(const xstate *x, uint64_t off, uint64_t len)
{
    return off >= ARENA_BASE && off <= x->used && len <= x->used - off;
}

/* ----------------------------------------------------- host functions */

/* The state of the instance that called, in a call; else an error. */
static xstate *caller(wx_host_ctx *ctx, const char *fname)
{
    wx_instance *inst = wx_host_instance(ctx);
    xstate *x = inst ? wx_instance_userdata(inst) : NULL;
    if (!x || !x->in_call) {
        wx_error_set(wx_host_error(ctx), WX_EABI,
                     ENV ".%s called outside an Extism call (e.g. from the "
                         "module's start function or _initialize)",
                     fname);
        return NULL;
    }
    return x;
}

static wx_status out_of_bounds(wx_host_ctx *ctx, const xstate *x,
                               const char *fname, uint64_t off, uint64_t len)
{
    return wx_error_set(wx_host_error(ctx), WX_EABI,
                        ENV
                        ".%s: %" PRIu64 " bytes at offset %" PRIu64
                        " are outside Extism memory (offsets %u to %" PRIu64
                        " are in use)",
                        fname, len, off, ARENA_BASE, x->used);
}

static wx_status not_a_block(wx_host_ctx *ctx, const char *fname,
                             const char *what, uint64_t off)
{
    return wx_error_set(wx_host_error(ctx), WX_EABI,
                        ENV ".%s: %s offset %" PRIu64 " is not a block "
                            "from alloc",
                        fname, what, off);
}

/* The block at args[i], which must be a live one. */
static wx_status arg_block(wx_host_ctx *ctx, xstate *x, const char *fname,
                           const char *what, uint64_t off, block **out)
{
    *out = block_at(x, off);
    return *out ? WX_OK : not_a_block(ctx, fname, what, off);
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* wasm and every host we build for: little endian */
    return v;
}

#define HOST(name)                                                            \
    static wx_status name(wx_host_ctx *ctx, const wx_wasm_val *args,          \
                          wx_wasm_val *res, void *env)
#define STATE(fname)                                                          \
    (void)env;                                                                \
    (void)args;                                                               \
    (void)res;                                                                \
    xstate *x = caller(ctx, fname);                                           \
    if (!x)                                                                   \
    return WX_EABI
#define U64(i) ((uint64_t)args[i].of.i64)

HOST(h_input_length)
{
    STATE("input_length");
    res[0] = wx_wasm_i64((int64_t)x->in_len);
    return WX_OK;
}

HOST(h_input_offset)
{
    STATE("input_offset");
    res[0] = wx_wasm_i64((int64_t)x->in_off);
    return WX_OK;
}

HOST(h_input_load_u8)
{
    STATE("input_load_u8");
    uint64_t i = U64(0);
    if (i >= x->in_len)
        return out_of_bounds(ctx, x, "input_load_u8", x->in_off + i, 1);
    res[0] = wx_wasm_i32(x->mem[x->in_off + i]);
    return WX_OK;
}

HOST(h_input_load_u64)
{
    STATE("input_load_u64");
    uint64_t i = U64(0);
    if (i > x->in_len || x->in_len - i < 8)
        return out_of_bounds(ctx, x, "input_load_u64", x->in_off + i, 8);
    res[0] = wx_wasm_i64((int64_t)get_le64(x->mem + x->in_off + i));
    return WX_OK;
}

HOST(h_alloc)
{
    STATE("alloc");
    res[0] = wx_wasm_i64((int64_t)arena_alloc(x, U64(0)));
    return WX_OK;
}

HOST(h_free)
{
    STATE("free");
    block *b = block_at(x, U64(0));
    /* Freeing 0 or what is no block is a no-op, as in Extism. */
    if (b) {
        b->live = false;
        if (b->off == x->in_off)
            x->in_len = 0;
    }
    return WX_OK;
}

HOST(h_length)
{
    STATE("length");
    block *b = block_at(x, U64(0));
    res[0] = wx_wasm_i64(b ? (int64_t)b->len : 0);
    return WX_OK;
}

HOST(h_load_u8)
{
    STATE("load_u8");
    if (!arena_has(x, U64(0), 1))
        return out_of_bounds(ctx, x, "load_u8", U64(0), 1);
    res[0] = wx_wasm_i32(x->mem[U64(0)]);
    return WX_OK;
}

HOST(h_load_u64)
{
    STATE("load_u64");
    if (!arena_has(x, U64(0), 8))
        return out_of_bounds(ctx, x, "load_u64", U64(0), 8);
    res[0] = wx_wasm_i64((int64_t)get_le64(x->mem + U64(0)));
    return WX_OK;
}

HOST(h_store_u8)
{
    STATE("store_u8");
    if (!arena_has(x, U64(0), 1))
        return out_of_bounds(ctx, x, "store_u8", U64(0), 1);
    x->mem[U64(0)] = (uint8_t)args[1].of.i32;
    return WX_OK;
}

HOST(h_store_u64)
{
    STATE("store_u64");
    if (!arena_has(x, U64(0), 8))
        return out_of_bounds(ctx, x, "store_u64", U64(0), 8);
    uint64_t v = U64(1);
    memcpy(x->mem + U64(0), &v, 8);
    return WX_OK;
}

HOST(h_output_set)
{
    STATE("output_set");
    uint64_t off = U64(0), len = U64(1);
    /* An empty output may come as (0, 0): the PDKs allocate nothing for
     * it, and alloc(0) is 0. */
    if (len && !arena_has(x, off, len))
        return out_of_bounds(ctx, x, "output_set", off, len);
    x->out_off = len ? off : 0;
    x->out_len = len;
    return WX_OK;
}

HOST(h_error_set)
{
    STATE("error_set");
    uint64_t off = U64(0);
    block *b;
    if (off && arg_block(ctx, x, "error_set", "message", off, &b) != WX_OK)
        return WX_EABI;
    x->err_off = off;
    return WX_OK;
}

/* A copy of `len` bytes into a new block: its offset, or 0 with the call
 * failed when the call's memory is used up. */
static wx_status new_block(wx_host_ctx *ctx, xstate *x, const char *fname,
                           const void *data, size_t len, wx_wasm_val *res)
{
    uint64_t off = arena_alloc(x, len);
    if (!off && len)
        return wx_error_set(wx_host_error(ctx), WX_ELIMIT,
                            ENV ".%s: the call's Extism memory is used up "
                                "(at most %u bytes a call)",
                            fname, WXA_EXTISM_CALL_BYTES);
    if (len)
        memcpy(x->mem + off, data, len);
    res[0] = wx_wasm_i64((int64_t)off);
    return WX_OK;
}

static int kv_find(const void *key, const void *elem)
{
    return strcmp(key, ((const wxa_extism_kv *)elem)->key);
}

HOST(h_config_get)
{
    STATE("config_get");
    block *k;
    if (arg_block(ctx, x, "config_get", "key", U64(0), &k) != WX_OK)
        return WX_EABI;
    /* Keys are compared as C strings: a key with a NUL is no config key
     * (the config's keys come from JSON object keys). */
    char key[256];
    if (k->len >= sizeof key || memchr(x->mem + k->off, 0, k->len)) {
        res[0] = wx_wasm_i64(0);
        return WX_OK;
    }
    memcpy(key, x->mem + k->off, k->len);
    key[k->len] = '\0';
    const wxa_extism *hub = x->hub;
    const wxa_extism_kv *kv = hub->o.nconfig
                                  ? bsearch(key, hub->o.config, hub->o.nconfig,
                                            sizeof *hub->o.config, kv_find)
                                  : NULL;
    if (!kv) {
        res[0] = wx_wasm_i64(0);
        return WX_OK;
    }
    return new_block(ctx, x, "config_get", kv->value, strlen(kv->value), res);
}

static var *var_find(xstate *x, const uint8_t *key, size_t klen)
{
    for (size_t i = 0; i < x->nvars; i++)
        if (x->vars[i].klen == klen && memcmp(x->vars[i].key, key, klen) == 0)
            return &x->vars[i];
    return NULL;
}

HOST(h_var_get)
{
    STATE("var_get");
    block *k;
    if (arg_block(ctx, x, "var_get", "key", U64(0), &k) != WX_OK)
        return WX_EABI;
    var *v = var_find(x, x->mem + k->off, k->len);
    if (!v) {
        res[0] = wx_wasm_i64(0);
        return WX_OK;
    }
    return new_block(ctx, x, "var_get", v->val, v->vlen, res);
}

static void var_remove(xstate *x, var *v)
{
    x->var_bytes -= v->klen + v->vlen;
    free(v->key);
    free(v->val);
    *v = x->vars[--x->nvars];
}

HOST(h_var_set)
{
    STATE("var_set");
    const wxa_extism *hub = x->hub;
    if (hub->max_var_bytes == 0)
        return wx_error_set(wx_host_error(ctx), WX_ELIMIT,
                            ENV ".var_set: variables are off for this plugin "
                                "(extism.max_var_bytes 0)");
    block *k, *val = NULL;
    if (arg_block(ctx, x, "var_set", "key", U64(0), &k) != WX_OK)
        return WX_EABI;
    if (U64(1) && arg_block(ctx, x, "var_set", "value", U64(1), &val) != WX_OK)
        return WX_EABI;
    var *old = var_find(x, x->mem + k->off, k->len);
    uint64_t freed = old ? old->klen + old->vlen : 0;
    if (!val) { /* value 0: remove the variable */
        if (old)
            var_remove(x, old);
        return WX_OK;
    }
    uint64_t total = x->var_bytes - freed + k->len + val->len;
    if (total > hub->max_var_bytes)
        return wx_error_set(
            wx_host_error(ctx), WX_ELIMIT,
            ENV ".var_set: the variables would take %" PRIu64
                " bytes, more than extism.max_var_bytes (%" PRIu64 ")",
            total, hub->max_var_bytes);
    uint8_t *copy = malloc(val->len ? val->len : 1);
    if (!copy)
        return wx_error_set(wx_host_error(ctx), WX_ENOMEM,
                            "out of host memory");
    memcpy(copy, x->mem + val->off, val->len);
    if (old) {
        free(old->val);
        old->val = copy;
        old->vlen = val->len;
        x->var_bytes = total;
        return WX_OK;
    }
    if (x->nvars == x->vcap) {
        size_t cap = x->vcap ? x->vcap * 2 : 8;
        var *nv = realloc(x->vars, cap * sizeof *nv);
        if (!nv) {
            free(copy);
            return wx_error_set(wx_host_error(ctx), WX_ENOMEM,
                                "out of host memory");
        }
        x->vars = nv;
        x->vcap = cap;
    }
    char *key = malloc(k->len ? k->len : 1);
    if (!key) {
        free(copy);
        return wx_error_set(wx_host_error(ctx), WX_ENOMEM,
                            "out of host memory");
    }
    memcpy(key, x->mem + k->off, k->len);
    x->vars[x->nvars++] = (var){key, k->len, copy, val->len};
    x->var_bytes = total;
    return WX_OK;
}

static wx_status do_log(wx_host_ctx *ctx, const wx_wasm_val *args,
                        wxa_extism_level level, const char *fname)
{
    xstate *x = caller(ctx, fname);
    if (!x)
        return WX_EABI;
    block *b;
    if (arg_block(ctx, x, fname, "message", U64(0), &b) != WX_OK)
        return WX_EABI;
    const wxa_extism *hub = x->hub;
    if (hub->o.on_log)
        hub->o.on_log(hub->o.ud, level, x->mem + b->off, b->len);
    return WX_OK;
}

HOST(h_log_trace)
{
    (void)res, (void)env;
    return do_log(ctx, args, WXA_EXTISM_TRACE, "log_trace");
}
HOST(h_log_debug)
{
    (void)res, (void)env;
    return do_log(ctx, args, WXA_EXTISM_DEBUG, "log_debug");
}
HOST(h_log_info)
{
    (void)res, (void)env;
    return do_log(ctx, args, WXA_EXTISM_INFO, "log_info");
}
HOST(h_log_warn)
{
    (void)res, (void)env;
    return do_log(ctx, args, WXA_EXTISM_WARN, "log_warn");
}
HOST(h_log_error)
{
    (void)res, (void)env;
    return do_log(ctx, args, WXA_EXTISM_ERROR, "log_error");
}

HOST(h_get_log_level)
{
    STATE("get_log_level");
    (void)x;
    /* Every level reaches the plugin's guest log, which bounds it. */
    res[0] = wx_wasm_i32(WXA_EXTISM_TRACE);
    return WX_OK;
}

/* The host of an http(s) URL, into buf; false if there is none. The
 * userinfo (user:password@) is skipped: it never reaches a message. */
static bool url_host(const char *url, char *buf, size_t cap)
{
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    size_t end = strcspn(p, "/?#");
    const char *at = memchr(p, '@', end);
    if (at) {
        end -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t n;
    if (*p == '[') { /* an IPv6 literal */
        const char *close = memchr(p, ']', end);
        if (!close)
            return false;
        n = (size_t)(close + 1 - p);
    } else {
        n = strcspn(p, ":/?#");
        if (n > end)
            n = end;
    }
    if (n == 0 || n >= cap)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

/* The request's parts other than its url: a method (a string, or null for
 * GET) and headers (an object, "header" in old PDKs), as Extism reads
 * them; NULL for what is absent. */
static wx_status request_parts(wx_host_ctx *ctx, json_t *j,
                               const char **method, json_t **headers)
{
    json_t *m = json_object_get(j, "method");
    json_t *h = json_object_get(j, "headers");
    if (!h)
        h = json_object_get(j, "header");
    *method = json_string_value(m);
    *headers = json_is_object(h) ? h : NULL;
    if ((m && !json_is_null(m) && !*method) ||
        (h && !json_is_null(h) && !*headers))
        return wx_error_set(wx_host_error(ctx), WX_EABI,
                            ENV ".http_request: the request's \"method\" "
                                "must be a string and its \"headers\" an "
                                "object of strings");
    return WX_OK;
}

/* The response into the call: its body as a new block (0 when empty),
 * its status and headers for http_status_code and http_headers. */
static wx_status take_response(wx_host_ctx *ctx, xstate *x, wxai_http_resp *rs,
                               wx_wasm_val *res)
{
    x->http_status = rs->status;
    x->http_headers = rs->headers;
    rs->headers = NULL;
    wx_status s = new_block(ctx, x, "http_request", rs->body, rs->len, res);
    wxai_http_resp_free(rs);
    return s;
}

HOST(h_http_request)
{
    STATE("http_request");
    block *req, *body = NULL;
    if (arg_block(ctx, x, "http_request", "request", U64(0), &req) != WX_OK)
        return WX_EABI;
    if (U64(1) &&
        arg_block(ctx, x, "http_request", "body", U64(1), &body) != WX_OK)
        return WX_EABI;
    x->http_status = 0;
    json_decref(x->http_headers);
    x->http_headers = NULL;
    json_t *j = json_loadb((const char *)x->mem + req->off, req->len, 0, NULL);
    const char *url = json_string_value(json_object_get(j, "url"));
    char host[256];
    wx_error *err = wx_host_error(ctx);
    const wxa_extism *hub = x->hub;
    wx_status s = WX_OK;
    /* The host is checked here first, so that a plugin whose requests are
     * all denied never loads libcurl; extism_http.c checks it again as
     * curl parses it. Only the host goes into messages: the URL may carry
     * credentials. */
    if (!url || !url_host(url, host, sizeof host))
        s = wx_error_set(err, WX_EABI,
                         ENV ".http_request: the request is not JSON with "
                             "an http(s) \"url\"");
    else if (!wxai_http_host_allowed(hub->o.nhosts, hub->o.allowed_hosts,
                                     host))
        s = wx_error_set(err, WX_EHOST,
                         ENV ".http_request: HTTP request to host \"%s\" "
                             "denied: %s",
                         host,
                         hub->o.nhosts
                             ? "not in extism.allowed_hosts"
                             : "no hosts are allowed (extism.allowed_hosts "
                               "is empty)");
    wxai_http_req rq = {
        .url = url,
        .body = body ? x->mem + body->off : NULL,
        .body_len = body ? (size_t)body->len : 0,
        .has_body = body != NULL,
        .nhosts = hub->o.nhosts,
        .hosts = hub->o.allowed_hosts,
        .max_bytes = hub->max_http_bytes,
    };
    if (s == WX_OK)
        s = request_parts(ctx, j, &rq.method, &rq.headers);
    wxai_http_resp rs;
    if (s == WX_OK)
        s = wxai_http_fetch(&rq, wx_host_instance(ctx), &rs, err);
    json_decref(j);
    return s == WX_OK ? take_response(ctx, x, &rs, res) : s;
}

HOST(h_http_status_code)
{
    STATE("http_status_code");
    res[0] = wx_wasm_i32(x->http_status); /* 0: no response in this call */
    return WX_OK;
}

/* The last response's headers as a JSON object of lower-case names, as
 * Extism's runtime gives them when its manifest allows it; 0 before any
 * response. */
HOST(h_http_headers)
{
    STATE("http_headers");
    if (!x->http_headers) {
        res[0] = wx_wasm_i64(0);
        return WX_OK;
    }
    char *doc = json_dumps(x->http_headers, JSON_COMPACT);
    if (!doc)
        return wx_error_set(wx_host_error(ctx), WX_ENOMEM,
                            "out of host memory");
    wx_status s = new_block(ctx, x, "http_headers", doc, strlen(doc), res);
    free(doc);
    return s;
}

#undef HOST
#undef STATE
#undef U64

/* ------------------------------------------------------------- linking */

typedef struct import_def {
    const char *name;
    wx_host_fn fn;
    const char *params, *results; /* 'I' i64, 'i' i32 */
} import_def;

static const import_def imports[] = {
    {"input_length", h_input_length, "", "I"},
    {"input_offset", h_input_offset, "", "I"},
    {"input_load_u8", h_input_load_u8, "I", "i"},
    {"input_load_u64", h_input_load_u64, "I", "I"},
    {"alloc", h_alloc, "I", "I"},
    {"free", h_free, "I", ""},
    {"length", h_length, "I", "I"},
    {"length_unsafe", h_length, "I", "I"},
    {"load_u8", h_load_u8, "I", "i"},
    {"load_u64", h_load_u64, "I", "I"},
    {"store_u8", h_store_u8, "Ii", ""},
    {"store_u64", h_store_u64, "II", ""},
    {"output_set", h_output_set, "II", ""},
    {"error_set", h_error_set, "I", ""},
    {"config_get", h_config_get, "I", "I"},
    {"var_get", h_var_get, "I", "I"},
    {"var_set", h_var_set, "II", ""},
    {"log_trace", h_log_trace, "I", ""},
    {"log_debug", h_log_debug, "I", ""},
    {"log_info", h_log_info, "I", ""},
    {"log_warn", h_log_warn, "I", ""},
    {"log_error", h_log_error, "I", ""},
    {"get_log_level", h_get_log_level, "", "i"},
    {"http_request", h_http_request, "II", "I"},
    {"http_status_code", h_http_status_code, "", "i"},
    {"http_headers", h_http_headers, "", "I"},
};

static size_t to_types(const char *code, wx_valtype *out)
{
    size_t n = 0;
    for (; code[n]; n++)
        out[n] = code[n] == 'I' ? WX_I64 : WX_I32;
    return n;
}

wx_status wxa_linker_add_extism(wx_linker *l, wxa_extism *hub, wx_error *err)
{
    if (!l || !hub)
        return wx_error_set(err, WX_EARG, "missing linker or Extism hub");
    for (size_t i = 0; i < sizeof imports / sizeof *imports; i++) {
        wx_valtype p[2], r[1];
        wx_functype t;
        t.nparams = (uint32_t)to_types(imports[i].params, p);
        t.nresults = (uint32_t)to_types(imports[i].results, r);
        t.params = p;
        t.results = r;
        wx_status s = wx_linker_define_func(l, ENV, imports[i].name, &t,
                                            imports[i].fn, hub, err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

/* --------------------------------------------------------------- check */

static bool is_buf(wxa_type t)
{
    return t == WXA_STRING || t == WXA_BYTES || t == WXA_JSON;
}

wx_status wxai_extism_check(const wx_module *m, const wxa_fn *fn,
                            const wx_functype *t, const char *where,
                            wx_error *err)
{
    (void)m;
    char sig[96];
    if (t->nparams != 0 || t->nresults > 1 ||
        (t->nresults == 1 && t->results[0] != WX_I32)) {
        wxai_format_functype(t, sig, sizeof sig);
        return wxai_fail(err, WX_EINVALID, where,
                         "\"%s\" has type %s; an Extism function is () -> "
                         "i32 (or () -> ())",
                         fn->name, sig);
    }
    if (fn->nparams > 1 || fn->nresults > 1)
        return wxai_fail(err, WX_EINVALID, where,
                         "abi extism takes at most one parameter and one "
                         "result (the plugin's input and output)");
    if ((fn->nparams && !is_buf(fn->params[0])) ||
        (fn->nresults && !is_buf(fn->results[0])))
        return wxai_fail(err, WX_EINVALID, where,
                         "abi extism passes string, bytes or json (the "
                         "plugin's input and output are bytes)");
    return WX_OK;
}

/* ---------------------------------------------------------------- call */

/* The guest's error message, cleaned of control bytes, as the call's
 * error; a default when it set none. */
static wx_status guest_error(const xstate *x, const wxa_fn *fn, int32_t rc,
                             wx_error *err)
{
    const block *b = x->err_off ? block_at((xstate *)x, x->err_off) : NULL;
    if (!b)
        return wx_error_set(err, WX_EGUEST,
                            "guest error: %s returned %" PRId32
                            " and set no error message",
                            fn->name, rc);
    return wxai_guest_message(x->mem + b->off, (size_t)b->len, err);
}

/* The call's output as the declared result type. */
static wx_status take_output(const xstate *x, const wxa_fn *fn,
                             wxa_results *out, wx_error *err)
{
    if (fn->nresults == 0)
        return WX_OK;
    wxa_type t = fn->results[0];
    const uint8_t *p = x->out_len ? x->mem + x->out_off : (const uint8_t *)"";
    size_t len = (size_t)x->out_len;
    if (t == WXA_STRING && !wxai_utf8_valid(p, len))
        return wx_error_set(err, WX_EABI,
                            "%s: result 1: the output (%zu bytes) is not "
                            "UTF-8 (declare the result bytes)",
                            fn->name, len);
    if (t == WXA_JSON) {
        json_error_t je;
        json_t *j = json_loadb((const char *)p, len, JSON_DECODE_ANY, &je);
        if (!j)
            return wx_error_set(err, WX_EABI,
                                "%s: result 1: the output is not JSON (%s at "
                                "byte %d)",
                                fn->name, je.text, je.position);
        json_decref(j);
    }
    wx_status s = wxa_value_set(&out->values[0], t, p, len, err);
    if (s == WX_OK)
        out->count = 1;
    return s;
}

wx_status wxai_extism_call(wx_instance *inst, wx_wasm_func *f,
                           const wxa_fn *fn, const wxa_value *args,
                           size_t nargs, wxa_results *out, wx_error *err)
{
    if (!fn->extism)
        return wx_error_set(err, WX_EARG,
                            "%s: abi extism needs the Extism imports "
                            "(wxa_linker_add_extism, fn->extism)",
                            fn->name);
    if (nargs > 1)
        return wx_error_set(err, WX_EARG,
                            "%s: expected at most 1 argument, got %zu",
                            fn->name, nargs);
    const uint8_t *in = NULL;
    size_t in_len = 0;
    wxa_value conv;
    bool owned = false;
    if (nargs) {
        wxa_type t = fn->nparams ? fn->params[0] : WXA_BYTES;
        wx_status s = wxai_arg(&args[0], 0, t, &conv, &owned, err);
        if (s != WX_OK)
            return s;
        in = (const uint8_t *)conv.of.buf.data;
        in_len = conv.of.buf.len;
    }
    xstate *x = state_of(inst, fn->extism, err);
    wx_status s = x ? WX_OK : WX_ENOMEM;
    if (s == WX_OK && in_len) {
        x->in_off = arena_alloc(x, in_len);
        if (!x->in_off)
            s = wx_error_set(err, WX_ELIMIT,
                             "%s: the input (%zu bytes) does not fit the "
                             "call's Extism memory (%u bytes)",
                             fn->name, in_len, WXA_EXTISM_CALL_BYTES);
        else
            memcpy(x->mem + x->in_off, in, in_len);
        x->in_len = in_len;
    }
    if (owned)
        wxa_value_free(&conv);
    if (s != WX_OK) {
        if (x)
            arena_reset(x);
        return s;
    }
    const wx_functype *ft = wx_wasm_func_type(f);
    wx_wasm_val r[1];
    x->in_call = true;
    s = wx_call(f, NULL, 0, r, ft->nresults, err);
    x->in_call = false;
    int32_t rc = s == WX_OK && ft->nresults ? r[0].of.i32 : 0;
    if (s == WX_OK)
        s = rc != 0 ? guest_error(x, fn, rc, err)
                    : take_output(x, fn, out, err);
    arena_reset(x);
    return s;
}
