/*
 * `wasmext call [PLUGIN.]FUNC [ARG...]`: a call through the registry, with
 * the types the plugin's config declares (strings, bytes, JSON, vectors)
 * or, for numeric functions, its wasm signature.
 *
 * The plain form goes through wx_call_argv, which reads the arguments and
 * writes the results as command-line text. --json and --base64 need the
 * results typed: the function's parameter and result types come from
 * `plugin show`, the arguments are converted with them to JSON and the
 * call goes through wx_call_json, whose results are then printed.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef WX_CLI_FRAMEWORK
#include "value.h"
#include "wasmext.h"
#endif

static const char call_help[] =
    "Usage: wasmext [--db PATH] call [OPTIONS] [PLUGIN.]FUNC [ARG...]\n"
    "\n"
    "Calls function FUNC of a registered plugin (write PLUGIN.FUNC when\n"
    "several plugins provide FUNC) and prints the results, one per line.\n"
    "\n"
    "Arguments are read by the function's declared types (or its wasm\n"
    "signature): integers in decimal or 0x hex, refused unless they fit\n"
    "exactly; floats as decimals, inf or nan; bool true/false; string\n"
    "verbatim; bytes as hex:0a0b..., base64:... or @FILE (the file's\n"
    "contents); json as JSON text; vectors as [1,2,3] or 1,2,3.\n"
    "Results: bytes in hex (or base64 with --base64), json as its text,\n"
    "vectors as [1,2,3].\n"
    "\n"
    "Options:\n"
    "  --base64     print bytes results in base64 instead of hex\n"
    "  --json       print {\"results\": [...]} (bytes as base64, json\n"
    "               parsed, as over REST)\n"
    "  -h, --help   this help\n"
    "  --           end of options (for arguments starting with --)\n"
    "\n"
    "Exit status: 0 ok; 1 the call failed (trap, guest error, timeout,\n"
    "all instances busy); 2 bad arguments, function or plugin not found.\n"
    "\n"
    "Examples:\n"
    "  wasmext call add 2 3\n"
    "  wasmext call car.rank 3 4\n"
    "  wasmext call --base64 crypto.sha256 @message.bin\n";

enum { OPT_BASE64, NOPTS };

static const cli_opt call_opts[NOPTS] = {
    [OPT_BASE64] = {"--base64", NULL},
};

#ifdef WX_CLI_FRAMEWORK

/* ------------------------------------------------------ the function */

/* The types of the function a call names, from the registry's reports. */
typedef struct fn_types {
    json_t *params;  /* array of type names */
    json_t *results; /* array of type names, or NULL: the guest decides */
    json_t *report;  /* owns both */
} fn_types;

static json_t *load_report(char *text)
{
    json_t *j = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    wx_free(text);
    return j;
}

/* The plugin listing `func`, when exactly one does. */
static char *plugin_of(wx_manager *m, const char *func)
{
    json_t *list = load_report(wx_manager_list(m, NULL));
    size_t i, k;
    json_t *p, *f;
    char *found = NULL;
    unsigned hits = 0;
    json_array_foreach(list, i, p)
    {
        json_array_foreach(json_object_get(p, "functions"), k, f)
        {
            if (json_is_string(f) && strcmp(json_string_value(f), func) == 0) {
                if (!hits++)
                    found =
                        strdup(json_string_value(json_object_get(p, "name")));
            }
        }
    }
    json_decref(list);
    if (hits != 1) {
        free(found);
        return NULL;
    }
    return found;
}

/*
 * Finds the types of the function a call names. Returns false when it
 * cannot: the call itself then reports why (not found, ambiguous...),
 * with the manager's own message.
 */
static bool find_types(wx_manager *m, const char *name, fn_types *out)
{
    memset(out, 0, sizeof *out);
    const char *func = name;
    char *plugin = NULL;
    const char *dot = strchr(name, '.');
    if (dot) {
        /* "plugin.func", unless no plugin has that name (export names may
         * hold dots), as the manager decides. */
        plugin = strndup(name, (size_t)(dot - name));
        json_t *r =
            plugin ? load_report(wx_manager_show(m, plugin, NULL)) : NULL;
        if (r) {
            out->report = r;
            func = dot + 1;
        } else {
            free(plugin);
            plugin = NULL;
        }
    }
    if (!out->report) {
        plugin = plugin_of(m, func);
        out->report =
            plugin ? load_report(wx_manager_show(m, plugin, NULL)) : NULL;
    }
    free(plugin);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(out->report, "functions"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "name")), func))
            continue;
        out->params = json_object_get(f, "params");
        out->results = json_object_get(f, "results");
        return json_is_array(out->params);
    }
    return false;
}

/* ------------------------------------------------------------ values */

static bool type_at(const json_t *types, size_t i, wxa_type *t)
{
    const char *name = json_string_value(json_array_get(types, i));
    return name && wxa_type_parse(name, t);
}

