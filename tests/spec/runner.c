/*
 * wx-spec: runs one official spec test script, converted by wast2json or by
 * `wasm-tools json-from-wast`, on the engine through its public API only.
 *
 *   wx-spec [-v] [-t] [-w] [-3] [-n NAME] FILE.json
 *                                 run the commands; -v prints each failure,
 *                                 -t traces each command to stderr first,
 *                                 -w notes load and link errors whose
 *                                 message lacks the script's wording (these
 *                                 still pass: only the status is checked),
 *                                 -3 loads modules by the WebAssembly 3.0
 *                                 rules the engine follows (default: 2.0,
 *                                 WX_LOAD_WASM2, as the 2.0 suite expects),
 *                                 -n names the script NAME in reports
 *                                 (default: the base name of the script's
 *                                 source_filename, e.g. "i32.wast")
 *   wx-spec --count FILE.json     print the number of commands
 *   wx-spec --selftest            check value parsing and matching
 *
 * Every command counts exactly once as passed, failed or skipped. A module
 * that exists in the text format alone (`module quote`, which the
 * converters write as a .wat file) is converted by the engine's text
 * parser (wasmext/wat.h) and then loaded like any other: an
 * assert_malformed on it passes when the parser (or the decoder) refuses
 * it. Commands this runner does not support
 * (exceptions, threads, stack switching) fail with the reason. The last line
 * is always "NAME.wast: N passed, M failed, K skipped". Exit status: 0 if
 * nothing failed, 1 if something failed, 2 if the script itself could not be
 * read.
 */
#include "spectest.h"
#include "value.h"
#include "wasmext/engine.h"
#include "wasmext/wat.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int spec_selftest(void); /* selftest.c */

typedef struct spec_name {
    char *name;        /* "$m" as the script writes it */
    wx_instance *inst; /* NULL if that module failed */
} spec_name;

/* A module_definition: loaded, instantiated later by module_instance. */
typedef struct spec_definition {
    char *name;
    const wx_module *module; /* NULL if it did not load */
} spec_definition;

typedef struct spec_opts {
    bool verbose, trace, wording;
    bool wasm3;       /* -3: load without WX_LOAD_WASM2 */
    const char *name; /* -n: the script's name in reports, or NULL */
} spec_opts;

typedef struct spec_runner {
    const char *dir;  /* the JSON file's directory: modules are there */
    const char *wast; /* name of the script, for reports */
    spec_opts opts;
    char setup_error[480]; /* non-empty: every command fails with it */
    wx_linker *linker;
    wx_instance *current; /* NULL: no module, or the last one failed */
    wx_module **modules;
    size_t nmodules, cap_modules;
    wx_instance **instances;
    size_t ninstances, cap_instances;
    spec_name *names;
    size_t nnames, cap_names;
    spec_definition *defs;
    size_t ndefs, cap_defs;
    unsigned passed, failed, skipped;
} spec_runner;

typedef enum spec_outcome { SPEC_PASS, SPEC_FAIL, SPEC_SKIP } spec_outcome;

/* One command being run; `msg` explains a failure. */
typedef struct spec_cmd {
    const json_t *json;
    const char *type;
    int line;
    char msg[1536];
} spec_cmd;

/* The outcome of an action: results, and a description for reports. */
typedef struct spec_call {
    wx_wasm_val *results;
    size_t nresults;
    char what[400];
} spec_call;

/* --------------------------------------------------------------- helpers */

static spec_outcome failf(spec_cmd *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static spec_outcome failf(spec_cmd *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return SPEC_FAIL;
}

static bool grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, ncap * size);
    if (!p)
        return false;
    *items = p;
    *cap = ncap;
    return true;
}

static bool keep_module(spec_runner *r, wx_module *m)
{
    if (!grow((void **)&r->modules, &r->cap_modules, r->nmodules,
              sizeof *r->modules))
        return false;
    r->modules[r->nmodules++] = m;
    return true;
}

static bool keep_instance(spec_runner *r, wx_instance *inst)
{
    if (!grow((void **)&r->instances, &r->cap_instances, r->ninstances,
              sizeof *r->instances))
        return false;
    r->instances[r->ninstances++] = inst;
    return true;
}

