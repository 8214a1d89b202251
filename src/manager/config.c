/*
 * Plugin config parsing, validation and canonical serialization.
 *
 * The parser walks the JSON tree once, checking each object's keys against
 * its known list first (so a typo is reported before anything that the
 * typo caused to be missing), then each field in canonical order. Every
 * allocation of a config is linked into its block list, so the many error
 * paths need no cleanup beyond one wxg_config_free().
 */
#include "config.h"

#include "internal.h" /* src/abi: wxai_utf8_valid */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Config files are small; a bigger file is a mistake, not a config. */
#define CONFIG_FILE_MAX (1u << 20)

#define INSTANCE_NUM_MAX WX_MAX_INSTANCE_NUM
#define MEMORY_PAGES_MAX 65536
#define TIMEOUT_MS_MAX 3600000
#define STACK_MIN 16
#define STACK_MAX 100000
/* json_int_t is long long (jansson 2.x with long long support). */
#define FUEL_MAX LLONG_MAX
/* extism.max_var_bytes: the variables one instance of a plugin keeps. */
#define EXTISM_VAR_BYTES_MAX (64 << 20)
/* Recordings hold their arguments in memory: a bound keeps a plugin
 * whose every row fails from growing without end. */
#define RECORD_FAILED_MAX 10000
/* extism.max_http_response_bytes: at most what one call's Extism memory
 * holds (WXA_EXTISM_CALL_BYTES). */
#define EXTISM_HTTP_BYTES_MAX (64 << 20)

#define TYPE_CHOICES                                                          \
    "i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 bool char string bytes json, "     \
    "vec<T>"
#define SCALAR_CHOICES "i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 bool char"
#define VEC_ELEM_CHOICES "i8 u8 i16 u16 i32 u32 i64 u64"

struct wxg_block {
    wxg_block *next;
    _Alignas(max_align_t) unsigned char data[];
};

/* ------------------------------------------------------------ names */

bool wxg_type_is_scalar(wx_type t)
{
    return t <= WX_TYPE_CHAR;
}

static const char *const output_names[] = {NULL, "log", "inherit", "discard"};

const char *wxg_output_name(wx_wasi_output o)
{
    return (unsigned)o < 4 ? output_names[o] : NULL;
}

static const char *const init_names[] = {NULL, "_initialize", "_start",
                                         "none"};

const char *wxg_init_name(wx_wasi_init i)
{
    return (unsigned)i < 4 ? init_names[i] : NULL;
}

static const char *const input_names[] = {NULL, "empty", "inherit"};

const char *wxg_input_name(wx_wasi_stdin i)
{
    return (unsigned)i < 3 ? input_names[i] : NULL;
}

bool wxg_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alpha =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!alpha && !(digit && i > 0))
            return false;
    }
    return true;
}

const char *wxg_engine_label(const wxg_config *cfg)
{
    if (cfg->engine == WXG_ENGINE_AOT)
        return "aot (not available yet)";
    return cfg->engine_wasmedge ? "wasmedge (synonym of interp)" : "interp";
}

bool wxg_engine_available(const wxg_config *cfg, wx_error *err)
{
    if (cfg->engine == WXG_ENGINE_AOT) {
        wx_error_set(err, WX_EARG,
                     "vm_config.engine: \"aot\" is not available yet "
                     "(use interp)");
        return false;
    }
    return true;
}

const wxg_function *wxg_config_function(const wxg_config *cfg,
                                        const char *name)
{
    for (size_t i = 0; i < cfg->nfuncs; i++)
        if (strcmp(cfg->funcs[i].name, name) == 0)
            return &cfg->funcs[i];
    return NULL;
}

/* ------------------------------------------------------------ parser */

typedef struct parser {
    wxg_config *cfg;
    wx_error *err;
    const char *base_dir; /* resolves relative paths; may be NULL */
    const char *source;   /* file name that prefixes messages; may be NULL */
} parser;

/* Sets a WX_EARG error "<source>: <path>: <problem>"; returns false. */
static bool fail(parser *p, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(parser *p, const char *path, const char *fmt, ...)
{
    char problem[sizeof p->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof problem, fmt, ap);
    va_end(ap);
    wx_error_set(p->err, WX_EARG, "%s%s%s: %s", p->source ? p->source : "",
                 p->source ? ": " : "", path, problem);
    return false;
}

static void *palloc(parser *p, size_t size)
{
    wxg_block *b = calloc(1, sizeof *b + (size ? size : 1));
    if (!b) {
        wx_error_set(p->err, WX_ENOMEM, "out of memory parsing the config");
        return NULL;
    }
    b->next = p->cfg->blocks_;
    p->cfg->blocks_ = b;
    return b->data;
}

static void *palloc_array(parser *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        wx_error_set(p->err, WX_ENOMEM, "out of memory parsing the config");
        return NULL;
    }
    return palloc(p, n * size);
}

static char *pstrdup(parser *p, const char *s)
{
    size_t n = strlen(s);
    char *d = palloc(p, n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* A string in quotes for "got ..." in messages, cut at 40 bytes. */
static const char *quote(const char *s, char *buf, size_t size)
{
    if (strlen(s) > 40)
        snprintf(buf, size, "\"%.37s...\"", s);
    else
        snprintf(buf, size, "\"%s\"", s);
    return buf;
}

/* A short description of a JSON value for "got ..." in messages. */
static const char *describe(const json_t *v, char *buf, size_t size)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return json_array_size(v) ? "an array" : "an empty array";
    case JSON_STRING: return quote(json_string_value(v), buf, size);
    case JSON_INTEGER:
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    case JSON_REAL:
        snprintf(buf, size, "%.17g", json_real_value(v));
        return buf;
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "?";
}

#define GOT(v) describe((v), got_, sizeof got_)

/* "a.b" from "a" and "b"; the top level has the empty path. */
static void join(char *out, size_t size, const char *path, const char *key)
{
    snprintf(out, size, "%s%s%s", path, *path ? "." : "", key);
}

/* Refuses keys not in `known` (a NULL-terminated list). */
static bool check_keys(parser *p, const json_t *obj, const char *path,
                       const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; known[i] && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (ok)
            continue;
        char keys[160] = "", at[160];
        for (size_t i = 0; known[i]; i++) {
            size_t n = strlen(keys);
            snprintf(keys + n, sizeof keys - n, "%s%s", i ? ", " : "",
                     known[i]);
        }
        join(at, sizeof at, path, key);
        return fail(p, at, "unknown key (keys: %s)", keys);
    }
    return true;
}

/* A string field: absent (ok, *out NULL) or a string; copied. */
static bool get_string(parser *p, const json_t *obj, const char *path,
                       const char *key, bool required, const char **out)
{
    char at[160], got_[64];
    json_t *v = json_object_get(obj, key);
    join(at, sizeof at, path, key);
    *out = NULL;
    if (!v)
        return required ? fail(p, at, "required") : true;
    if (!json_is_string(v))
        return fail(p, at, "must be a string, got %s", GOT(v));
    return (*out = pstrdup(p, json_string_value(v))) != NULL;
}

/* The checks below are the config's rules, shared by the JSON parser
 * and wxg_config_from_spec; `got` is the value as messages quote it. */

/* An integer outside [lo, hi] at `at`. */
static bool range_error(parser *p, const char *at, long long lo, long long hi,
                        const char *got)
{
    if (hi == FUEL_MAX)
        return fail(p, at, "must be a positive integer (0: unlimited), got %s",
                    got);
    return fail(p, at, "must be an integer from %lld to %lld, got %s", lo, hi,
                got);
}

