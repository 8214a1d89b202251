/*
 * `wasmext call [PLUGIN.]FUNC [ARG...]`: a call through the registry, with
 * the types the plugin's config declares (strings, bytes, JSON, vectors)
 * or, for numeric functions, its wasm signature.
 *
 * The plain form goes through wx_call_argv, which reads the arguments and
 * writes the results as command-line text. --json and --base64 need the
 * results typed: a handle to the function (wx_fn_get) says its parameter
 * types (wx_fn_describe), the arguments are read with them and the call
 * goes through wx_fn_call_values, whose typed results are then printed.
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

/* ------------------------------------------------------------ values */

/* Reads the arguments by the parameter types into vals (n of them, which
 * the caller has checked against the count); on failure prints why and
 * returns its exit code, leaving nothing to free. */
static int read_args(const wx_fn_info *info, int n, char **texts,
                     wxa_value *vals)
{
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof what, "argument %d", i + 1);
        wx_error err;
        wx_error_clear(&err);
        if (wxa_value_from_text(info->params[i], texts[i], what, &vals[i],
                                &err) != WX_OK) {
            cli_error_from(&err, "%s", err.message);
            wxa_values_free(vals, (size_t)i);
            return cli_exit_code(err.status);
        }
    }
    return CLI_EXIT_OK;
}

/* Prints typed results: {"results": [...]} with --json (bytes as base64,
 * json parsed, as over REST), else one per line as command-line text
 * (bytes in hex unless --base64). */
static int print_results(const cli_global *g, const wx_results *out,
                         unsigned flags)
{
    wx_error err;
    wx_error_clear(&err);
    if (g->json) {
        json_t *arr = json_array();
        for (uint32_t i = 0; arr && i < out->count; i++) {
            json_t *j = wxa_value_to_json(&out->values[i], &err);
            if (!j) {
                json_decref(arr);
                if (err.status == WX_OK)
                    wx_error_set(&err, WX_ENOMEM, "out of host memory");
                cli_error_from(&err, "%s", err.message);
                return cli_exit_code(err.status != WX_OK ? err.status
                                                         : WX_ENOMEM);
            }
            json_array_append_new(arr, j);
        }
        return cli_print_json(arr ? json_pack("{s:o}", "results", arr) : NULL);
    }
    for (uint32_t i = 0; i < out->count; i++) {
        char *text = wxa_value_to_text(&out->values[i], flags);
        if (!text) {
            cli_error(WX_ENOMEM, "out of host memory");
            return CLI_EXIT_FAILED;
        }
        puts(text);
        free(text);
    }
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------- calls */

static int call_text(wx_manager *m, const char *db, const char *func, int n,
                     char **args)
{
    wx_error err;
    wx_error_clear(&err);
    char *out = NULL;
    wx_status s =
        wx_call_argv(m, NULL, func, n, (const char *const *)args, &out, &err);
    if (s != WX_OK) {
        cli_error_in_registry(&err, db);
        return cli_exit_code(s);
    }
    fputs(out, stdout);
    wx_free(out);
    return CLI_EXIT_OK;
}

static int call_typed(const cli_global *g, wx_manager *m, const char *db,
                      const char *func, int n, char **args, unsigned flags)
{
    wx_error err;
    wx_error_clear(&err);
    wx_fn *fn = wx_fn_get(m, NULL, func, &err);
    wx_fn_info info;
    if (!fn || wx_fn_describe(fn, &info, &err) != WX_OK) {
        cli_error_in_registry(&err, db);
        wx_fn_free(fn);
        return cli_exit_code(err.status);
    }
    wxa_value vals[WX_MAX_VALUES];
    bool counted = (size_t)n == info.nparams;
    int rc = counted ? read_args(&info, n, args, vals) : CLI_EXIT_OK;
    if (rc != CLI_EXIT_OK) {
        wx_fn_free(fn);
        return rc;
    }
    /* A wrong count goes to the call all the same (with no values, which
     * it never reads then), so that the manager says it in its words. */
    wx_results out;
    wx_status s =
        wx_fn_call_values(fn, counted ? vals : NULL, (size_t)n, &out, &err);
    if (counted)
        wxa_values_free(vals, (size_t)n);
    if (s != WX_OK) {
        cli_error_in_registry(&err, db);
        rc = cli_exit_code(s);
    } else {
        rc = print_results(g, &out, flags);
    }
    wx_results_free(&out);
    wx_fn_free(fn);
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
    /* A call changes nothing in the registry: read-only, and a registry
     * that does not exist is not created. */
    char *db;
    wx_manager *m = cli_open_registry(g, CLI_REG_READ, &db, &rc);
    const char *func = a.pos[0];
    if (!m) {
        if (rc == CLI_EXIT_OK) {
            cli_error(WX_ENOTFOUND,
                      "function \"%s\" not found in registry %s (it does "
                      "not exist)",
                      func, db);
            rc = CLI_EXIT_USAGE;
        }
        free(db);
        return rc;
    }
    bool base64 = a.val[OPT_BASE64] != NULL;
    if (g->json || base64)
        rc = call_typed(g, m, db, func, a.npos - 1, a.pos + 1,
                        base64 ? WXA_TEXT_BASE64 : 0);
    else
        rc = call_text(m, db, func, a.npos - 1, a.pos + 1);
    wx_manager_close(m);
    free(db);
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
    cli_error(WX_EARG,
              "call: this wasmext was built without the framework library "
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