static bool bind_name(spec_runner *r, const char *name, wx_instance *inst)
{
    for (size_t i = 0; i < r->nnames; i++) {
        if (strcmp(r->names[i].name, name) == 0) {
            r->names[i].inst = inst;
            return true;
        }
    }
    char *copy = strdup(name);
    if (!copy || !grow((void **)&r->names, &r->cap_names, r->nnames,
                       sizeof *r->names)) {
        free(copy);
        return false;
    }
    r->names[r->nnames].name = copy;
    r->names[r->nnames].inst = inst;
    r->nnames++;
    return true;
}

/* The instance a command refers to: a named one or the current one. On
 * failure, explains why in `why`. */
static wx_instance *resolve_instance(spec_runner *r, const char *name,
                                     char *why, size_t why_len)
{
    if (!name) {
        if (!r->current)
            snprintf(why, why_len,
                     "no current module (the last module command failed or "
                     "there was none)");
        return r->current;
    }
    for (size_t i = 0; i < r->nnames; i++) {
        if (strcmp(r->names[i].name, name) == 0) {
            if (!r->names[i].inst)
                snprintf(why, why_len, "module %s failed earlier", name);
            return r->names[i].inst;
        }
    }
    snprintf(why, why_len, "no module named %s", name);
    return NULL;
}

/* Quotes a name for reports, escaping bytes that would garble a line. */
static void quote_name(const char *s, size_t len, char *buf, size_t buflen)
{
    size_t o = 0;
    if (buflen < 8)
        return;
    buf[o++] = '"';
    for (size_t i = 0; i < len && o + 6 < buflen; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7F || ch == '"' || ch == '\\')
            o += (size_t)snprintf(buf + o, buflen - o, "\\x%02x", ch);
        else
            buf[o++] = (char)ch;
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

static void describe_error(const wx_error *err, char *buf, size_t len)
{
    if (err->status == WX_ETRAP)
        snprintf(buf, len, "trap \"%s\" (%s)", wx_trap_message(err->trap),
                 err->message);
    else
        snprintf(buf, len, "%s error (%s)", wx_status_name(err->status),
                 err->message[0] ? err->message
                                 : wx_status_message(err->status));
}

static void format_results(const wx_wasm_val *vals, size_t n, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "(");
    for (size_t i = 0; i < n && o < len; i++) {
        char one[96];
        spec_format_val(&vals[i], one, sizeof one);
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", one);
    }
    if (o < len)
        snprintf(buf + o, len - o, ")");
}

static char *join_path(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* Reads a whole file; NULL (with `err` set) on failure. */
static uint8_t *read_file(const char *path, size_t *len, wx_error *err)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0, got;
    if (!f) {
        wx_error_set(err, WX_EIO, "cannot open %s", path);
        return NULL;
    }
    do {
        if (n == cap) {
            uint8_t *p = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!p) {
                fclose(f);
                free(buf);
                wx_error_set(err, WX_ENOMEM, "out of memory reading %s", path);
                return NULL;
            }
            buf = p;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        wx_error_set(err, WX_EIO, "cannot read %s", path);
        return NULL;
    }
    *len = n;
    return buf;
}

static const char *module_type(const spec_cmd *c)
{
    const char *t = json_string_value(json_object_get(c->json, "module_type"));
    return t ? t : "binary";
}

/* The file holding the binary form of the module a command names. A module
 * the script writes as text (`module quote`) has "module_type": "text";
 * wasm-tools json-from-wast also writes its binary form, when it can encode
 * it, as "binary_filename" (wast2json never does, and writes text modules
 * only in assert_malformed). */
static const char *binary_file(const spec_cmd *c)
{
    const char *key =
        strcmp(module_type(c), "text") == 0 ? "binary_filename" : "filename";
    return json_string_value(json_object_get(c->json, key));
}

/* A module that exists in the text format alone: load_module reads its
 * .wat file ("filename") with the text parser. */
static bool text_only(const spec_cmd *c)
{
    return strcmp(module_type(c), "text") == 0 && !binary_file(c);
}

/* The text module of `file` (a .wat file of the script) in the binary
 * format; NULL with `err` set, WX_EMALFORMED if the parser refuses it. */