static bool check_name(parser *p, const char *name, const char *got)
{
    if (wxg_name_valid(name))
        return true;
    return fail(p, "name",
                "%s is not a valid name (letters, digits and _, not "
                "starting with a digit, 1 to 64 characters)",
                got);
}

/* instance_num above the bound gets the reason for the bound. */
static bool check_instances(parser *p, long long n, const char *got)
{
    if (n > INSTANCE_NUM_MAX)
        return fail(p, "instance_num",
                    "%lld is more than the maximum of %u instances per "
                    "plugin (each holds a copy of the guest's memory; "
                    "calls beyond that many at once wait for a free one)",
                    n, INSTANCE_NUM_MAX);
    if (n < 1)
        return range_error(p, "instance_num", 1, INSTANCE_NUM_MAX, got);
    return true;
}

static bool check_export_name(parser *p, const char *at, const char *name)
{
    return *name ? true
                 : fail(p, at, "must not be empty (an export name)");
}

/* Function i's name is not one of the functions before it. */
static bool check_unique(parser *p, const char *at, const wxg_function *funcs,
                         size_t i)
{
    /* Quadratic, but configs list a handful of functions. */
    for (size_t j = 0; j < i; j++)
        if (strcmp(funcs[j].name, funcs[i].name) == 0)
            return fail(p, at, "\"%s\" is listed twice (also functions[%zu])",
                        funcs[i].name, j);
    return true;
}

/* How many types "params" or "results" (`key`) may hold for `abi`;
 * `declared` false: the key is absent. */
static bool check_type_count(parser *p, const char *at, const char *key,
                             wx_abi abi, bool declared, size_t n)
{
    if (!declared) {
        /* Extism's input and output are bytes unless declared. */
        if (abi != WX_ABI_NUMERIC && abi != WX_ABI_EXTISM)
            return fail(p, at, "required for abi %s", wx_abi_name(abi));
        return true;
    }
    if (n > 1000)
        return fail(p, at, "too many types (at most 1000)");
    if (abi == WX_ABI_EXTISM && n > 1)
        return fail(p, at,
                    "abi extism takes at most one type (the plugin's %s)",
                    strcmp(key, "params") == 0 ? "input" : "output");
    return true;
}

/* A type the function's abi can carry. */
static bool check_type(parser *p, const char *at, wx_type t, wx_abi abi,
                       const char *got)
{
    if (abi == WX_ABI_NUMERIC && !wxg_type_is_scalar(t))
        return fail(p, at,
                    "%s needs abi bindgen or cstring (abi numeric "
                    "takes " SCALAR_CHOICES ")",
                    got);
    if (abi == WX_ABI_EXTISM && t != WX_TYPE_STRING && t != WX_TYPE_BYTES &&
        t != WX_TYPE_JSON)
        return fail(p, at,
                    "%s does not fit abi extism (an Extism plugin's input "
                    "and output are string, bytes or json)",
                    got);
    return true;
}

/* A key of wasi.env (is_env) or wasi.preopens at `at`. */
static bool check_kv_key(parser *p, const char *at, bool is_env,
                         const char *key)
{
    if (*key && !(is_env && strchr(key, '=')))
        return true;
    return fail(p, at,
                is_env ? "\"%s\" is not a valid variable name (it "
                         "must be non-empty and have no \"=\")"
                       : "\"%s\" is not a valid guest path (it must "
                         "be non-empty)",
                key);
}

/* Its value, at `vat`: a preopen needs a host directory. */
static bool check_kv_value(parser *p, const char *vat, bool is_env,
                           const char *value)
{
    if (!is_env && !*value)
        return fail(p, vat, "must not be empty (a host directory)");
    return true;
}

/* An integer field in [lo, hi]; *out keeps its value when absent. */
static bool get_int(parser *p, const json_t *obj, const char *path,
                    const char *key, json_int_t lo, json_int_t hi,
                    json_int_t *out)
{
    char at[160], got_[64];
    json_t *v = json_object_get(obj, key);
    join(at, sizeof at, path, key);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < lo ||
        json_integer_value(v) > hi)
        return range_error(p, at, lo, hi, GOT(v));
    *out = json_integer_value(v);
    return true;
}

/* An optional object field; *out is NULL when absent. */
static bool get_object(parser *p, const json_t *obj, const char *key,
                       const json_t **out)
{
    char got_[64];
    json_t *v = json_object_get(obj, key);
    *out = v;
    if (v && !json_is_object(v))
        return fail(p, key, "must be an object, got %s", GOT(v));
    return true;
}

/* Makes a relative path absolute against base_dir, when there is one. */
static const char *resolve(parser *p, const char *path)
{
    if (!p->base_dir || path[0] == '/')
        return pstrdup(p, path);
    while (path[0] == '.' && path[1] == '/')
        for (path += 2; *path == '/'; path++)
            ;
    size_t nb = strlen(p->base_dir), np = strlen(path);
    bool slash = nb && p->base_dir[nb - 1] == '/';
    char *d = palloc(p, nb + np + 2);
    if (d)
        snprintf(d, nb + np + 2, "%s%s%s", p->base_dir, slash ? "" : "/",
                 path);
    return d;
}

/* ---------------------------------------------------------- sections */

static bool parse_vm_config(parser *p, const json_t *root)
{
    static const char *const keys[] = {"engine", "path", NULL};
    const json_t *vm;
    if (!get_object(p, root, "vm_config", &vm))
        return false;
    if (!vm)
        return fail(p, "vm_config", "required (it gives the .wasm path)");
    if (!check_keys(p, vm, "vm_config", keys))
        return false;

    const char *engine;
    if (!get_string(p, vm, "vm_config", "engine", false, &engine))
        return false;
    if (!engine || strcmp(engine, "interp") == 0) {
        p->cfg->engine = WXG_ENGINE_INTERP;
    } else if (strcmp(engine, "wasmedge") == 0) {
        p->cfg->engine = WXG_ENGINE_INTERP;
        p->cfg->engine_wasmedge = true;
    } else if (strcmp(engine, "aot") == 0) {
        p->cfg->engine = WXG_ENGINE_AOT;
    } else {
        char got_[64];
        return fail(p, "vm_config.engine",
                    "%s is not a known engine (choose interp, aot or "
                    "wasmedge)",
                    GOT(json_object_get(vm, "engine")));
    }

    const char *path;
    if (!get_string(p, vm, "vm_config", "path", true, &path))
        return false;
    if (!*path)
        return fail(p, "vm_config.path", "must not be empty");
    return (p->cfg->path = resolve(p, path)) != NULL;
}

/* One params/results type. */
static bool parse_type(parser *p, const json_t *v, const char *at, wx_abi abi,
                       wx_type *out)
{
    char got_[64];
    if (!json_is_string(v))
        return fail(p, at, "must be a type name, got %s", GOT(v));
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (!wx_type_parse(s, out)) {
        if (n > 5 && strncmp(s, "vec<", 4) == 0 && s[n - 1] == '>')
            return fail(p, at,
                        "%s is not a type (vec<T> takes an integer "
                        "type: " VEC_ELEM_CHOICES ")",
                        GOT(v));
        return fail(p, at, "%s is not a type (types: " TYPE_CHOICES ")",
                    GOT(v));
    }
    return check_type(p, at, *out, abi, GOT(v));
}

