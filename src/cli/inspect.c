/*
 * `wasmext inspect FILE.wasm`: what a module asks for and offers (imports,
 * exports with signatures), what it defines (functions, memories, tables,
 * globals, segments) and how its file is laid out (sections, custom
 * sections). The engine validates the module first, so an invalid one is
 * reported with the engine's reason and exit 2.
 */
#include "cli.h"
#include "convert.h"
#include "wasmfile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char inspect_help[] =
    "Usage: wasmext inspect [--json] FILE.wasm\n"
    "\n"
    "Loads and validates FILE.wasm, then describes it: size, function\n"
    "counts, imports and exports with their signatures or limits, the\n"
    "memories and tables with their limits (in pages of 64 KiB and\n"
    "elements), globals, segments, the start function, custom sections\n"
    "and the section layout.\n"
    "\n"
    "Options:\n"
    "  --json       the same as one JSON object\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 ok; 2 the file cannot be read or is not a valid\n"
    "module (the message says where).\n"
    "\n"
    "Examples:\n"
    "  wasmext inspect add.wasm\n"
    "  wasmext --json inspect add.wasm | python3 -m json.tool\n";

/* "1..16" or "1.." (no maximum). */
static void limits_text(const wx_limits *l, char *buf, size_t size)
{
    if (l->has_max)
        snprintf(buf, size, "%" PRIu64 "..%" PRIu64, l->min, l->max);
    else
        snprintf(buf, size, "%" PRIu64 "..", l->min);
}

/* "i64 " before the limits of a 64-bit memory or table (memory64,
 * table64), as the text format writes it; nothing for 32-bit ones. */
static const char *addr_text(const wx_limits *l)
{
    return l->addr64 ? "i64 " : "";
}

/* What an import or export is, in a few words: a signature, limits, or a
 * global's type. */
static void extern_text(const wx_externdesc *d, char *buf, size_t size)
{
    char lim[64];
    switch (d->kind) {
    case WX_EXTERN_FUNC:
    case WX_EXTERN_TAG: /* a tag's type is a signature (its payload) */
        cli_signature(&d->func, buf, size);
        break;
    case WX_EXTERN_TABLE:
        limits_text(&d->limits, lim, sizeof lim);
        snprintf(buf, size, "%s %s%s", wx_valtype_name(d->elem),
                 addr_text(&d->limits), lim);
        break;
    case WX_EXTERN_MEMORY:
        limits_text(&d->limits, lim, sizeof lim);
        snprintf(buf, size, "%spages %s", addr_text(&d->limits), lim);
        break;
    case WX_EXTERN_GLOBAL:
        snprintf(buf, size, "%s%s", d->global_mutable ? "mut " : "",
                 wx_valtype_name(d->global_type));
        break;
    }
}

/* A name as JSON (names may hold U+0000, so by length). */
static json_t *name_json(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    return j ? j : json_string("?");
}

/* A limit as a JSON integer, or as a decimal string past 2^63-1 (a
 * 64-bit table may declare up to 2^64-1), which JSON's integers here
 * cannot hold. */
static json_t *limit_json(uint64_t v)
{
    char buf[24];
    if (v <= INT64_MAX)
        return json_integer((json_int_t)v);
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return json_string(buf);
}

/* {"min", "max"}, and "address": "i64" for a 64-bit memory or table
 * (absent for 32-bit ones, as before 64-bit ones existed). */
static json_t *limits_json(const wx_limits *l)
{
    json_t *o = json_pack("{s:o,s:o}", "min", limit_json(l->min), "max",
                          l->has_max ? limit_json(l->max) : json_null());
    if (o && l->addr64)
        json_object_set_new(o, "address", json_string("i64"));
    return o;
}

static json_t *extern_json(const wx_externdesc *d, bool import,
                           const cli_export *ex)
{
    json_t *o = json_object();
    if (import)
        json_object_set_new(o, "module", json_string(d->module));
    json_object_set_new(o, "name", name_json(d->name, d->name_len));
    json_object_set_new(o, "kind", json_string(wxc_kind_name(d->kind)));
    if (ex)
        json_object_set_new(o, "index", json_integer(ex->index));
    char sig[512];
    switch (d->kind) {
    case WX_EXTERN_FUNC:
    case WX_EXTERN_TAG:
        cli_signature(&d->func, sig, sizeof sig);
        json_object_set_new(o, "signature", json_string(sig));
        break;
    case WX_EXTERN_TABLE:
        json_object_set_new(o, "elem", json_string(wx_valtype_name(d->elem)));
        json_object_set_new(o, "limits", limits_json(&d->limits));
        break;
    case WX_EXTERN_MEMORY:
        json_object_set_new(o, "limits", limits_json(&d->limits));
        break;
    case WX_EXTERN_GLOBAL:
        json_object_set_new(o, "type",
                            json_string(wx_valtype_name(d->global_type)));
        json_object_set_new(o, "mutable", json_boolean(d->global_mutable));
        break;
    }
    return o;
}