static uint8_t *read_text_module(const char *path, size_t *len,
                                 wx_error *err)
{
    size_t text_len = 0;
    uint8_t *text = read_file(path, &text_len, err);
    uint8_t *bytes = NULL;
    if (!text)
        return NULL;
    if (wx_wat_to_wasm((const char *)text, text_len, &bytes, len, err) !=
        WX_OK)
        bytes = NULL;
    free(text);
    return bytes;
}

/* Loads the module a command names (binary, or text through the text
 * parser); NULL with `err` set. */
static wx_module *load_module(spec_runner *r, const spec_cmd *c, wx_error *err)
{
    bool text = text_only(c);
    const char *file =
        text ? json_string_value(json_object_get(c->json, "filename"))
             : binary_file(c);
    wx_error_clear(err);
    if (strcmp(module_type(c), "binary") != 0 &&
        strcmp(module_type(c), "text") != 0) {
        wx_error_set(err, WX_EARG, "unknown module_type \"%s\"",
                     module_type(c));
        return NULL;
    }
    if (!file) {
        wx_error_set(err, WX_EARG, "command has no binary module file");
        return NULL;
    }
    char *path = join_path(r->dir, file);
    if (!path) {
        wx_error_set(err, WX_ENOMEM, "out of memory");
        return NULL;
    }
    size_t len = 0;
    uint8_t *bytes =
        text ? read_text_module(path, &len, err) : read_file(path, &len, err);
    free(path);
    if (!bytes)
        return NULL;
    wx_load_opts lo = {.flags = r->opts.wasm3 ? 0 : WX_LOAD_WASM2};
    wx_module *m = wx_module_load(bytes, len, &lo, err);
    free(bytes);
    if (m && !keep_module(r, m)) {
        wx_module_free(m);
        wx_error_set(err, WX_ENOMEM, "out of memory");
        return NULL;
    }
    /* A failed load must say why, and a bogus status must not look like
     * success to the callers that check it. */
    if (!m && err->status == WX_OK)
        wx_error_set(err, WX_EARG,
                     "wx_module_load returned NULL with status ok");
    return m;
}

static wx_instance *instantiate(spec_runner *r, const wx_module *m,
                                wx_error *err)
{
    wx_error_clear(err);
    wx_instance *inst = wx_instantiate(m, r->linker, NULL, err);
    if (inst && !keep_instance(r, inst)) {
        wx_instance_free(inst);
        wx_error_set(err, WX_ENOMEM, "out of memory");
        return NULL;
    }
    if (!inst && err->status == WX_OK)
        wx_error_set(err, WX_EARG,
                     "wx_instantiate returned NULL with status ok");
    return inst;
}

/* ---------------------------------------------------------------- actions */

static wx_status parse_args(const json_t *args, wx_instance *inst,
                            wx_wasm_val **out, size_t *n, wx_error *err)
{
    char why[160];
    *n = json_array_size(args);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out)
        return wx_error_set(err, WX_ENOMEM, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        spec_value v;
        if (!spec_parse_value(json_array_get(args, i), &v, why, sizeof why) ||
            !spec_to_wx_val(&v, &(*out)[i], why, sizeof why))
            return wx_error_set(err, WX_EARG, "argument %zu: %s", i, why);
        wx_status s = spec_internalize(&v, inst, &(*out)[i], err);
        if (s != WX_OK)
            return s;
    }
    return WX_OK;
}

/* Export names may contain U+0000 (names.wast has one), so they are looked
 * up by length. */
static bool find_export(wx_instance *inst, const json_t *field,
                        wx_externkind kind, wx_extern *out)
{
    return wx_instance_export_n(inst, json_string_value(field),
                                json_string_length(field), out) &&
           out->kind == kind;
}

static wx_status invoke(wx_instance *inst, const json_t *field,
                        const json_t *action, spec_call *call, wx_error *err)
{
    wx_extern ext;
    if (!find_export(inst, field, WX_EXTERN_FUNC, &ext) || !ext.of.func)
        return wx_error_set(err, WX_ENOEXPORT, "no exported function %s",
                            call->what);
    wx_wasm_func *f = ext.of.func;
    const wx_functype *ft = wx_wasm_func_type(f);
    if (!ft)
        return wx_error_set(err, WX_EARG, "wx_wasm_func_type returned NULL");
    wx_wasm_val *args = NULL;
    size_t nargs = 0;
    wx_status s =
        parse_args(json_object_get(action, "args"), inst, &args, &nargs, err);
    if (s == WX_OK) {
        call->nresults = ft->nresults;
        call->results =
            calloc(ft->nresults ? ft->nresults : 1, sizeof *call->results);
        if (!call->results)
            s = wx_error_set(err, WX_ENOMEM, "out of memory");
    }
    if (s == WX_OK)
        s = wx_call(f, args, nargs, call->results, call->nresults, err);
    if (s != WX_OK && err->status == WX_OK)
        err->status = s;
    free(args);
    return s;
}