/* "params" or "results" of function object `fn` at path `fpath`. */
static bool parse_types(parser *p, const json_t *fn, const char *fpath,
                        const char *key, wx_abi abi, bool *has,
                        uint32_t *count, const wx_type **out)
{
    char at[160], got_[64];
    json_t *arr = json_object_get(fn, key);
    join(at, sizeof at, fpath, key);
    if (!arr)
        return check_type_count(p, at, key, abi, false, 0);
    if (!json_is_array(arr))
        return fail(p, at, "must be an array of type names, got %s", GOT(arr));
    size_t n = json_array_size(arr);
    if (!check_type_count(p, at, key, abi, true, n))
        return false;
    wx_type *types = palloc_array(p, n, sizeof *types);
    if (!types)
        return false;
    for (size_t i = 0; i < n; i++) {
        char tat[184];
        snprintf(tat, sizeof tat, "%s[%zu]", at, i);
        if (!parse_type(p, json_array_get(arr, i), tat, abi, &types[i]))
            return false;
    }
    *has = true;
    *count = (uint32_t)n;
    *out = types;
    return true;
}

static bool parse_abi(parser *p, const json_t *fn, const char *fpath,
                      wx_abi *out)
{
    char at[160], got_[64];
    json_t *v = json_object_get(fn, "abi");
    join(at, sizeof at, fpath, "abi");
    *out = WX_ABI_NUMERIC;
    if (!v)
        return true;
    if (!json_is_string(v))
        return fail(p, at, "must be a string, got %s", GOT(v));
    if (wx_abi_parse(json_string_value(v), out))
        return true;
    /* The choices from the list itself, so that a new ABI is offered. */
    char choices[128] = "";
    for (unsigned a = 0; a < WX_ABI_COUNT_; a++) {
        size_t n = strlen(choices);
        snprintf(choices + n, sizeof choices - n, "%s%s",
                 a == 0                   ? ""
                 : a + 1 == WX_ABI_COUNT_ ? " or "
                                          : ", ",
                 wx_abi_name((wx_abi)a));
    }
    return fail(p, at, "%s is not a known abi (choose %s)", GOT(v), choices);
}

/* ------------------------------------------------------ abi "memory" */

/* memory.alloc or memory.free: a helper's spelling (memabi.h). */
static bool parse_helper(parser *p, const json_t *mo, const char *mpath,
                         bool is_free, const char **name, int *form)
{
    char at[192], why[200];
    const char *text;
    const char *key = is_free ? "free" : "alloc";
    join(at, sizeof at, mpath, key);
    *name = NULL;
    *form = 0;
    if (!get_string(p, mo, mpath, key, false, &text))
        return false;
    if (!text)
        return true;
    size_t n;
    if (!wxa_memabi_parse_helper(text, is_free, &n, form, why, sizeof why))
        return fail(p, at, "%s", why);
    if (n == 0)
        return true;
    char *d = palloc(p, n + 1);
    if (!d)
        return false;
    memcpy(d, text, n);
    d[n] = '\0';
    *name = d;
    return true;
}

/* memory.params: one shape per param; by default value for numbers and
 * ptr_len for string, bytes and json. */
static bool parse_shapes(parser *p, const json_t *mo, const char *mpath,
                         const wxg_function *f, wxa_memabi *ma)
{
    char at[192], got_[64], why[200];
    json_t *arr = json_object_get(mo, "params");
    join(at, sizeof at, mpath, "params");
    if (!arr) {
        for (uint32_t i = 0; i < f->nparams; i++)
            ma->params[i] = wxa_memabi_default_shape(f->params[i]);
        ma->nparams = f->nparams;
        return true;
    }
    if (!json_is_array(arr))
        return fail(p, at, "must be an array of shapes, got %s", GOT(arr));
    size_t n = json_array_size(arr);
    if (n > WX_MAX_VALUES)
        return fail(p, at, "too many shapes (at most %u)", WX_MAX_VALUES);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        char sat[208];
        snprintf(sat, sizeof sat, "%s[%zu]", at, i);
        uint32_t size;
        if (!json_is_string(v))
            return fail(p, sat, "must be a shape name, got %s", GOT(v));
        if (!wxa_memabi_parse_shape(json_string_value(v), false,
                                    &ma->params[i], &size, why, sizeof why))
            return fail(p, sat, "%s", why);
    }
    ma->nparams = (uint32_t)n;
    return true;
}

/* An optional boolean; *out keeps its value when absent. */
static bool get_bool(parser *p, const json_t *obj, const char *path,
                     const char *key, bool *out)
{
    char at[192], got_[64];
    json_t *v = json_object_get(obj, key);
    join(at, sizeof at, path, key);
    if (!v)
        return true;
    if (!json_is_boolean(v))
        return fail(p, at, "must be true or false, got %s", GOT(v));
    *out = json_is_true(v);
    return true;
}

/* The "memory" object of an abi memory function (docs/memory-abi.md). */
static bool parse_memory(parser *p, const json_t *fn, const char *fpath,
                         wxg_function *f)
{
    static const char *const keys[] = {"alloc",       "free",   "align",
                                       "params",      "result", "free_params",
                                       "free_result", NULL};
    char mpath[176], at[192], got_[64], why[200];
    json_t *mo = json_object_get(fn, "memory");
    join(mpath, sizeof mpath, fpath, "memory");
    if (f->abi != WX_ABI_MEMORY) {
        if (mo)
            return fail(p, mpath,
                        "only for abi memory (this function's abi "
                        "is %s)",
                        wx_abi_name(f->abi));
        return true;
    }
    if (!mo)
        return fail(p, mpath,
                    "required for abi memory (the allocator, free and each "
                    "value's shape: docs/memory-abi.md)");
    if (!json_is_object(mo))
        return fail(p, mpath, "must be an object, got %s", GOT(mo));
    if (!check_keys(p, mo, mpath, keys))
        return false;
    if (f->nparams > WX_MAX_VALUES || f->nresults > WX_MAX_VALUES)
        return fail(p, mpath, "abi memory takes at most %u params and results",
                    WX_MAX_VALUES);
    wxa_memabi *ma = palloc(p, sizeof *ma);
    if (!ma)
        return false;
    int form;
    if (!parse_helper(p, mo, mpath, false, &ma->alloc_name, &form))
        return false;
    ma->alloc = (wxa_alloc_form)form;
    if (!parse_helper(p, mo, mpath, true, &ma->free_name, &form))
        return false;
    ma->free = (wxa_free_form)form;

    json_int_t align = 1;
    join(at, sizeof at, mpath, "align");
    if (!get_int(p, mo, mpath, "align", 1, 65536, &align))
        return false;
    if (json_object_get(mo, "align") && ma->alloc != WXA_ALLOC_SIZE_ALIGN &&
        ma->free != WXA_FREE_PTR_SIZE_ALIGN)
        return fail(p, at, "only for an alloc or free that takes align");
    ma->align = (uint32_t)align;

    if (!parse_shapes(p, mo, mpath, f, ma))
        return false;
    json_t *r = json_object_get(mo, "result");
    join(at, sizeof at, mpath, "result");
    ma->result = WXA_SHAPE_VALUE;
    if (r && !json_is_string(r))
        return fail(p, at, "must be a shape name, got %s", GOT(r));
    if (r && !wxa_memabi_parse_shape(json_string_value(r), true, &ma->result,
                                     &ma->result_size, why, sizeof why))
        return fail(p, at, "%s", why);

    /* Whatever crosses through memory needs a word on freeing it: a
     * forgotten "free" would leak a buffer per call. */
    bool in_mem = ma->result != WXA_SHAPE_VALUE;
    for (uint32_t i = 0; i < ma->nparams && i < f->nparams; i++)
        in_mem |= ma->params[i] != WXA_SHAPE_VALUE;
    join(at, sizeof at, mpath, "free");
    if (in_mem && !json_object_get(mo, "free"))
        return fail(p, at,
                    "required: name the guest's free, or \"none\" when the "
                    "host is to free nothing");

    ma->free_params = ma->free != WXA_FREE_NONE;
    ma->free_result =
        ma->free != WXA_FREE_NONE && wxa_memabi_result_in_guest(ma->result);
    if (!get_bool(p, mo, mpath, "free_params", &ma->free_params) ||
        !get_bool(p, mo, mpath, "free_result", &ma->free_result))
        return false;

    char field[64];
    if (!wxa_memabi_validate(ma, f->params, f->nparams, f->results,
                             f->nresults, field, sizeof field, why,
                             sizeof why)) {
        join(at, sizeof at, fpath, field);
        return fail(p, at, "%s", why);
    }
    f->memory = ma;
    return true;
}

