/*
 * `wasmext call [PLUGIN.]FUNC [ARG...]`: a call through the registry, with
 * the types the plugin's config declares (strings, bytes, JSON, vectors)
 * or, for numeric functions, its wasm signature.
 *
 * One path for every form: a handle to the function (wx_fn_get) says its
 * parameter types (wx_fn_describe), the command-line converter reads the
 * arguments with them (wx_values_from_argv), the call goes through
 * wx_fn_call_values, and the typed results are printed as text (or JSON
 * with --json).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "wasmext.h"

static const char call_help[] =
    "Usage: wasmext [--db PATH] call [OPTIONS] [PLUGIN.]FUNC [ARG...]\n"
    "       wasmext [--db PATH] call --batch [PLUGIN.]FUNC <ROWS.ndjson\n"
    "\n"
    "Calls function FUNC of a registered plugin and prints the results,\n"
    "one per line. Function names are unique among plugins (an add that\n"
    "would claim a taken name is refused); PLUGIN.FUNC always works too.\n"
    "\n"
    "Arguments are read by the function's declared types (or its wasm\n"
    "signature): integers in decimal or 0x hex, refused unless they fit\n"
    "exactly; floats as decimals, inf or nan; bool true/false; string\n"
    "verbatim; bytes as hex:0a0b..., base64:... or @FILE (the file's\n"
    "contents); json as JSON text; vectors as [1,2,3] or 1,2,3.\n"
    "Results: bytes in hex (or base64 with --base64), json as its text,\n"
    "vectors as [1,2,3].\n"
    "\n"
    "With --batch, the rows come on stdin, one JSON array of arguments a\n"
    "line (NDJSON; empty lines are skipped), and each gets one line on\n"
    "stdout in the same order: its results as a JSON array, or\n"
    "{\"error\": {\"code\": ..., \"message\": \"line N: ...\"}} (N counts\n"
    "every line of stdin from 1). A line that is not a JSON array of\n"
    "arguments fails alone, as does a row that traps or runs out of fuel;\n"
    "the rows run as batches on one instance (wx_fn_call_batch), each\n"
    "batch what stdin holds when it is read, at most 4096 lines.\n"
    "\n"
    "Options:\n"
    "  --batch      rows as NDJSON on stdin, one result line per row\n"
    "  --base64     print bytes results in base64 instead of hex\n"
    "  --json       print {\"results\": [...]} (bytes as base64, json\n"
    "               parsed, as over REST)\n"
    "  -h, --help   this help\n"
    "  --           end of options (for arguments starting with --)\n"
    "\n"
    "Exit status: 0 ok; 1 the call failed (trap, guest error, timeout,\n"
    "all instances busy), or with --batch any row failed; 2 bad\n"
    "arguments, function or plugin not found.\n"
    "\n"
    "Examples:\n"
    "  wasmext call add 2 3\n"
    "  wasmext call car.rank 3 4\n"
    "  wasmext call --base64 crypto.sha256 @message.bin\n"
    "  printf '[1,2]\\n[3,4]\\n' | wasmext call --batch add\n";

enum { OPT_BASE64, OPT_BATCH, NOPTS };

static const cli_opt call_opts[NOPTS] = {
    [OPT_BASE64] = {"--base64", NULL},
    [OPT_BATCH] = {"--batch", NULL},
};


/* ------------------------------------------------------------ values */

/* Prints typed results: {"results": [...]} with --json (bytes as base64,
 * json parsed, as over REST), else one per line as command-line text
 * (bytes in hex unless --base64). */
static int print_results(const cli_global *g, const wx_values *out,
                         unsigned flags)
{
    wx_error err;
    wx_error_clear(&err);
    if (g->json) {
        json_t *arr = wxc_values_to_json(out->values, out->count, &err);
        if (!arr) {
            cli_error_from(&err, "%s", err.message);
            return cli_exit_code(err.status);
        }
        return cli_print_json(json_pack("{s:o}", "results", arr));
    }
    char *text = wx_values_to_text(out->values, out->count, flags, &err);
    if (!text) {
        cli_error_from(&err, "%s", err.message);
        return cli_exit_code(err.status);
    }
    fputs(text, stdout);
    wx_free(text);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------- calls */

static int call_typed(const cli_global *g, wx_manager *m, const char *db,
                      const char *func, int n, char **args, unsigned flags)
{
    wx_error err;
    wx_error_clear(&err);
    wx_fn *fn = wx_fn_get(m, NULL, func, &err);
    wx_function_info info;
    wx_values in = {0}, out = {0};
    wx_status s = fn ? wx_fn_describe(fn, &info, &err) : err.status;
    if (s == WX_OK)
        s = wx_values_from_argv(&info, n, (const char *const *)args, &in,
                                &err);
    if (s == WX_OK)
        s = wx_fn_call_values(fn, in.values, in.count, &out, &err);
    int rc;
    if (s != WX_OK) {
        cli_error_in_registry(&err, db);
        rc = cli_exit_code(s);
    } else {
        rc = print_results(g, &out, flags);
    }
    wx_values_free(&in);
    wx_values_free(&out);
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
            cli_error(WX_ENOPLUGIN,
                      "function \"%s\" not found in registry %s (it does "
                      "not exist)",
                      func, db);
            rc = CLI_EXIT_USAGE;
        }
        free(db);
        return rc;
    }
    bool base64 = a.val[OPT_BASE64] != NULL;
    if (a.val[OPT_BATCH] && a.npos > 1)
        rc = cli_usage_error("call", "--batch reads the arguments from "
                                     "stdin, not the command line");
    else if (a.val[OPT_BATCH])
        rc = cli_call_batch(m, db, func);
    else
        rc = call_typed(g, m, db, func, a.npos - 1, a.pos + 1,
                        base64 ? WX_TEXT_BASE64 : 0);
    wx_manager_close(m);
    free(db);
    return rc;
}


const cli_command cli_cmd_call = {
    "call",
    "call a function of a registered plugin",
    call_help,
    call_main,
};