static wx_status get_global(wx_instance *inst, const json_t *field,
                            spec_call *call, wx_error *err)
{
    wx_extern ext;
    if (!find_export(inst, field, WX_EXTERN_GLOBAL, &ext) || !ext.of.global)
        return wx_error_set(err, WX_ENOEXPORT, "no exported global %s",
                            call->what);
    call->results = calloc(1, sizeof *call->results);
    if (!call->results)
        return wx_error_set(err, WX_ENOMEM, "out of memory");
    call->nresults = 1;
    call->results[0] = wx_global_get(ext.of.global);
    return WX_OK;
}

/* Runs the command's action (invoke or get). The caller frees
 * call->results. */
static wx_status run_action(spec_runner *r, const spec_cmd *c, spec_call *call,
                            wx_error *err)
{
    const json_t *action = json_object_get(c->json, "action");
    const char *type = json_string_value(json_object_get(action, "type"));
    const json_t *jfield = json_object_get(action, "field");
    const char *field = json_string_value(jfield);
    const char *mod = json_string_value(json_object_get(action, "module"));
    char why[200];

    memset(call, 0, sizeof *call);
    wx_error_clear(err);
    if (!type || !field)
        return wx_error_set(err, WX_EARG, "command has no action");
    quote_name(field, json_string_length(jfield), call->what,
               sizeof call->what);

    /* No instance to act on is the script's fault (a module it names is
     * missing or failed), not a missing export. */
    wx_instance *inst = resolve_instance(r, mod, why, sizeof why);
    if (!inst)
        return wx_error_set(err, WX_EARG, "%s", why);
    if (strcmp(type, "invoke") == 0)
        return invoke(inst, jfield, action, call, err);
    if (strcmp(type, "get") == 0)
        return get_global(inst, jfield, call, err);
    return wx_error_set(err, WX_EARG, "unknown action type \"%s\"", type);
}

/* --------------------------------------------------------------- commands */

static spec_outcome cmd_module(spec_runner *r, spec_cmd *c)
{
    const char *name = json_string_value(json_object_get(c->json, "name"));
    const char *file = binary_file(c);
    wx_error err;
    wx_instance *inst = NULL;
    if (!file) /* a text module: its .wat file */
        file = json_string_value(json_object_get(c->json, "filename"));
    wx_module *m = NULL;
    char why[480];
    spec_outcome out = SPEC_PASS;

    if ((m = load_module(r, c, &err)) != NULL)
        inst = instantiate(r, m, &err);
    if (!inst && out == SPEC_PASS) {
        describe_error(&err, why, sizeof why);
        out = failf(c, "%s %s: %s", m ? "cannot instantiate" : "cannot load",
                    file ? file : "(no file)", why);
    }
    /* A failed module still becomes current (as nothing), so that the
     * commands meant for it fail instead of testing an older module. */
    r->current = inst;
    if (name && !bind_name(r, name, inst))
        out = failf(c, "out of memory");
    return out;
}

static bool keep_definition(spec_runner *r, const char *name,
                            const wx_module *m)
{
    char *copy = name ? strdup(name) : NULL;
    if ((name && !copy) ||
        !grow((void **)&r->defs, &r->cap_defs, r->ndefs, sizeof *r->defs)) {
        free(copy);
        return false;
    }
    r->defs[r->ndefs].name = copy;
    r->defs[r->ndefs].module = m;
    r->ndefs++;
    return true;
}

/* module_definition (WebAssembly 3.0 scripts): a module that is loaded now
 * and instantiated by module_instance commands, maybe more than once. */
