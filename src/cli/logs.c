/*
 * `wasmext logs PLUGIN[.FUNC] --from URL [--last N]`: the last lines a
 * plugin's guests logged in a daemon (GET /plugins/{p}/logs), each with
 * the function whose call wrote it and its level. Like recordings, the
 * lines live in the memory of the daemon that ran the calls; the daemon
 * keeps the last WX_GUEST_LOG_KEEP of them, so FUNC and --last filter
 * here.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char logs_help[] =
    "Usage: wasmext logs [OPTIONS] PLUGIN[.FUNC] --from URL\n"
    "\n"
    "Prints the last lines plugin PLUGIN's guests logged in a daemon\n"
    "(their WASI stdout and stderr, and Extism log calls), oldest first,\n"
    "one a line:\n"
    "\n"
    "  #SEQ TIME FUNCTION LEVEL TEXT\n"
    "\n"
    "FUNCTION is the function whose call wrote the line, or \"-\" for a\n"
    "line written while an instance was made (its _initialize or _start)\n"
    "or freed (its unfinished last line). LEVEL is stdout or stderr, or\n"
    "the Extism level (trace, debug, info, warn, error). TEXT is escaped\n"
    "as in the daemon's log. The daemon keeps the last 256 lines of each\n"
    "plugin, in memory; lines may contain sensitive row data.\n"
    "\n"
    "Options:\n"
    "  --from URL   the daemon, e.g. http://127.0.0.1:9281\n"
    "  --last N     only the last N lines (of FUNC when given)\n"
    "  --token-file FILE  the bearer token for a daemon started with\n"
    "               --token-file: the file's last word (of its first line\n"
    "               that is not a comment); else $WASMEXT_TOKEN, if set\n"
    "  --json       print the daemon's JSON answer (filtered alike)\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 printed; 1 the daemon could not be reached; 2 usage\n"
    "error, plugin not found, no token or a refused one (HTTP 401, 403).\n"
    "\n"
    "Examples:\n"
    "  wasmext logs rules.parse --last 20 --from http://127.0.0.1:9281\n"
    "  WASMEXT_TOKEN=... wasmext logs rules --from https://edge-1:9281\n";

enum { OPT_FROM, OPT_LAST, OPT_TOKEN_FILE, NOPTS };

static const cli_opt logs_opts[NOPTS] = {
    [OPT_FROM] = {"--from", "URL"},
    [OPT_LAST] = {"--last", "N"},
    [OPT_TOKEN_FILE] = {"--token-file", "FILE"},
};

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Keeps in the answer's "lines" only those of `func` (unless NULL), then
 * only the last `last` (unless 0). */
static void filter(json_t *answer, const char *func, uint32_t last)
{
    json_t *lines = json_object_get(answer, "lines");
    for (size_t i = json_array_size(lines); func && i-- > 0;) {
        const char *f = json_string_value(
            json_object_get(json_array_get(lines, i), "function"));
        if (!f || strcmp(f, func) != 0)
            json_array_remove(lines, i);
    }
    while (last && json_array_size(lines) > last)
        json_array_remove(lines, 0);
}

static void print_line(const json_t *l)
{
    printf("#%lld ", (long long)json_integer_value(json_object_get(l, "seq")));
    cli_print_time(json_integer_value(json_object_get(l, "time_ms")));
    const char *f = json_string_value(json_object_get(l, "function"));
    printf(" %s %s %s", f ? f : "-", str(l, "level"), str(l, "text"));
    json_int_t cut = json_integer_value(json_object_get(l, "cut"));
    if (cut)
        printf(" [+%lld bytes cut]", (long long)cut);
    putchar('\n');
}

static int print_answer(const cli_global *g, json_t *j)
{
    if (g->json)
        return cli_print_json(j);
    const json_t *lines = json_object_get(j, "lines");
    for (size_t i = 0; i < json_array_size(lines); i++)
        print_line(json_array_get(lines, i));
    json_decref(j);
    return CLI_EXIT_OK;
}

static int logs_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "logs", logs_opts, NOPTS, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cli_cmd_logs);
    if (a.npos != 1)
        return cli_usage_error("logs", "expected PLUGIN or PLUGIN.FUNC");
    uint32_t last = 0;
    if (a.val[OPT_LAST] &&
        !cli_parse_u32("--last", a.val[OPT_LAST], 1000000, &last))
        return CLI_EXIT_USAGE;
    cli_remote remote = {.cmd = "logs"};
    char plugin[128];
    const char *func;
    rc = cli_remote_start(&remote, "guest log lines live",
                          a.val[OPT_FROM], a.val[OPT_TOKEN_FILE], a.pos[0],
                          plugin, &func);
    if (rc != CLI_EXIT_OK)
        return rc;
    char path[256];
    snprintf(path, sizeof path, "/plugins/%s/logs", plugin);
    long status = 0;
    json_t *j = cli_remote_ask(&remote, path, NULL, &status);
    if (!j)
        return CLI_EXIT_FAILED;
    if (status != 200)
        return cli_remote_refusal(&remote, j, status);
    filter(j, func, last);
    return print_answer(g, j);
}

const cli_command cli_cmd_logs = {
    "logs",
    "show a plugin's guest log lines in a daemon",
    logs_help,
    logs_main,
};