static bool parse_function(parser *p, const json_t *v, const char *fpath,
                           wxg_function *f)
{
    static const char *const keys[] = {"name",    "abi",    "params",
                                       "results", "memory", NULL};
    char got_[64];
    if (json_is_string(v))
        return check_export_name(p, fpath, json_string_value(v)) &&
               (f->name = pstrdup(p, json_string_value(v))) != NULL;
    if (!json_is_object(v))
        return fail(p, fpath, "must be an export name or an object, got %s",
                    GOT(v));
    if (!check_keys(p, v, fpath, keys))
        return false;
    if (!get_string(p, v, fpath, "name", true, &f->name))
        return false;
    char at[160];
    join(at, sizeof at, fpath, "name");
    if (!check_export_name(p, at, f->name))
        return false;
    return parse_abi(p, v, fpath, &f->abi) &&
           parse_types(p, v, fpath, "params", f->abi, &f->has_params,
                       &f->nparams, &f->params) &&
           parse_types(p, v, fpath, "results", f->abi, &f->has_results,
                       &f->nresults, &f->results) &&
           parse_memory(p, v, fpath, f);
}

static bool parse_functions(parser *p, const json_t *root)
{
    char got_[64];
    json_t *arr = json_object_get(root, "functions");
    if (!arr)
        return fail(p, "functions", "required (the exports to expose)");
    if (!json_is_array(arr))
        return fail(p, "functions", "must be an array, got %s", GOT(arr));
    size_t n = json_array_size(arr);
    if (n == 0)
        return fail(p, "functions",
                    "must not be empty (list the exports to expose)");
    wxg_function *funcs = palloc_array(p, n, sizeof *funcs);
    if (!funcs)
        return false;
    for (size_t i = 0; i < n; i++) {
        char at[32];
        snprintf(at, sizeof at, "functions[%zu]", i);
        if (!parse_function(p, json_array_get(arr, i), at, &funcs[i]) ||
            !check_unique(p, at, funcs, i))
            return false;
    }
    p->cfg->funcs = funcs;
    p->cfg->nfuncs = n;
    return true;
}

static bool parse_limits(parser *p, const json_t *root)
{
    static const char *const keys[] = {"memory_pages", "timeout_ms", "fuel",
                                       "stack", NULL};
    const json_t *lim;
    if (!get_object(p, root, "limits", &lim))
        return false;
    if (!lim)
        return true;
    /* 0 is "no limit" for these three (wxg_limits); -1 marks "not set". */
    json_int_t pages = -1, timeout = -1, fuel = -1, stack = 0;
    if (!check_keys(p, lim, "limits", keys) ||
        !get_int(p, lim, "limits", "memory_pages", 0, MEMORY_PAGES_MAX,
                 &pages) ||
        !get_int(p, lim, "limits", "timeout_ms", 0, TIMEOUT_MS_MAX,
                 &timeout) ||
        !get_int(p, lim, "limits", "fuel", 0, FUEL_MAX, &fuel) ||
        !get_int(p, lim, "limits", "stack", STACK_MIN, STACK_MAX, &stack))
        return false;
    wxg_limits *l = &p->cfg->limits;
    l->has_memory_pages = pages >= 0;
    l->has_timeout_ms = timeout >= 0;
    l->has_fuel = fuel >= 0;
    l->memory_pages = pages > 0 ? (uint32_t)pages : 0;
    l->timeout_ms = timeout > 0 ? (uint32_t)timeout : 0;
    l->fuel = fuel > 0 ? (uint64_t)fuel : 0;
    l->stack = (uint32_t)stack;
    return true;
}

wxg_limits wxg_limits_effective(const wxg_limits *set)
{
    wxg_limits l = *set;
    if (!l.has_memory_pages)
        l.memory_pages = WX_DEFAULT_MEMORY_PAGES;
    if (!l.has_timeout_ms)
        l.timeout_ms = WX_DEFAULT_TIMEOUT_MS;
    if (!l.has_fuel)
        l.fuel = WX_DEFAULT_FUEL;
    if (!l.stack)
        l.stack = WX_DEFAULT_CALL_DEPTH;
    return l;
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const wx_kv *)a)->key, ((const wx_kv *)b)->key);
}

/*
 * A {string: string} object (wasi.env, wasi.preopens), sorted by key so
 * that the canonical form does not depend on the order written. Keys must
 * be non-empty and, for env, hold no "="; preopen host paths are resolved.
 */
static bool parse_map(parser *p, const json_t *w, const char *key, bool is_env,
                      size_t *count, const wx_kv **out)
{
    char at[160], got_[64];
    json_t *obj = json_object_get(w, key);
    join(at, sizeof at, "wasi", key);
    if (!obj)
        return true;
    if (!json_is_object(obj))
        return fail(p, at, "must be an object of strings, got %s", GOT(obj));
    size_t n = json_object_size(obj), i = 0;
    wx_kv *kv = palloc_array(p, n, sizeof *kv);
    if (!kv)
        return false;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        char vat[320];
        join(vat, sizeof vat, at, k);
        if (!check_kv_key(p, at, is_env, k))
            return false;
        if (!json_is_string(v))
            return fail(p, vat, "must be a string, got %s", GOT(v));
        if (!check_kv_value(p, vat, is_env, json_string_value(v)))
            return false;
        kv[i].key = pstrdup(p, k);
        kv[i].value = is_env ? pstrdup(p, json_string_value(v))
                             : resolve(p, json_string_value(v));
        if (!kv[i].key || !kv[i].value)
            return false;
        i++;
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    *count = n;
    *out = kv;
    return true;
}

/*
 * An optional array of strings at obj[key] (`path` names it in messages),
 * copied into the config's memory; absent: *out stays NULL and *count 0.
 * `nonempty` refuses empty strings, and `what` says what each item is.
 */
static bool get_strings(parser *p, const json_t *obj, const char *path,
                        const char *what, bool nonempty,
                        const char *const **out, size_t *count)
{
    char got_[64];
    json_t *arr = json_object_get(obj, strrchr(path, '.') + 1);
    if (!arr)
        return true;
    if (!json_is_array(arr))
        return fail(p, path, "must be an array of %ss, got %s", what,
                    GOT(arr));
    size_t n = json_array_size(arr);
    const char **items = palloc_array(p, n, sizeof *items);
    if (!items)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        char at[64];
        snprintf(at, sizeof at, "%s[%zu]", path, i);
        if (!json_is_string(v) || (nonempty && !*json_string_value(v)))
            return fail(p, at, "must be a %s%s, got %s",
                        nonempty ? "non-empty " : "", what, GOT(v));
        if (!(items[i] = pstrdup(p, json_string_value(v))))
            return false;
    }
    *out = (const char *const *)items;
    *count = n;
    return true;
}