static spec_outcome cmd_module_definition(spec_runner *r, spec_cmd *c)
{
    const char *name = json_string_value(json_object_get(c->json, "name"));
    wx_error err;
    char why[480];
    const wx_module *m = load_module(r, c, &err);
    spec_outcome out = SPEC_PASS;

    if (!m) {
        describe_error(&err, why, sizeof why);
        out = failf(c, "cannot load %s: %s",
                    json_string_value(json_object_get(c->json, "filename")),
                    why);
    }
    if (!keep_definition(r, name, m))
        out = failf(c, "out of memory");
    return out;
}

/* The definition a module_instance names, or the latest one. */
static const spec_definition *find_definition(const spec_runner *r,
                                              const char *name)
{
    for (size_t i = r->ndefs; i > 0; i--) {
        const spec_definition *d = &r->defs[i - 1];
        if (!name || (d->name && strcmp(d->name, name) == 0))
            return d;
    }
    return NULL;
}

static spec_outcome cmd_module_instance(spec_runner *r, spec_cmd *c)
{
    const char *inst_name =
        json_string_value(json_object_get(c->json, "instance"));
    const char *def_name =
        json_string_value(json_object_get(c->json, "module"));
    const spec_definition *d = find_definition(r, def_name);
    wx_instance *inst = NULL;
    wx_error err;
    char why[480];
    spec_outcome out = SPEC_PASS;

    if (!d)
        out = failf(c, "no module definition %s",
                    def_name ? def_name : "before it");
    else if (!d->module)
        out = failf(c,
                    "module definition %s did not load (it failed, or "
                    "exists as text only)",
                    d->name ? d->name : "(unnamed)");
    else if (!(inst = instantiate(r, d->module, &err))) {
        describe_error(&err, why, sizeof why);
        out = failf(c, "cannot instantiate %s: %s",
                    d->name ? d->name : "(unnamed)", why);
    }
    r->current = inst;
    if (inst_name && !bind_name(r, inst_name, inst))
        out = failf(c, "out of memory");
    return out;
}

static spec_outcome cmd_register(spec_runner *r, spec_cmd *c)
{
    const char *as = json_string_value(json_object_get(c->json, "as"));
    const char *name = json_string_value(json_object_get(c->json, "name"));
    char why[200];
    wx_error err;

    if (!as)
        return failf(c, "register without \"as\"");
    wx_instance *inst = resolve_instance(r, name, why, sizeof why);
    if (!inst)
        return failf(c, "cannot register \"%s\": %s", as, why);
    wx_error_clear(&err);
    if (wx_linker_define_instance(r->linker, as, inst, &err) != WX_OK) {
        describe_error(&err, why, sizeof why);
        return failf(c, "cannot register \"%s\": %s", as, why);
    }
    return SPEC_PASS;
}

static spec_outcome cmd_action(spec_runner *r, spec_cmd *c)
{
    spec_call call;
    wx_error err;
    char why[480];
    wx_status s = run_action(r, c, &call, &err);
    free(call.results);
    if (s == WX_OK)
        return SPEC_PASS;
    describe_error(&err, why, sizeof why);
    return failf(c, "%s: %s", call.what, why);
}

/* Parses the expected results; NULL with a failure message in `c`. */
static spec_value *parse_expected(spec_cmd *c, size_t *n)
{
    const json_t *exp = json_object_get(c->json, "expected");
    const json_t *either = json_object_get(c->json, "either");
    char why[160];
    *n = json_array_size(exp);
    spec_value *vals = calloc(*n ? *n : 1, sizeof *vals);
    if (!vals) {
        failf(c, "out of memory");
        return NULL;
    }
    /* wast2json 1.0.32 writes a relaxed SIMD result that may be one of
     * several as "either": [one value each] beside the command (wasm-tools
     * as an expected value of type "either"). */
    if (!exp && json_array_size(either) > 0) {
        json_t *e = json_pack("{s:s, s:O}", "type", "either", "values",
                              either);
        bool ok = e && spec_parse_value(e, &vals[0], why, sizeof why);
        json_decref(e);
        if (!ok) {
            failf(c, "expected result: %s", e ? why : "out of memory");
            free(vals);
            return NULL;
        }
        vals[0].either = either;
        *n = 1;
        return vals;
    }
    for (size_t i = 0; i < *n; i++) {
        if (!spec_parse_value(json_array_get(exp, i), &vals[i], why,
                              sizeof why)) {
            failf(c, "expected result %zu: %s", i, why);
            free(vals);
            return NULL;
        }
    }
    return vals;
}