/* The arguments as JSON for wx_call_json, converted by the parameter
 * types; NULL after printing why. A wrong count is left to the call,
 * which says it with the manager's words. */
static json_t *args_json(const fn_types *ft, int n, char **texts, int *rc)
{
    json_t *arr = json_array();
    bool counted = json_array_size(ft->params) == (size_t)n;
    for (int i = 0; arr && i < n; i++) {
        wxa_type t;
        if (!counted || !type_at(ft->params, (size_t)i, &t)) {
            json_array_append_new(arr, json_string(texts[i]));
            continue;
        }
        char what[32];
        snprintf(what, sizeof what, "argument %d", i + 1);
        wx_error err;
        wx_error_clear(&err);
        wxa_value v;
        json_t *j = NULL;
        if (wxa_value_from_text(t, texts[i], what, &v, &err) == WX_OK) {
            j = wxa_value_to_json(&v, &err);
            wxa_value_free(&v);
        }
        if (!j) {
            cli_error("%s", err.message);
            *rc = cli_exit_code(err.status);
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, j);
    }
    return arr;
}

/* Prints JSON results as text: through the result types when known (so
 * that bytes, which JSON carries as base64, print as hex unless --base64),
 * else strings as they are and the rest as JSON. */
static int print_results(const fn_types *ft, const json_t *results,
                         unsigned flags)
{
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r)
    {
        wxa_type t;
        char *text = NULL;
        wxa_value v;
        if (type_at(ft->results, i, &t) &&
            wxa_value_from_json(t, r, NULL, &v, NULL) == WX_OK) {
            text = wxa_value_to_text(&v, flags);
            wxa_value_free(&v);
        } else if (json_is_string(r)) {
            text = strdup(json_string_value(r));
        } else {
            text = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
        }
        if (!text) {
            cli_error("out of host memory");
            return CLI_EXIT_FAILED;
        }
        puts(text);
        free(text);
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------- calls */

static int call_text(wx_manager *m, const char *func, int n, char **args)
{
    wx_error err;
    wx_error_clear(&err);
    char *out = NULL;
    wx_status s =
        wx_call_argv(m, NULL, func, n, (const char *const *)args, &out, &err);
    if (s != WX_OK) {
        cli_error("%s", err.message);
        return cli_exit_code(s);
    }
    fputs(out, stdout);
    wx_free(out);
    return CLI_EXIT_OK;
}

static int call_typed(const cli_global *g, wx_manager *m, const char *func,
                      int n, char **args, unsigned flags)
{
    fn_types ft;
    int rc = CLI_EXIT_OK;
    json_t *arr = NULL;
    if (find_types(m, func, &ft))
        arr = args_json(&ft, n, args, &rc);
    else
        arr = json_array(); /* the call says what is wrong */
    if (rc != CLI_EXIT_OK) {
        json_decref(ft.report);
        return rc;
    }
    char *in = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    char *out = NULL;
    wx_error err;
    wx_error_clear(&err);
    wx_status s = in ? wx_call_json(m, NULL, func, in, &out, &err)
                     : wx_error_set(&err, WX_ENOMEM, "out of host memory");
    free(in);
    json_t *results = out ? json_loads(out, 0, NULL) : NULL;
    wx_free(out);
    if (s != WX_OK) {
        cli_error("%s", err.message);
        rc = cli_exit_code(s);
    } else if (!results) {
        cli_error("unexpected results from the manager");
        rc = CLI_EXIT_FAILED;
    } else if (g->json) {
        rc = cli_print_json(json_pack("{s:O}", "results", results));
    } else {
        rc = print_results(&ft, results, flags);
    }
    json_decref(results);
    json_decref(ft.report);
    return rc;
}

static int call_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "call", call_opts, NOPTS, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cli_cmd_call);
    if (a.npos < 1)
        return cli_usage_error("call", "missing FUNC (or PLUGIN.FUNC)");
    wx_error err;
    wx_error_clear(&err);
    wx_manager *m = wx_manager_open(g->db, NULL, &err);
    if (!m) {
        cli_error("registry: %s", err.message);
        return cli_exit_code(err.status);
    }
    const char *func = a.pos[0];
    bool base64 = a.val[OPT_BASE64] != NULL;
    if (g->json || base64)
        rc = call_typed(g, m, func, a.npos - 1, a.pos + 1,
                        base64 ? WXA_TEXT_BASE64 : 0);
    else
        rc = call_text(m, func, a.npos - 1, a.pos + 1);
    wx_manager_close(m);
    return rc;
}

#else /* !WX_CLI_FRAMEWORK */

static int call_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "call", call_opts, NOPTS, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cli_cmd_call);
    cli_error("call: this wasmext was built without the framework library "
              "(it needs jansson, sqlite3 and nettle: make deps)");
    return CLI_EXIT_USAGE;
}

#endif

const cli_command cli_cmd_call = {
    "call",
    "call a function of a registered plugin",
    call_help,
    call_main,
};