static bool parse_args(parser *p, const json_t *w)
{
    return get_strings(p, w, "wasi.args", "string", false,
                       &p->cfg->wasi.args, &p->cfg->wasi.nargs);
}

/* wasi.argv0: what the guest sees as its program name, e.g. the file a
 * command was run as; the plugin's name when absent. */
static bool parse_argv0(parser *p, const json_t *w)
{
    char got_[64];
    json_t *v = json_object_get(w, "argv0");
    if (!v)
        return true;
    if (!json_is_string(v))
        return fail(p, "wasi.argv0", "must be a string, got %s", GOT(v));
    if (!*json_string_value(v))
        return fail(p, "wasi.argv0", "must not be empty");
    p->cfg->wasi.argv0 = pstrdup(p, json_string_value(v));
    return p->cfg->wasi.argv0 != NULL;
}

/* wasi.stdin: empty (the default) or this process's own stdin, for a
 * program that hosts one guest in the foreground (`wasmext run`). */
static bool parse_input(parser *p, const json_t *w)
{
    char got_[64];
    json_t *v = json_object_get(w, "stdin");
    if (!v)
        return true;
    for (unsigned i = 1; json_is_string(v) && i < 3; i++) {
        if (strcmp(json_string_value(v), input_names[i]) == 0) {
            p->cfg->wasi.in = (wx_wasi_stdin)i;
            return true;
        }
    }
    if (!json_is_string(v))
        return fail(p, "wasi.stdin", "must be a string, got %s", GOT(v));
    return fail(p, "wasi.stdin",
                "%s is not a known mode (choose empty or inherit)", GOT(v));
}

static bool parse_output(parser *p, const json_t *w, const char *key,
                         wx_wasi_output *out)
{
    char at[32], got_[64];
    json_t *v = json_object_get(w, key);
    snprintf(at, sizeof at, "wasi.%s", key);
    if (!v)
        return true;
    for (unsigned i = 1; json_is_string(v) && i < 4; i++) {
        if (strcmp(json_string_value(v), output_names[i]) == 0) {
            *out = (wx_wasi_output)i;
            return true;
        }
    }
    if (!json_is_string(v))
        return fail(p, at, "must be a string, got %s", GOT(v));
    return fail(p, at,
                "%s is not a known mode (choose log, inherit or discard)",
                GOT(v));
}

static bool parse_init(parser *p, const json_t *w)
{
    char got_[64];
    json_t *v = json_object_get(w, "init");
    if (!v)
        return true;
    if (!json_is_string(v))
        return fail(p, "wasi.init", "must be a string, got %s", GOT(v));
    for (unsigned i = 1; i < 4; i++) {
        if (strcmp(json_string_value(v), init_names[i]) == 0) {
            p->cfg->wasi.init = (wx_wasi_init)i;
            return true;
        }
    }
    return fail(p, "wasi.init",
                "%s is not a known entry (choose _initialize, _start or "
                "none)",
                GOT(v));
}

static bool parse_wasi(parser *p, const json_t *root)
{
    static const char *const keys[] = {"argv0",    "args",  "env",
                                       "preopens", "stdin", "stdout",
                                       "stderr",   "init",  NULL};
    const json_t *w;
    if (!get_object(p, root, "wasi", &w))
        return false;
    if (!w)
        return true;
    wxg_wasi *ws = &p->cfg->wasi;
    return check_keys(p, w, "wasi", keys) && parse_argv0(p, w) &&
           parse_args(p, w) &&
           parse_map(p, w, "env", true, &ws->nenv, &ws->env) &&
           parse_map(p, w, "preopens", false, &ws->npreopens, &ws->preopens) &&
           parse_input(p, w) && parse_output(p, w, "stdout", &ws->out) &&
           parse_output(p, w, "stderr", &ws->err) && parse_init(p, w);
}

/* extism.config: the values an Extism guest reads with config_get,
 * sorted by key (the ABI looks them up by bisection). */
static bool parse_extism_config(parser *p, const json_t *x)
{
    char got_[64];
    json_t *obj = json_object_get(x, "config");
    if (!obj)
        return true;
    if (!json_is_object(obj))
        return fail(p, "extism.config", "must be an object of strings, got %s",
                    GOT(obj));
    size_t n = json_object_size(obj), i = 0;
    wx_kv *kv = palloc_array(p, n, sizeof *kv);
    if (!kv)
        return false;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        char at[320];
        join(at, sizeof at, "extism.config", k);
        if (!*k || strlen(k) > 255)
            return fail(p, "extism.config",
                        "keys must be 1 to 255 bytes long");
        /* No value is quoted back: it may be a secret. */
        if (!json_is_string(v))
            return fail(p, at, "must be a string");
        kv[i].key = pstrdup(p, k);
        kv[i].value = pstrdup(p, json_string_value(v));
        if (!kv[i].key || !kv[i].value)
            return false;
        i++;
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    p->cfg->extism.nconfig = n;
    p->cfg->extism.config = kv;
    return true;
}

/* extism.allowed_hosts: host names or glob patterns ("*.example.com"). */
static bool parse_extism_hosts(parser *p, const json_t *x)
{
    return get_strings(p, x, "extism.allowed_hosts", "host name", true,
                       &p->cfg->extism.allowed_hosts,
                       &p->cfg->extism.nhosts);
}

static bool parse_extism(parser *p, const json_t *root)
{
    static const char *const keys[] = {"config", "allowed_hosts",
                                       "max_var_bytes",
                                       "max_http_response_bytes", NULL};
    const json_t *x;
    if (!get_object(p, root, "extism", &x))
        return false;
    if (!x)
        return true;
    json_int_t vars = -1, http = -1;
    if (!check_keys(p, x, "extism", keys) || !parse_extism_config(p, x) ||
        !parse_extism_hosts(p, x) ||
        !get_int(p, x, "extism", "max_var_bytes", 0, EXTISM_VAR_BYTES_MAX,
                 &vars) ||
        !get_int(p, x, "extism", "max_http_response_bytes", 1,
                 EXTISM_HTTP_BYTES_MAX, &http))
        return false;
    p->cfg->extism.max_http_response_bytes = http > 0 ? (uint64_t)http : 0;
    p->cfg->extism.has_max_var_bytes = vars >= 0;
    p->cfg->extism.max_var_bytes = vars > 0 ? (uint64_t)vars : 0;
    return true;
}

/* record.failed_calls: the size of the plugin's replay ring. */
static bool parse_record(parser *p, const json_t *root)
{
    static const char *const keys[] = {"failed_calls", NULL};
    const json_t *x;
    if (!get_object(p, root, "record", &x))
        return false;
    if (!x)
        return true;
    json_int_t n = 0;
    if (!check_keys(p, x, "record", keys) ||
        !get_int(p, x, "record", "failed_calls", 0, RECORD_FAILED_MAX, &n))
        return false;
    p->cfg->record_failed_calls = (uint32_t)n;
    return true;
}