static spec_outcome compare_results(spec_cmd *c, const spec_call *call,
                                    const spec_value *want, size_t nwant)
{
    char got[600], exp[600];
    bool ok = call->nresults == nwant;
    for (size_t i = 0; ok && i < nwant; i++)
        ok = spec_value_matches(&want[i], &call->results[i]);
    if (ok)
        return SPEC_PASS;
    size_t o = (size_t)snprintf(exp, sizeof exp, "(");
    for (size_t i = 0; i < nwant && o < sizeof exp; i++) {
        char one[96];
        spec_format_expected(&want[i], one, sizeof one);
        o += (size_t)snprintf(exp + o, sizeof exp - o, "%s%s", i ? ", " : "",
                              one);
    }
    if (o < sizeof exp)
        snprintf(exp + o, sizeof exp - o, ")");
    format_results(call->results, call->nresults, got, sizeof got);
    return failf(c, "%s: expected %s, got %s", call->what, exp, got);
}

static spec_outcome cmd_assert_return(spec_runner *r, spec_cmd *c)
{
    size_t nwant;
    spec_value *want = parse_expected(c, &nwant);
    if (!want)
        return SPEC_FAIL;
    spec_call call;
    wx_error err;
    char why[480];
    spec_outcome out;
    if (run_action(r, c, &call, &err) == WX_OK) {
        out = compare_results(c, &call, want, nwant);
    } else {
        describe_error(&err, why, sizeof why);
        out = failf(c, "%s: %s", call.what, why);
    }
    free(call.results);
    free(want);
    return out;
}

/* assert_trap and assert_exhaustion: the action must trap, with our
 * wording matching the script's. */
static spec_outcome cmd_assert_trap(spec_runner *r, spec_cmd *c)
{
    const char *text = json_string_value(json_object_get(c->json, "text"));
    spec_call call;
    wx_error err;
    char got[600];
    spec_outcome out = SPEC_PASS;
    wx_status s = run_action(r, c, &call, &err);

    if (!text)
        text = "";
    if (s == WX_OK) {
        format_results(call.results, call.nresults, got, sizeof got);
        out = failf(c, "%s: expected trap \"%s\", got results %s", call.what,
                    text, got);
    } else if (s != WX_ETRAP ||
               !spec_trap_text_matches(text, wx_trap_message(err.trap))) {
        describe_error(&err, got, sizeof got);
        out =
            failf(c, "%s: expected trap \"%s\", got %s", call.what, text, got);
    }
    free(call.results);
    return out;
}

/* With -w: says when an expected error's message does not contain the
 * script's wording. Only the status decides the verdict, since the wording
 * of load errors varies between engines, but matching it helps to check
 * that a module was rejected for the right reason. */
static void note_wording(const spec_runner *r, const spec_cmd *c,
                         const char *text, const wx_error *err)
{
    if (r->opts.wording && text && *text && !strstr(err->message, text))
        printf("%s:%d: %s: note: expected \"%s\", got \"%s\"\n", r->wast,
               c->line, c->type, text, err->message);
}

/* assert_invalid and assert_malformed: loading must fail with `want`. */
static spec_outcome expect_load_error(spec_runner *r, spec_cmd *c,
                                      wx_status want)
{
    const char *text = json_string_value(json_object_get(c->json, "text"));
    wx_error err;
    char got[480];
    if (load_module(r, c, &err))
        return failf(c, "expected %s module (\"%s\"), but it loaded",
                     wx_status_name(want), text ? text : "");
    if (err.status != want) {
        describe_error(&err, got, sizeof got);
        return failf(c, "expected %s module (\"%s\"), got %s",
                     wx_status_name(want), text ? text : "", got);
    }
    note_wording(r, c, text, &err);
    return SPEC_PASS;
}

static spec_outcome cmd_assert_invalid(spec_runner *r, spec_cmd *c)
{
    return expect_load_error(r, c, WX_EINVALID);
}

static spec_outcome cmd_assert_malformed(spec_runner *r, spec_cmd *c)
{
    return expect_load_error(r, c, WX_EMALFORMED);
}

/* assert_unlinkable and assert_uninstantiable: the module loads, and
 * instantiating it must fail with `want`. */
