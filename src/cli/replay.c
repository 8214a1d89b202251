/*
 * `wasmext replay PLUGIN[.FUNC] [--last N] [--current] --from URL`: runs
 * a plugin's recorded failed calls again (record.failed_calls,
 * docs/config.md) and prints each outcome beside the recorded one, with
 * the trap's place.
 *
 * Recordings live in the memory of the process that made the calls, so
 * the replay is asked of that process: a daemon, over its REST API
 * (POST /plugins/{p}/replay, with libcurl loaded on first need). Without
 * --from, this process's own manager is asked, which has recorded
 * nothing unless calls were made in it: the command then says where the
 * recordings are. Both paths print from the same JSON (the daemon's, or
 * wx_replay_result_to_json's), so they print alike.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h" /* wxg_name_valid */
#include "dl_curl.h"
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
    "  --last N     only the last N recordings (of FUNC when given)\n"
    "  --current    run against the plugin's current revision instead of\n"
    "               the revision each call ran on (to check a fix)\n"
    "  --json       print the daemon's JSON answer\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 every replay ended with its recorded status; 1 some\n"
    "did not (or the daemon could not be reached); 2 usage error, plugin\n"
    "not found.\n"
    "\n"
    "Examples:\n"
    "  wasmext replay rules.parse --last 5 --from http://127.0.0.1:9281\n"
    "  wasmext replay rules --current --from http://127.0.0.1:9281\n";

enum { OPT_FROM, OPT_LAST, OPT_CURRENT, NOPTS };

static const cli_opt replay_opts[NOPTS] = {
    [OPT_FROM] = {"--from", "URL"},
    [OPT_LAST] = {"--last", "N"},
    [OPT_CURRENT] = {"--current", NULL},
};

/* ---------------------------------------------------------- the daemon */

typedef struct body {
    char *buf;
    size_t len, cap;
    bool nomem;
} body;

/* Answers are bounded by the ring (10000 recordings): 64 MiB is more
 * than any could be. */
#define ANSWER_MAX (64u << 20)

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    body *b = ud;
    size_t k = size * n;
    if (b->len + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + k + 1)
            cap *= 2;
        char *nb = cap <= ANSWER_MAX ? realloc(b->buf, cap) : NULL;
        if (!nb) {
            b->nomem = true;
            return 0;
        }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, p, k);
    b->len += k;
    b->buf[b->len] = '\0';
    return k;
}

/* POSTs `req` to URL/plugins/PLUGIN/replay; the parsed answer and its
 * HTTP status, or NULL after printing why. */
static json_t *ask_daemon(const char *from, const char *plugin,
                          const char *req, long *status)
{
    wx_error err;
    if (wxdl_curl_load(&err) != WX_OK) {
        cli_error_from(&err, "replay --from: %s", err.message);
        return NULL;
    }
    size_t n = strlen(from);
    while (n && from[n - 1] == '/')
        n--;
    char url[2048];
    snprintf(url, sizeof url, "%.*s/plugins/%s/replay", (int)n, from, plugin);
    CURL *c = curl_easy_init();
    if (!c) {
        cli_error(WX_ENOMEM, "replay --from: libcurl could not start");
        return NULL;
    }
    body b = {0};
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (rc != CURLE_OK) {
        cli_error(WX_EIO, "replay --from %s: %s", url,
                  b.nomem ? "answer too big" : curl_easy_strerror(rc));
    } else if (!(j = b.buf ? json_loads(b.buf, 0, NULL) : NULL)) {
        cli_error(WX_EIO, "replay --from %s: HTTP %ld, not JSON", url,
                  *status);
    }
    free(b.buf);
    return j;
}

/* ------------------------------------------------------------ printing */

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "2026-12-07T11:53:05.123Z" */
static void print_time(json_int_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    printf("%s.%03dZ", buf, (int)(ms % 1000));
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
    print_time(json_integer_value(json_object_get(rec, "time_ms")));
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

/* An error answer ({"error": {...}}): printed; the exit code. */
static int print_refusal(json_t *j, long status)
{
    const json_t *e = json_object_get(j, "error");
    wx_status s = WX_EIO;
    for (int k = 0; k < WX_STATUS_COUNT_; k++)
        if (strcmp(wx_status_name((wx_status)k), str(e, "code")) == 0)
            s = (wx_status)k;
    cli_error(s, "replay: HTTP %ld: %s", status, str(e, "message"));
    json_decref(j);
    return status == 404 || status == 400 ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
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
    if (!a.val[OPT_FROM] || !*a.val[OPT_FROM])
        return cli_usage_error(
            "replay", "--from URL is required: recordings live in the "
                      "memory of the daemon that made the calls");
    char plugin[128];
    snprintf(plugin, sizeof plugin, "%s", a.pos[0]);
    char *dot = strchr(plugin, '.');
    const char *func = NULL;
    if (dot) {
        *dot = '\0';
        func = dot + 1;
    }
    /* The plugin name goes into the URL: only valid names get there. */
    if (!wxg_name_valid(plugin) || (func && !*func))
        return cli_usage_error("replay", "\"%s\" is not PLUGIN or "
                                         "PLUGIN.FUNC", a.pos[0]);
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
    long status = 0;
    json_t *j = ask_daemon(a.val[OPT_FROM], plugin, text, &status);
    free(text);
    if (!j)
        return CLI_EXIT_FAILED;
    return status == 200 ? print_answer(g, j) : print_refusal(j, status);
}

const cli_command cli_cmd_replay = {
    "replay",
    "run a plugin's recorded failed calls again",
    replay_help,
    replay_main,
};