static json_t *spaces_json(const cli_space *s, uint32_t n, bool tables)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:i,s:b,s:o}", "index", (int)i, "imported",
                      s[i].imported, "limits", limits_json(&s[i].limits));
        if (o && tables)
            json_object_set_new(o, "elem",
                                json_string(wx_valtype_name(s[i].elem)));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *sections_json(const cli_wasmfile *wf, bool custom)
{
    json_t *arr = json_array();
    for (uint32_t i = 0; i < wf->nsections; i++) {
        const cli_section *s = &wf->sections[i];
        if (custom && s->id != 0)
            continue;
        json_t *o = json_object();
        if (s->id == 0)
            json_object_set_new(
                o, "name",
                name_json((const char *)s->name, s->name ? s->name_len : 0));
        if (!custom) {
            json_object_set_new(o, "id", json_integer(s->id));
            json_object_set_new(o, "kind",
                                json_string(cli_section_name(s->id)));
            json_object_set_new(o, "offset", json_integer(s->offset));
        }
        json_object_set_new(o, "size", json_integer(s->size));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *inspect_json(const char *path, size_t len, const wx_module *m,
                            const cli_wasmfile *wf)
{
    json_t *imports = json_array(), *exports = json_array();
    uint32_t n = wx_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (wx_module_import(m, i, &d))
            json_array_append_new(imports, extern_json(&d, true, NULL));
    }
    n = wx_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (wx_module_export(m, i, &d))
            json_array_append_new(
                exports,
                extern_json(&d, false,
                            i < wf->nexports ? &wf->exports[i] : NULL));
    }
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "size", json_integer((json_int_t)len));
    json_object_set_new(o, "functions",
                        json_pack("{s:i,s:i,s:i,s:i}", "imported",
                                  (int)wf->func_imports, "defined",
                                  (int)wf->funcs_defined, "total",
                                  (int)(wf->func_imports + wf->funcs_defined),
                                  "code_bytes", (int)wf->code_bytes));
    json_object_set_new(o, "types", json_integer(wf->ntypes));
    json_object_set_new(o, "imports", imports);
    json_object_set_new(o, "exports", exports);
    json_object_set_new(o, "memories",
                        spaces_json(wf->memories, wf->nmemories, false));
    json_object_set_new(o, "tables",
                        spaces_json(wf->tables, wf->ntables, true));
    json_object_set_new(o, "globals",
                        json_pack("{s:i,s:i}", "imported",
                                  (int)wf->global_imports, "defined",
                                  (int)wf->globals_defined));
    json_object_set_new(o, "start",
                        wf->has_start ? json_integer(wf->start) : json_null());
    json_object_set_new(o, "elem_segments", json_integer(wf->nelems));
    json_object_set_new(o, "data_segments", json_integer(wf->ndatas));
    json_object_set_new(o, "custom_sections", sections_json(wf, true));
    json_object_set_new(o, "sections", sections_json(wf, false));
    return o;
}

/* ------------------------------------------------------------- text */

/* An import's or export's name column: "module.name" or "name". */
static void extern_name(const wx_externdesc *d, bool import, char *buf,
                        size_t size)
{
    if (import)
        snprintf(buf, size, "%s.%s", d->module, d->name);
    else
        snprintf(buf, size, "%s", d->name);
}

static bool get_extern(const wx_module *m, bool imports, uint32_t i,
                       wx_externdesc *d)
{
    return imports ? wx_module_import(m, i, d) : wx_module_export(m, i, d);
}

static void print_externs(const wx_module *m, const cli_wasmfile *wf,
                          bool imports)
{
    uint32_t n =
        imports ? wx_module_import_count(m) : wx_module_export_count(m);
    printf("\n%s (%u):\n", imports ? "imports" : "exports", n);
    /* Names are aligned on the longest, up to a point. */
    int width = 0;
    char name[256];
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!get_extern(m, imports, i, &d))
            continue;
        extern_name(&d, imports, name, sizeof name);
        int len = (int)strlen(name);
        if (len > width)
            width = len < 40 ? len : 40;
    }
    uint32_t seen[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        wx_externdesc d;
        if (!get_extern(m, imports, i, &d))
            continue;
        char what[512], index[16] = "";
        extern_text(&d, what, sizeof what);
        extern_name(&d, imports, name, sizeof name);
        /* The index in the kind's index space: imports come first in
         * it, in order; exports name theirs. */
        if (imports)
            snprintf(index, sizeof index, "%u", seen[d.kind & 3]++);
        else if (i < wf->nexports)
            snprintf(index, sizeof index, "%u", wf->exports[i].index);
        printf("  %-6s %-4s %-*s  %s\n", wxc_kind_name(d.kind), index, width, name,
               what);
    }
}