static spec_outcome expect_instantiate_error(spec_runner *r, spec_cmd *c,
                                             wx_status want)
{
    const char *text = json_string_value(json_object_get(c->json, "text"));
    wx_error err;
    char got[480];
    if (!text)
        text = "";
    const wx_module *m = load_module(r, c, &err);
    if (!m) {
        describe_error(&err, got, sizeof got);
        return failf(c, "module should load, got %s", got);
    }
    if (instantiate(r, m, &err))
        return failf(c, "expected %s (\"%s\"), but it instantiated",
                     wx_status_name(want), text);
    bool ok = err.status == want;
    if (ok && want == WX_ETRAP)
        ok = spec_trap_text_matches(text, wx_trap_message(err.trap));
    if (ok) {
        note_wording(r, c, text, &err);
        return SPEC_PASS;
    }
    describe_error(&err, got, sizeof got);
    return failf(c, "expected %s (\"%s\"), got %s", wx_status_name(want), text,
                 got);
}

static spec_outcome cmd_assert_unlinkable(spec_runner *r, spec_cmd *c)
{
    return expect_instantiate_error(r, c, WX_EUNLINKABLE);
}

static spec_outcome cmd_assert_uninstantiable(spec_runner *r, spec_cmd *c)
{
    return expect_instantiate_error(r, c, WX_ETRAP);
}

/* assert_exception: the action must end with an exception that no
 * handler caught (WX_EEXCEPTION), neither results nor a trap. */
static spec_outcome cmd_assert_exception(spec_runner *r, spec_cmd *c)
{
    spec_call call;
    wx_error err;
    char got[600];
    spec_outcome out = SPEC_PASS;
    wx_status s = run_action(r, c, &call, &err);
    if (s == WX_OK) {
        format_results(call.results, call.nresults, got, sizeof got);
        out = failf(c, "%s: expected an uncaught exception, got results %s",
                    call.what, got);
    } else if (s != WX_EEXCEPTION) {
        describe_error(&err, got, sizeof got);
        out = failf(c, "%s: expected an uncaught exception, got %s",
                    call.what, got);
    }
    free(call.results);
    return out;
}

/* Commands of WebAssembly 3.0 scripts (and of later proposals) that need
 * what the engine does not have: they fail, saying why. Custom-section
 * assertions on a text module are text-format tests, skipped as such. */
static spec_outcome cmd_unsupported(spec_runner *r, spec_cmd *c)
{
    (void)r;
    if (strcmp(c->type, "assert_suspension") == 0)
        return failf(c, "stack switching is not supported");
    if (strcmp(c->type, "thread") == 0 || strcmp(c->type, "wait") == 0)
        return failf(c, "threads are not supported");
    if (text_only(c))
        return SPEC_SKIP;
    return failf(c, "custom-section assertions are not supported");
}

static const struct {
    const char *type;
    spec_outcome (*run)(spec_runner *r, spec_cmd *c);
} commands[] = {
    {"module", cmd_module},
    {"register", cmd_register},
    {"action", cmd_action},
    {"assert_return", cmd_assert_return},
    {"assert_trap", cmd_assert_trap},
    {"assert_exhaustion", cmd_assert_trap},
    {"assert_invalid", cmd_assert_invalid},
    {"assert_malformed", cmd_assert_malformed},
    {"assert_unlinkable", cmd_assert_unlinkable},
    {"assert_uninstantiable", cmd_assert_uninstantiable},
    {"module_definition", cmd_module_definition},
    {"module_instance", cmd_module_instance},
    {"assert_exception", cmd_assert_exception},
    {"assert_suspension", cmd_unsupported},
    {"thread", cmd_unsupported},
    {"wait", cmd_unsupported},
    {"assert_malformed_custom", cmd_unsupported},
    {"assert_invalid_custom", cmd_unsupported},
};

static spec_outcome dispatch(spec_runner *r, spec_cmd *c)
{
    if (r->setup_error[0])
        return failf(c, "%s", r->setup_error);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(c->type, commands[i].type) == 0)
            return commands[i].run(r, c);
    return failf(c, "unknown command type \"%s\"", c->type);
}

