/*
 * Guessing a function's calling convention from its module, for `plugin
 * init` (which writes a starting config) and for the hint `plugin add`
 * gives when a function looks like cstring but is registered as numeric.
 *
 * A module says the wasm signature of each export, never what the numbers
 * mean: an i32 may be a count or a pointer to a string. So these are
 * guesses from the shape alone, and every caller says so:
 *
 *   bindgen  the module exports allocate (i32) -> i32 and deallocate
 *            (i32, i32) -> () (wasmedge-bindgen, src/abi/bindgen.c) and the
 *            function is (i32, i32) -> i32, the shape every bindgen export
 *            has; its real params are not in the module at all.
 *   cstring  the module exports malloc (i32) -> i32 and free (i32) -> ()
 *            (src/abi/cstring.c) and the function takes one i32 (a
 *            string's address) and returns at most one i32. Two i32s could
 *            be two strings or bytes (address, length), but they are just
 *            as often plain numbers in the modules toolchains make with
 *            malloc exported (TinyGo's add(a, b), eKuiper's own example):
 *            a guess, and a hint, that fired on arithmetic would teach
 *            people to ignore both.
 *   numeric  anything else made of i32, i64, f32 and f64.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The export named `name` of kind `kind`, with signature `sig` when it
 * is a function and `sig` is not NULL. */
static bool has_export(const wx_module *m, const char *name,
                       wx_externkind kind, const char *sig)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!wx_module_export(m, i, &d) || strcmp(d.name, name) != 0)
            continue;
        if (d.kind != kind)
            return false;
        if (!sig)
            return true;
        char got[64];
        cli_signature(&d.func, got, sizeof got);
        return strcmp(got, sig) == 0;
    }
    return false;
}

void cli_module_traits_of(const wx_module *m, cli_module_traits *out)
{
    bool memory = has_export(m, "memory", WX_EXTERN_MEMORY, NULL);
    out->cstring = memory &&
                   has_export(m, "malloc", WX_EXTERN_FUNC, "(i32) -> (i32)") &&
                   has_export(m, "free", WX_EXTERN_FUNC, "(i32) -> ()");
    out->bindgen =
        memory &&
        has_export(m, "allocate", WX_EXTERN_FUNC, "(i32) -> (i32)") &&
        has_export(m, "deallocate", WX_EXTERN_FUNC, "(i32, i32) -> ()");
    out->wasi = false;
    uint32_t n = wx_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (wx_module_import(m, i, &d) &&
            strcmp(d.module, "wasi_snapshot_preview1") == 0)
            out->wasi = true;
    }
}

bool cli_is_abi_helper(const char *name)
{
    /* What the ABIs, WASI and the toolchains export for the host, not for
     * calls: allocators, entry points, the component model's cabi_*,
     * and the double-underscore internals of C, AssemblyScript, TinyGo. */
    static const char *const exact[] = {
        "malloc",   "free",       "calloc", "realloc",
        "allocate", "deallocate", "_start", "_initialize",
    };
    static const char *const prefix[] = {"cabi_", "__", "asyncify_"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(name, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
            return true;
    return false;
}

static bool all_i32(uint32_t n, const wx_valtype *t)
{
    for (uint32_t i = 0; i < n; i++)
        if (t[i] != WX_I32)
            return false;
    return true;
}

static bool all_numbers(uint32_t n, const wx_valtype *t)
{
    for (uint32_t i = 0; i < n; i++)
        if (t[i] != WX_I32 && t[i] != WX_I64 && t[i] != WX_F32 &&
            t[i] != WX_F64)
            return false;
    return true;
}

bool cli_fits_cstring(const cli_module_traits *tr, const wx_functype *t)
{
    return tr->cstring && t->nparams == 1 && t->params[0] == WX_I32 &&
           t->nresults <= 1 && all_i32(t->nresults, t->results);
}

cli_abi_guess cli_guess_abi(const cli_module_traits *tr, const wx_functype *t)
{
    if (tr->bindgen && t->nparams == 2 && t->nresults == 1 &&
        all_i32(2, t->params) && t->results[0] == WX_I32)
        return CLI_GUESS_BINDGEN;
    if (cli_fits_cstring(tr, t))
        return CLI_GUESS_CSTRING;
    if (all_numbers(t->nparams, t->params) &&
        all_numbers(t->nresults, t->results))
        return CLI_GUESS_NUMERIC;
    return CLI_GUESS_UNSUPPORTED;
}

/* ---------------------------------------------------------- add hint */

/* The module a config file names (vm_config.path, relative to the
 * config's directory), loaded; NULL when any of it fails: the add itself
 * reports those errors, the hint stays quiet. */
static wx_module *config_module(const json_t *cfg, const char *config_path)
{
    const char *path = json_string_value(
        json_object_get(json_object_get(cfg, "vm_config"), "path"));
    if (!path || strncmp(path, "package:", 8) == 0)
        return NULL;
    const char *slash = strrchr(config_path, '/');
    size_t dirlen =
        path[0] != '/' && slash ? (size_t)(slash - config_path) + 1 : 0;
    char *full = malloc(dirlen + strlen(path) + 1);
    if (!full)
        return NULL;
    memcpy(full, config_path, dirlen);
    strcpy(full + dirlen, path);
    FILE *f = fopen(full, "rb");
    free(full);
    if (!f)
        return NULL;
    uint8_t *bytes = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            uint8_t *b = ncap <= (1u << 30) ? realloc(bytes, ncap) : NULL;
            if (!b)
                break;
            bytes = b;
            cap = ncap;
        }
        size_t k = fread(bytes + len, 1, cap - len, f);
        len += k;
        if (k == 0)
            break;
    }
    bool ok = !ferror(f) && feof(f);
    fclose(f);
    wx_error err;
    wx_module *m = ok && bytes ? wx_module_load(bytes, len, NULL, &err) : NULL;
    free(bytes);
    return m;
}

/* The signature of the exported function `name`, or false. */
static bool export_type(const wx_module *m, const char *name, wx_functype *t)
{
    uint32_t n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (wx_module_export(m, i, &d) && d.kind == WX_EXTERN_FUNC &&
            strcmp(d.name, name) == 0) {
            *t = d.func;
            return true;
        }
    }
    return false;
}

void cli_hint_cstring(const char *config_path)
{
    json_t *cfg = json_load_file(config_path, 0, NULL);
    wx_module *m = cfg ? config_module(cfg, config_path) : NULL;
    cli_module_traits tr;
    if (m)
        cli_module_traits_of(m, &tr);
    const json_t *fns = json_object_get(cfg, "functions");
    for (size_t i = 0; m && tr.cstring && i < json_array_size(fns); i++) {
        const json_t *f = json_array_get(fns, i);
        /* A function written as its name alone, or without "abi": the
         * numeric ABI, which passes a string's pointer as a number. */
        const char *name = json_is_string(f)
                               ? json_string_value(f)
                               : json_string_value(json_object_get(f, "name"));
        wx_functype t;
        if (!name || json_object_get(f, "abi") || !export_type(m, name, &t) ||
            !cli_fits_cstring(&tr, &t))
            continue;
        fprintf(stderr,
                "hint: functions[%zu] \"%s\" looks like a cstring function; "
                "add \"abi\": \"cstring\" (with its \"params\" and "
                "\"results\", e.g. [\"string\"]): as numeric it gets "
                "string pointers as plain numbers\n",
                i, name);
    }
    wx_module_free(m);
    json_decref(cfg);
}