static bool parse_root(parser *p, const json_t *root)
{
    static const char *const keys[] = {
        "name",        "instance_num", "vm_config", "functions", "limits",
        "wasi",        "extism",       "description", "version", "record",
        NULL};
    char got_[64];
    if (!json_is_object(root))
        return fail(p, "config", "must be a JSON object, got %s", GOT(root));
    if (!check_keys(p, root, "", keys))
        return false;

    wxg_config *cfg = p->cfg;
    if (!get_string(p, root, "", "name", true, &cfg->name) ||
        !check_name(p, cfg->name, GOT(json_object_get(root, "name"))))
        return false;

    json_int_t instances = 1;
    const json_t *jn = json_object_get(root, "instance_num");
    if (json_is_integer(jn) &&
        !check_instances(p, json_integer_value(jn), GOT(jn)))
        return false;
    if (!get_int(p, root, "", "instance_num", 1, INSTANCE_NUM_MAX, &instances))
        return false;
    cfg->instance_num = (uint32_t)instances;

    return parse_vm_config(p, root) && parse_functions(p, root) &&
           parse_limits(p, root) && parse_wasi(p, root) &&
           parse_extism(p, root) && parse_record(p, root) &&
           get_string(p, root, "", "description", false, &cfg->description) &&
           get_string(p, root, "", "version", false, &cfg->version);
}

/* ---------------------------------------------------------- a spec */

/*
 * A config from a wx_plugin_spec (wasmext.h): the same fields, checked by
 * the same rules (the check_* functions above) and named the same way in
 * messages, so that a config built in C is one a file could have said.
 */

/* Every string goes into the canonical config JSON: UTF-8 only. */
static bool spec_string(parser *p, const char *at, const char *s,
                        const char **out)
{
    if (!wxai_utf8_valid((const uint8_t *)s, strlen(s)))
        return fail(p, at, "must be UTF-8 text");
    return (*out = pstrdup(p, s)) != NULL;
}

/* "params" or "results" (`key`): `types` NULL is "not declared". */
static bool spec_types(parser *p, const char *fpath, const char *key,
                       wx_abi abi, const wx_type *types, size_t n, bool *has,
                       uint32_t *count, const wx_type **out)
{
    char at[160], got_[64];
    join(at, sizeof at, fpath, key);
    if (!check_type_count(p, at, key, abi, types != NULL, n))
        return false;
    if (!types)
        return true;
    wx_type *copy = palloc_array(p, n, sizeof *copy);
    if (!copy)
        return false;
    for (size_t i = 0; i < n; i++) {
        char tat[184];
        snprintf(tat, sizeof tat, "%s[%zu]", at, i);
        const char *name = wx_type_name(types[i]);
        if (!name)
            return fail(p, tat, "%d is not a wx_type", (int)types[i]);
        if (!check_type(p, tat, types[i], abi, quote(name, got_, sizeof got_)))
            return false;
        copy[i] = types[i];
    }
    *has = true;
    *count = (uint32_t)n;
    *out = copy;
    return true;
}

static bool spec_function(parser *p, const wx_function_spec *fs,
                          const char *fpath, wxg_function *f)
{
    char at[160];
    join(at, sizeof at, fpath, "name");
    if (!fs->name)
        return fail(p, at, "required");
    if (!spec_string(p, at, fs->name, &f->name) ||
        !check_export_name(p, at, f->name))
        return false;
    join(at, sizeof at, fpath, "abi");
    if (!wx_abi_name(fs->abi))
        return fail(p, at, "%d is not a wx_abi", (int)fs->abi);
    /* The allocator, free and shapes are the JSON config's "memory". */
    if (fs->abi == WX_ABI_MEMORY)
        return fail(p, at,
                    "abi memory needs the config's \"memory\" object: "
                    "register this plugin from its JSON config");
    f->abi = fs->abi;
    return spec_types(p, fpath, "params", f->abi, fs->params, fs->nparams,
                      &f->has_params, &f->nparams, &f->params) &&
           spec_types(p, fpath, "results", f->abi, fs->results, fs->nresults,
                      &f->has_results, &f->nresults, &f->results);
}

static bool spec_functions(parser *p, const wx_plugin_spec *spec)
{
    if (!spec->functions || spec->nfunctions == 0)
        return fail(p, "functions",
                    "must not be empty (list the exports to expose)");
    wxg_function *funcs = palloc_array(p, spec->nfunctions, sizeof *funcs);
    if (!funcs)
        return false;
    for (size_t i = 0; i < spec->nfunctions; i++) {
        char at[32];
        snprintf(at, sizeof at, "functions[%zu]", i);
        if (!spec_function(p, &spec->functions[i], at, &funcs[i]) ||
            !check_unique(p, at, funcs, i))
            return false;
    }
    p->cfg->funcs = funcs;
    p->cfg->nfuncs = spec->nfunctions;
    return true;
}

/* One limit: 0 not set, WX_UNLIMITED the config's 0 ("no limit"). */
static bool spec_limit(parser *p, const char *key, uint64_t v, long long lo,
                       long long hi, bool *has, uint64_t *out)
{
    char at[64], got[32];
    snprintf(at, sizeof at, "limits.%s", key);
    *has = v != 0;
    *out = 0;
    if (v == 0 || (v == WX_UNLIMITED && lo == 0))
        return true;
    snprintf(got, sizeof got, "%" PRIu64, v);
    if (v < (uint64_t)(lo ? lo : 1) || v > (uint64_t)hi)
        return range_error(p, at, lo, hi, got);
    *out = v;
    return true;
}

static bool spec_limits(parser *p, const wx_plugin_spec *spec)
{
    wxg_limits *l = &p->cfg->limits;
    uint64_t pages, timeout, stack;
    bool has_stack;
    if (!spec_limit(p, "memory_pages", spec->limits.memory_pages, 0,
                    MEMORY_PAGES_MAX, &l->has_memory_pages, &pages) ||
        !spec_limit(p, "timeout_ms", spec->limits.timeout_ms, 0,
                    TIMEOUT_MS_MAX, &l->has_timeout_ms, &timeout) ||
        !spec_limit(p, "fuel", spec->limits.fuel, 0, FUEL_MAX, &l->has_fuel,
                    &l->fuel) ||
        !spec_limit(p, "stack", spec->limits.stack, STACK_MIN, STACK_MAX,
                    &has_stack, &stack))
        return false;
    l->memory_pages = (uint32_t)pages;
    l->timeout_ms = (uint32_t)timeout;
    l->stack = (uint32_t)stack;
    return true;
}

/* wasi.env (is_env) or wasi.preopens: copied, each key once, sorted. */
static bool spec_map(parser *p, const char *key, bool is_env, const wx_kv *in,
                     size_t n, size_t *count, const wx_kv **out)
{
    char at[32];
    snprintf(at, sizeof at, "wasi.%s", key);
    if (n && !in)
        return fail(p, at, "%zu entries but no array", n);
    wx_kv *kv = palloc_array(p, n, sizeof *kv);
    if (!kv)
        return false;
    for (size_t i = 0; i < n; i++) {
        char vat[320];
        if (!in[i].key || !in[i].value)
            return fail(p, at, "entry %zu has no %s", i,
                        in[i].key ? "value" : "key");
        join(vat, sizeof vat, at, in[i].key);
        if (!spec_string(p, at, in[i].key, &kv[i].key) ||
            !spec_string(p, vat, in[i].value, &kv[i].value) ||
            !check_kv_key(p, at, is_env, kv[i].key) ||
            !check_kv_value(p, vat, is_env, kv[i].value))
            return false;
        if (!is_env && !(kv[i].value = resolve(p, kv[i].value)))
            return false;
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(kv[i - 1].key, kv[i].key) == 0)
            return fail(p, at, "\"%s\" is given twice", kv[i].key);
    *count = n;
    *out = kv;
    return true;
}