static void run_command(spec_runner *r, const json_t *json)
{
    spec_cmd c;
    c.json = json;
    c.type = json_string_value(json_object_get(json, "type"));
    c.line = (int)json_integer_value(json_object_get(json, "line"));
    c.msg[0] = '\0';
    if (!c.type)
        c.type = "(no type)";
    if (r->opts.trace) {
        fprintf(stderr, "%s:%d: %s\n", r->wast, c.line, c.type);
        fflush(stderr);
    }
    switch (dispatch(r, &c)) {
    case SPEC_PASS: r->passed++; break;
    case SPEC_SKIP: r->skipped++; break;
    case SPEC_FAIL:
        r->failed++;
        if (r->opts.verbose)
            printf("%s:%d: %s: %s\n", r->wast, c.line, c.type, c.msg);
        break;
    }
}

/* ------------------------------------------------------------------ setup */

static void setup(spec_runner *r)
{
    wx_error err;
    char why[400];
    wx_error_clear(&err);
    r->linker = wx_linker_new(&err);
    if (r->linker)
        spec_define_spectest(r->linker, &err);
    if (!r->linker || err.status != WX_OK) {
        describe_error(&err, why, sizeof why);
        snprintf(r->setup_error, sizeof r->setup_error,
                 "cannot set up the spectest module: %s", why);
    }
}

static void teardown(spec_runner *r)
{
    /* Instances may import from earlier ones, so they go newest first,
     * before the linker and the modules they were made from. */
    while (r->ninstances > 0)
        wx_instance_free(r->instances[--r->ninstances]);
    wx_linker_free(r->linker);
    while (r->nmodules > 0)
        wx_module_free(r->modules[--r->nmodules]);
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i].name);
    for (size_t i = 0; i < r->ndefs; i++)
        free(r->defs[i].name);
    free(r->defs);
    free(r->instances);
    free(r->modules);
    free(r->names);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static json_t *load_script(const char *path)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        fprintf(stderr, "wx-spec: %s:%d: %s\n", path, jerr.line, jerr.text);
        return NULL;
    }
    if (!json_is_array(json_object_get(root, "commands"))) {
        fprintf(stderr, "wx-spec: %s: no \"commands\" list\n", path);
        json_decref(root);
        return NULL;
    }
    return root;
}

static int run_script(const char *path, spec_opts opts)
{
    json_t *root = load_script(path);
    if (!root)
        return 2;
    const json_t *cmds = json_object_get(root, "commands");
    const char *src =
        json_string_value(json_object_get(root, "source_filename"));
    char *dir = strdup(path);
    if (!dir) {
        json_decref(root);
        return 2;
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    spec_runner r = {
        .dir = slash ? dir : ".",
        .wast = opts.name ? opts.name : base_name(src ? src : path),
        .opts = opts,
    };
    setup(&r);
    for (size_t i = 0; i < json_array_size(cmds); i++)
        run_command(&r, json_array_get(cmds, i));
    printf("%s: %u passed, %u failed, %u skipped\n", r.wast, r.passed,
           r.failed, r.skipped);
    teardown(&r);
    free(dir);
    json_decref(root);
    return r.failed ? 1 : 0;
}

static int count_commands(const char *path)
{
    json_t *root = load_script(path);
    if (!root)
        return 2;
    printf("%zu\n", json_array_size(json_object_get(root, "commands")));
    json_decref(root);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: wx-spec [-v] [-t] [-w] [-3] [-n NAME] "
                    "FILE.json\n"
                    "       wx-spec --count FILE.json\n"
                    "       wx-spec --selftest\n");
    return 2;
}

int main(int argc, char **argv)
{
    spec_opts opts = {0};
    int i = 1;
    if (argc == 2 && strcmp(argv[1], "--selftest") == 0)
        return spec_selftest();
    if (argc == 3 && strcmp(argv[1], "--count") == 0)
        return count_commands(argv[2]);
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-v") == 0)
            opts.verbose = true;
        else if (strcmp(argv[i], "-t") == 0)
            opts.trace = true;
        else if (strcmp(argv[i], "-w") == 0)
            opts.wording = true;
        else if (strcmp(argv[i], "-3") == 0)
            opts.wasm3 = true;
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            opts.name = argv[++i];
        else
            return usage();
    }
    if (i + 1 != argc)
        return usage();
    /* Failure lines go out as they happen, so a crash keeps them. */
    if (opts.verbose || opts.wording)
        setvbuf(stdout, NULL, _IOLBF, 0);
    return run_script(argv[i], opts);
}