static void print_spaces(const char *what, const cli_space *s, uint32_t n,
                         bool tables)
{
    if (!n)
        return;
    printf("\n%s (%u):\n", what, n);
    for (uint32_t i = 0; i < n; i++) {
        char lim[64];
        limits_text(&s[i].limits, lim, sizeof lim);
        const char *at = addr_text(&s[i].limits);
        if (tables)
            printf("  %u  %s %s%s%s\n", i, wx_valtype_name(s[i].elem), at,
                   lim, s[i].imported ? "  (imported)" : "");
        else
            printf("  %u  %spages %s%s\n", i, at, lim,
                   s[i].imported ? "  (imported)" : "");
    }
}

static void print_sections(const cli_wasmfile *wf)
{
    bool any = false;
    for (uint32_t i = 0; i < wf->nsections; i++) {
        const cli_section *s = &wf->sections[i];
        if (s->id != 0)
            continue;
        if (!any)
            printf("\ncustom sections:\n");
        any = true;
        printf("  %-20.*s  %u bytes\n", s->name ? (int)s->name_len : 0,
               s->name ? (const char *)s->name : "", s->size);
    }
    printf("\nsections:\n");
    for (uint32_t i = 0; i < wf->nsections; i++) {
        const cli_section *s = &wf->sections[i];
        printf("  %-10s  offset 0x%06x  size %u", cli_section_name(s->id),
               s->offset, s->size);
        if (s->id == 0 && s->name)
            printf("  \"%.*s\"", (int)s->name_len, (const char *)s->name);
        putchar('\n');
    }
}

static void inspect_text(const char *path, size_t len, const wx_module *m,
                         const cli_wasmfile *wf)
{
    printf("module     %s (%zu bytes)\n", path, len);
    printf("functions  %u (%u imported, %u defined; %u bytes of code)\n",
           wf->func_imports + wf->funcs_defined, wf->func_imports,
           wf->funcs_defined, wf->code_bytes);
    printf("types      %u\n", wf->ntypes);
    printf("globals    %u (%u imported, %u defined)\n",
           wf->global_imports + wf->globals_defined, wf->global_imports,
           wf->globals_defined);
    printf("segments   %u data, %u elem\n", wf->ndatas, wf->nelems);
    if (wf->has_start) {
        const char *name = wx_module_func_name(m, wf->start);
        if (!name)
            name = cli_func_export_name(m, wf, wf->start);
        printf("start      function %u%s%s%s\n", wf->start, name ? " (\"" : "",
               name ? name : "", name ? "\")" : "");
    }
    print_externs(m, wf, true);
    print_externs(m, wf, false);
    print_spaces("memories", wf->memories, wf->nmemories, false);
    print_spaces("tables", wf->tables, wf->ntables, true);
    print_sections(wf);
}

static int inspect_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "inspect", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cli_cmd_inspect);
    if (a.npos == 0)
        return cli_usage_error("inspect", "missing FILE.wasm");
    if (a.npos > 1)
        return cli_usage_error(
            "inspect", "expected one FILE.wasm, got %d arguments", a.npos);
    const char *path = a.pos[0];
    size_t len;
    uint8_t *bytes = cli_read_module(path, &len);
    if (!bytes)
        return CLI_EXIT_USAGE;
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    if (!m) {
        cli_error_from(&err, "%s: %s", path, err.message);
        free(bytes);
        return CLI_EXIT_USAGE;
    }
    cli_wasmfile wf;
    if (!cli_wasmfile_read(bytes, len, &wf)) {
        cli_error(WX_EMALFORMED, "%s: the section layout could not be read",
                  path);
        rc = CLI_EXIT_FAILED;
    } else if (g->json) {
        rc = cli_print_json(inspect_json(path, len, m, &wf));
    } else {
        inspect_text(path, len, m, &wf);
    }
    cli_wasmfile_free(&wf);
    wx_module_free(m);
    free(bytes);
    return rc;
}

const cli_command cli_cmd_inspect = {
    "inspect",
    "describe a .wasm file: imports, exports, signatures, limits",
    inspect_help,
    inspect_main,
};
