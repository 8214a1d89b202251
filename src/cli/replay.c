/*
 * `wasmext replay PLUGIN[.FUNC] [--last N] [--current] --from URL`: runs
 * a plugin's recorded failed calls again (record.failed_calls,
 * docs/config.md) and prints each outcome beside the recorded one, with
 * the trap's place.
 *
 * Recordings live in the memory of the process that made the calls, so
 * the replay is asked of that process: a daemon, over its REST API
 * (POST /plugins/{p}/replay, remote.c: with the bearer token of
 * --token-file or $WASMEXT_TOKEN when the daemon wants one). Without
 * --from, this process's own manager is asked, which has recorded
 * nothing unless calls were made in it: the command then says where the
 * recordings are. Both paths print from the same JSON (the daemon's, or
 * wx_replay_result_to_json's), so they print alike.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmext.h"

static const char replay_help[] =
    "Usage: wasmext replay [OPTIONS] PLUGIN[.FUNC] --from URL\n"
    "\n"
    "Runs the failed calls plugin PLUGIN recorded (its config's\n"
    "\"record\": {\"failed_calls\": N}; only calls that trapped, timed\n"
    "out, hit a limit or got a guest or ABI error) again, each in a\n"
    "throwaway copy of the plugin, and prints one line per recording:\n"
    "when it failed, the function and arguments, the recorded outcome and\n"
    "the replay's, with the trap's place (function index, its name when\n"
    "the module has a name section, and byte offset in the module).\n"
    "\n"
    "Recordings are kept in the memory of the process that made the\n"
    "calls: --from names the daemon (`wasmext serve`) that holds them.\n"
    "They may contain sensitive row data.\n"
    "\n"
    "Options:\n"
    "  --from URL   the daemon, e.g. http://127.0.0.1:9281\n"
    "  --token-file FILE  the bearer token for a daemon started with\n"
    "               --token-file: the file's last word (of its first line\n"
    "               that is not a comment); else $WASMEXT_TOKEN, if set\n"
    "  --last N     only the last N recordings (of FUNC when given)\n"
    "  --current    run against the plugin's current revision instead of\n"
    "               the revision each call ran on (to check a fix)\n"
    "  --json       print the daemon's JSON answer\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 every replay ended with its recorded status; 1 some\n"
    "did not (or the daemon could not be reached); 2 usage error, plugin\n"
    "not found, no token or a refused one (HTTP 401, 403).\n"
    "\n"
    "Examples:\n"
    "  wasmext replay rules.parse --last 5 --from http://127.0.0.1:9281\n"
    "  wasmext replay rules --current --from http://127.0.0.1:9281\n";

enum { OPT_FROM, OPT_LAST, OPT_CURRENT, OPT_TOKEN_FILE, NOPTS };

static const cli_opt replay_opts[NOPTS] = {
    [OPT_FROM] = {"--from", "URL"},
    [OPT_LAST] = {"--last", "N"},
    [OPT_CURRENT] = {"--current", NULL},
    [OPT_TOKEN_FILE] = {"--token-file", "FILE"},
};

/* ------------------------------------------------------------ printing */

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* An outcome: "ok [results]" or "trap div_by_zero at function 0 <name>
 * offset 57: message". */
static void print_outcome(const json_t *status_or_err, const json_t *results,
                          const char *name)
{
    if (results) {
        char *r = json_dumps(results, JSON_COMPACT | JSON_ENCODE_ANY);
        printf("ok %s", r ? r : "");
        free(r);
        return;
    }
    const json_t *e = status_or_err;
    printf("%s", str(e, "code"));
    if (*str(e, "trap"))
        printf(" %s", str(e, "trap"));
    const json_t *fi = json_object_get(e, "function_index");
    if (json_is_integer(fi)) {
        printf(" at function %lld", (long long)json_integer_value(fi));
        if (name && *name)
            printf(" <%s>", name);
        printf(" offset %lld",
               (long long)json_integer_value(json_object_get(e, "offset")));
    }
    if (*str(e, "message"))
        printf(" (%s)", str(e, "message"));
}