static bool spec_wasi(parser *p, const wx_plugin_spec *spec)
{
    wxg_wasi *w = &p->cfg->wasi;
    if (spec->wasi.argv0 && !*spec->wasi.argv0)
        return fail(p, "wasi.argv0", "must not be empty");
    if (spec->wasi.argv0 &&
        !spec_string(p, "wasi.argv0", spec->wasi.argv0, &w->argv0))
        return false;
    size_t nargs = spec->wasi.nargs;
    if (nargs && !spec->wasi.args)
        return fail(p, "wasi.args", "%zu entries but no array", nargs);
    const char **args = palloc_array(p, nargs, sizeof *args);
    if (!args)
        return false;
    for (size_t i = 0; i < nargs; i++) {
        char at[48];
        snprintf(at, sizeof at, "wasi.args[%zu]", i);
        if (!spec->wasi.args[i])
            return fail(p, at, "must be a string, got NULL");
        if (!spec_string(p, at, spec->wasi.args[i], &args[i]))
            return false;
    }
    w->args = nargs ? (const char *const *)args : NULL;
    w->nargs = nargs;
    if ((unsigned)spec->wasi.in > WX_STDIN_INHERIT ||
        (unsigned)spec->wasi.out > WX_OUTPUT_DISCARD ||
        (unsigned)spec->wasi.err > WX_OUTPUT_DISCARD ||
        (unsigned)spec->wasi.init > WX_INIT_NONE)
        return fail(p, "wasi", "a stdin, stdout, stderr or init mode is out "
                               "of its enum's range");
    w->in = spec->wasi.in;
    w->out = spec->wasi.out;
    w->err = spec->wasi.err;
    w->init = spec->wasi.init;
    return spec_map(p, "env", true, spec->wasi.env, spec->wasi.nenv, &w->nenv,
                    &w->env) &&
           spec_map(p, "preopens", false, spec->wasi.preopens,
                    spec->wasi.npreopens, &w->npreopens, &w->preopens);
}

static bool spec_root(parser *p, const wx_plugin_spec *spec)
{
    wxg_config *cfg = p->cfg;
    char got_[64];
    if (!spec->name)
        return fail(p, "name", "required");
    if (!spec_string(p, "name", spec->name, &cfg->name) ||
        !check_name(p, cfg->name, quote(cfg->name, got_, sizeof got_)))
        return false;
    uint32_t n = spec->instance_num ? spec->instance_num : 1;
    snprintf(got_, sizeof got_, "%" PRIu32, n);
    if (!check_instances(p, n, got_))
        return false;
    cfg->instance_num = n;
    if (!spec->path)
        return fail(p, "vm_config.path", "required (it gives the .wasm path)");
    if (!*spec->path)
        return fail(p, "vm_config.path", "must not be empty");
    if (!spec_string(p, "vm_config.path", spec->path, &cfg->path) ||
        !(cfg->path = resolve(p, cfg->path)))
        return false;
    if (spec->record_failed_calls > RECORD_FAILED_MAX) {
        snprintf(got_, sizeof got_, "%" PRIu32, spec->record_failed_calls);
        return range_error(p, "record.failed_calls", 0, RECORD_FAILED_MAX,
                           got_);
    }
    cfg->record_failed_calls = spec->record_failed_calls;
    return spec_functions(p, spec) && spec_limits(p, spec) &&
           spec_wasi(p, spec) &&
           (!spec->description ||
            spec_string(p, "description", spec->description,
                        &cfg->description)) &&
           (!spec->version ||
            spec_string(p, "version", spec->version, &cfg->version));
}

/* ------------------------------------------------------------- entry */

void wxg_config_free(wxg_config *cfg)
{
    if (!cfg)
        return;
    for (wxg_block *b = cfg->blocks_, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(cfg);
}

/* A config that `fill` makes from `from` (a JSON tree or a spec); NULL
 * with err set. */
typedef bool config_filler(parser *p, const void *from);

static wxg_config *build(config_filler *fill, const void *from,
                         const char *base_dir, const char *source,
                         wx_error *err)
{
    wxg_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        wx_error_set(err, WX_ENOMEM, "out of memory reading the config");
        return NULL;
    }
    parser p = {cfg, err, base_dir, source};
    if (!fill(&p, from)) {
        wxg_config_free(cfg);
        return NULL;
    }
    return cfg;
}

static bool fill_json(parser *p, const void *root)
{
    return parse_root(p, root);
}

static bool fill_spec(parser *p, const void *spec)
{
    return spec_root(p, spec);
}

static wxg_config *parse_with(const json_t *root, const char *base_dir,
                              const char *source, wx_error *err)
{
    return build(fill_json, root, base_dir, source, err);
}

wxg_config *wxg_config_from_spec(const wx_plugin_spec *spec,
                                 const char *base_dir, wx_error *err)
{
    if (!spec) {
        wx_error_set(err, WX_EARG, "no plugin spec");
        return NULL;
    }
    return build(fill_spec, spec, base_dir, NULL, err);
}

wxg_config *wxg_config_from_json(const json_t *root, const char *base_dir,
                                 wx_error *err)
{
    return parse_with(root, base_dir, NULL, err);
}

static wxg_config *parse_text(const char *json, size_t len,
                              const char *base_dir, const char *source,
                              wx_error *err)
{
    json_error_t jerr;
    /* Duplicate keys are refused: with two "path"s, which one was meant? */
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        wx_error_set(err, WX_EARG, "%s%sline %d, column %d: %s",
                     source ? source : "", source ? ": " : "", jerr.line,
                     jerr.column, jerr.text);
        return NULL;
    }
    wxg_config *cfg = parse_with(root, base_dir, source, err);
    json_decref(root);
    return cfg;
}

wxg_config *wxg_config_parse(const char *json, size_t len,
                             const char *base_dir, wx_error *err)
{
    return parse_text(json, len, base_dir, NULL, err);
}

/* Reads a whole (small) file; NULL with err set. */
static char *read_file(const char *file, size_t *len, wx_error *err)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        wx_error_set(err, WX_EIO, "%s: cannot open: %s", file,
                     strerror(errno));
        return NULL;
    }
    char *buf = malloc(CONFIG_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        wx_error_set(err, WX_ENOMEM, "%s: out of memory", file);
        return NULL;
    }
    size_t n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(buf);
        wx_error_set(err, WX_EIO, "%s: cannot read: %s", file,
                     strerror(saved));
        return NULL;
    }
    if (n > CONFIG_FILE_MAX) {
        free(buf);
        wx_error_set(err, WX_EARG,
                     "%s: too large (a config is at most %u "
                     "bytes)",
                     file, CONFIG_FILE_MAX);
        return NULL;
    }
    *len = n;
    return buf;
}

wxg_config *wxg_config_load(const char *file, wx_error *err)
{
    size_t len;
    char *text = read_file(file, &len, err);
    if (!text)
        return NULL;
    /* The absolute directory, so that stored paths do not depend on the
     * working directory of whoever reads the registry later. */
    char *dir = realpath(file, NULL);
    if (!dir) {
        wx_error_set(err, WX_EIO, "%s: cannot resolve: %s", file,
                     strerror(errno));
        free(text);
        return NULL;
    }
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    wxg_config *cfg = parse_text(text, len, dir, file, err);
    free(dir);
    free(text);
    return cfg;
}