static void print_line(const json_t *o)
{
    const json_t *rec = json_object_get(o, "recording");
    printf("#%lld ", (long long)json_integer_value(json_object_get(rec, "seq")));
    cli_print_time(json_integer_value(json_object_get(rec, "time_ms")));
    char *args = json_dumps(json_object_get(rec, "args"),
                            JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n = args ? strlen(args) : 0;
    /* [1,0] -> (1,0) */
    printf(" %s(%.*s) revision %lld: ", str(rec, "function"),
           n >= 2 ? (int)(n - 2) : 0, n >= 2 ? args + 1 : "",
           (long long)json_integer_value(json_object_get(rec, "revision")));
    free(args);
    print_outcome(json_object_get(rec, "error"), NULL,
                  str(o, "recorded_trap_function"));
    printf(" | replay on revision %lld: ",
           (long long)json_integer_value(json_object_get(o, "revision")));
    print_outcome(json_object_get(o, "error"),
                  strcmp(str(o, "status"), "ok") == 0
                      ? json_object_get(o, "results")
                      : NULL,
                  str(o, "trap_function"));
    printf(" [%s]\n", json_is_true(json_object_get(o, "reproduced"))
                          ? "reproduced"
                          : "differs");
}

/* Prints the answer; the exit code. */
static int print_answer(const cli_global *g, json_t *j)
{
    size_t count = (size_t)json_integer_value(json_object_get(j, "count"));
    size_t same =
        (size_t)json_integer_value(json_object_get(j, "reproduced"));
    int rc = same == count ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    if (g->json) {
        int prc = cli_print_json(j);
        return prc != CLI_EXIT_OK ? prc : rc;
    }
    const json_t *outs = json_object_get(j, "outcomes");
    for (size_t i = 0; i < json_array_size(outs); i++)
        print_line(json_array_get(outs, i));
    printf("%zu replayed against the %s revision, %zu reproduced the "
           "recorded status\n",
           count, str(j, "against"), same);
    json_decref(j);
    return rc;
}

/* ---------------------------------------------------------------- main */

static int replay_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "replay", replay_opts, NOPTS, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cli_cmd_replay);
    if (a.npos != 1)
        return cli_usage_error("replay", "expected PLUGIN or PLUGIN.FUNC");
    uint32_t last = 0;
    if (a.val[OPT_LAST] &&
        !cli_parse_u32("--last", a.val[OPT_LAST], 10000, &last))
        return CLI_EXIT_USAGE;
    cli_remote remote = {.cmd = "replay"};
    char plugin[128];
    const char *func;
    rc = cli_remote_start(&remote, "recordings live", a.val[OPT_FROM],
                          a.val[OPT_TOKEN_FILE], a.pos[0], plugin, &func);
    if (rc != CLI_EXIT_OK)
        return rc;
    json_t *req = json_pack("{s:s}", "against",
                            a.val[OPT_CURRENT] ? "current" : "recorded");
    if (func)
        json_object_set_new(req, "function", json_string(func));
    if (last)
        json_object_set_new(req, "last", json_integer(last));
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!text) {
        cli_error(WX_ENOMEM, "out of host memory");
        return CLI_EXIT_FAILED;
    }
    char path[256];
    snprintf(path, sizeof path, "/plugins/%s/replay", plugin);
    long status = 0;
    json_t *j = cli_remote_ask(&remote, path, text, &status);
    free(text);
    if (!j)
        return CLI_EXIT_FAILED;
    return status == 200 ? print_answer(g, j)
                         : cli_remote_refusal(&remote, j, status);
}

const cli_command cli_cmd_replay = {
    "replay",
    "run a plugin's recorded failed calls again",
    replay_help,
    replay_main,
};