/* ------------------------------------------------------ serialization */

/* Collects set failures, so building needs one check at the end. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        *ok = false;
}

static void push(json_t *arr, json_t *v, bool *ok)
{
    if (!v || json_array_append_new(arr, v) != 0)
        *ok = false;
}

static json_t *types_json(uint32_t n, const wx_type *types, bool *ok)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; arr && i < n; i++)
        push(arr, json_string(wx_type_name(types[i])), ok);
    return arr;
}

/* Every setting written out, defaults included, so that the stored form
 * says exactly how values cross. */
static json_t *memory_json(const wxa_memabi *ma, bool *ok)
{
    char buf[192];
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (ma->alloc != WXA_ALLOC_NONE) {
        wxa_memabi_helper_text(ma->alloc_name, false, ma->alloc, buf,
                               sizeof buf);
        put(o, "alloc", json_string(buf), ok);
    }
    wxa_memabi_helper_text(ma->free_name, true, ma->free, buf, sizeof buf);
    put(o, "free", json_string(buf), ok);
    if (ma->alloc == WXA_ALLOC_SIZE_ALIGN ||
        ma->free == WXA_FREE_PTR_SIZE_ALIGN)
        put(o, "align", json_integer(ma->align), ok);
    json_t *params = json_array();
    for (uint32_t i = 0; params && i < ma->nparams; i++) {
        wxa_memabi_shape_text(ma->params[i], 0, buf, sizeof buf);
        push(params, json_string(buf), ok);
    }
    put(o, "params", params, ok);
    wxa_memabi_shape_text(ma->result, ma->result_size, buf, sizeof buf);
    put(o, "result", json_string(buf), ok);
    put(o, "free_params", json_boolean(ma->free_params), ok);
    put(o, "free_result", json_boolean(ma->free_result), ok);
    return o;
}

static json_t *function_json(const wxg_function *f, bool *ok)
{
    if (f->abi == WX_ABI_NUMERIC && !f->has_params && !f->has_results)
        return json_string(f->name);
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "name", json_string(f->name), ok);
    put(o, "abi", json_string(wx_abi_name(f->abi)), ok);
    if (f->has_params)
        put(o, "params", types_json(f->nparams, f->params, ok), ok);
    if (f->has_results)
        put(o, "results", types_json(f->nresults, f->results, ok), ok);
    if (f->memory)
        put(o, "memory", memory_json(f->memory, ok), ok);
    return o;
}

static json_t *limits_json(const wxg_limits *l, bool *ok)
{
    if (!l->has_memory_pages && !l->has_timeout_ms && !l->has_fuel &&
        !l->stack)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    /* An explicit 0 ("unlimited") is written back: leaving it out would
     * turn it into the default. */
    if (l->has_memory_pages)
        put(o, "memory_pages", json_integer(l->memory_pages), ok);
    if (l->has_timeout_ms)
        put(o, "timeout_ms", json_integer(l->timeout_ms), ok);
    if (l->has_fuel)
        put(o, "fuel", json_integer((json_int_t)l->fuel), ok);
    if (l->stack)
        put(o, "stack", json_integer(l->stack), ok);
    return o;
}

/* An array of strings: what get_strings reads. */
static json_t *strings_json(size_t n, const char *const *items, bool *ok)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        push(arr, json_string(items[i]), ok);
    return arr;
}

static json_t *map_json(size_t n, const wx_kv *kv, bool *ok)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        put(o, kv[i].key, json_string(kv[i].value), ok);
    return o;
}

static json_t *wasi_json(const wxg_wasi *w, bool *ok)
{
    if (!w->argv0 && !w->nargs && !w->nenv && !w->npreopens && !w->in &&
        !w->out && !w->err && !w->init)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    if (w->argv0)
        put(o, "argv0", json_string(w->argv0), ok);
    if (w->nargs)
        put(o, "args", strings_json(w->nargs, w->args, ok), ok);
    if (w->nenv)
        put(o, "env", map_json(w->nenv, w->env, ok), ok);
    if (w->npreopens)
        put(o, "preopens", map_json(w->npreopens, w->preopens, ok), ok);
    if (w->in)
        put(o, "stdin", json_string(wxg_input_name(w->in)), ok);
    if (w->out)
        put(o, "stdout", json_string(wxg_output_name(w->out)), ok);
    if (w->err)
        put(o, "stderr", json_string(wxg_output_name(w->err)), ok);
    if (w->init)
        put(o, "init", json_string(wxg_init_name(w->init)), ok);
    return o;
}

static json_t *extism_json(const wxg_extism *x, bool *ok)
{
    if (!x->nconfig && !x->nhosts && !x->has_max_var_bytes &&
        !x->max_http_response_bytes)
        return NULL;
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    if (x->nconfig)
        put(o, "config", map_json(x->nconfig, x->config, ok), ok);
    if (x->nhosts)
        put(o, "allowed_hosts", strings_json(x->nhosts, x->allowed_hosts, ok),
            ok);
    if (x->has_max_var_bytes)
        put(o, "max_var_bytes", json_integer((json_int_t)x->max_var_bytes),
            ok);
    if (x->max_http_response_bytes)
        put(o, "max_http_response_bytes",
            json_integer((json_int_t)x->max_http_response_bytes), ok);
    return o;
}

json_t *wxg_config_to_json(const wxg_config *cfg)
{
    bool ok = true;
    json_t *root = json_object(), *vm = json_object(), *funcs = json_array();
    if (!root || !vm || !funcs) {
        json_decref(root);
        json_decref(vm);
        json_decref(funcs);
        return NULL;
    }
    put(root, "name", json_string(cfg->name), &ok);
    if (cfg->description)
        put(root, "description", json_string(cfg->description), &ok);
    if (cfg->version)
        put(root, "version", json_string(cfg->version), &ok);
    put(root, "instance_num", json_integer(cfg->instance_num), &ok);

    const char *engine = cfg->engine == WXG_ENGINE_AOT ? "aot"
                         : cfg->engine_wasmedge        ? "wasmedge"
                                                       : "interp";
    put(vm, "engine", json_string(engine), &ok);
    put(vm, "path", json_string(cfg->path), &ok);
    put(root, "vm_config", vm, &ok);

    for (size_t i = 0; i < cfg->nfuncs; i++)
        push(funcs, function_json(&cfg->funcs[i], &ok), &ok);
    put(root, "functions", funcs, &ok);

    json_t *lim = limits_json(&cfg->limits, &ok);
    if (lim)
        put(root, "limits", lim, &ok);
    json_t *wasi = wasi_json(&cfg->wasi, &ok);
    if (wasi)
        put(root, "wasi", wasi, &ok);
    json_t *extism = extism_json(&cfg->extism, &ok);
    if (extism)
        put(root, "extism", extism, &ok);
    if (cfg->record_failed_calls) {
        json_t *rec = json_object();
        put(rec, "failed_calls", json_integer(cfg->record_failed_calls), &ok);
        put(root, "record", rec, &ok);
    }
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

char *wxg_config_dump(const wxg_config *cfg, unsigned flags)
{
    json_t *root = wxg_config_to_json(cfg);
    if (!root)
        return NULL;
    size_t jflags = (flags & WXG_DUMP_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
    char *s = json_dumps(root, jflags);
    json_decref(root);
    return s;
}
