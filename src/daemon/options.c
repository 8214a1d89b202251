/*
 * The command line of `wasmext serve`. Options take their value as the
 * next word or after '=' (--threads 4, --threads=4); numbers are decimal
 * and checked against a range, so that a typo is an error and not a
 * surprising default.
 */
#include "wxd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help_text[] =
    "Usage: wasmext serve [OPTIONS]\n"
    "\n"
    "The REST daemon: serves the plugins of the registry over HTTP\n"
    "(docs/rest.md). Stops on SIGTERM or SIGINT after the requests in\n"
    "flight have been answered.\n"
    "\n"
    "Options:\n"
    "  --listen HOST:PORT   address to listen on (default " WX_DEFAULT_LISTEN
    ");\n"
    "                       port 0 picks a free port; the address is\n"
    "                       printed on stdout as 'listening on HOST:PORT'\n"
    "  --listen unix:PATH   a unix socket instead, created with mode 0660\n"
    "  --db PATH            the plugin registry (default: $WASMEXT_REGISTRY,\n"
    "                       else $WASMEXT_DB, else\n"
    "                       $XDG_DATA_HOME/wasmext/registry.db)\n"
    "  --registry URL       the same by its other name; a URL\n"
    "                       redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]\n"
    "                       shares it between daemons (docs/fleet.md;\n"
    "                       password also from $WASMEXT_REDIS_PASSWORD)\n"
    "  --threads N          HTTP worker threads (default: one per CPU)\n"
    "  --log-level LEVEL    debug, info (default), warn or error; debug logs\n"
    "                       one line per request\n"
    "  --max-body BYTES     largest request body (default 16777216);\n"
    "                       larger ones get 413\n"
    "  --wait-ms N          how long a call waits for a free instance\n"
    "                       before 503 (default 5000)\n"
    "  --drain-ms N         how long SIGTERM waits for requests in flight\n"
    "                       (default 30000); exit status 1 if calls were\n"
    "                       still running then\n"
    "  --idle-timeout S     close a connection that has not sent a whole\n"
    "                       request head S seconds after it opened or after\n"
    "                       its last response, even one byte at a time\n"
    "                       (default 60)\n"
    "\n"
    "Bounds (docs/rest.md, Limits):\n"
    "  --max-inflight-body BYTES  request bodies held at once, all\n"
    "                       connections together (default 4 x --max-body);\n"
    "                       an upload that would pass it gets 503\n"
    "  --max-connections N  open connections (default 1024); more wait\n"
    "                       for a free one, and near it the slowest are\n"
    "                       closed\n"
    "  --max-connections-per-ip N  per client address (default: off on\n"
    "                       loopback and unix sockets, else N/4); 0: off\n"
    "  --request-timeout S  a request's head and body must arrive, and its\n"
    "                       response be taken, within S seconds each\n"
    "                       (default 30); a trickle does not extend it\n"
    "  --call-threads N     threads running guest calls (default: 4 per\n"
    "                       CPU, at least 8); calls never run on the HTTP\n"
    "                       threads, which keep answering /healthz\n"
    "  --memory-budget SIZE guest memory of all plugins together (default\n"
    "                       1G, or half the RAM if less; e.g. 512M; also\n"
    "                       $WASMEXT_MEMORY_BUDGET); docs/config.md\n"
    "\n"
    "Access (docs/security.md):\n"
    "  --token-file FILE    require 'Authorization: Bearer TOKEN'; FILE has\n"
    "                       lines 'ROLE NAME TOKEN', ROLE admin (add, update,\n"
    "                       delete, and all of call) or call (calls, lists,\n"
    "                       reports, metrics); not readable by others\n"
    "  --insecure-no-auth   allow a non-loopback address without tokens\n"
    "                       (anyone who reaches it can run code)\n"
    "  --allow-dir DIR      configs sent over REST may name module files and\n"
    "                       wasi.preopens under DIR (repeatable); without it\n"
    "                       they may name none: modules come in zip packages\n"
    "  --tls-cert FILE      serve HTTPS with this PEM certificate (chain)\n"
    "  --tls-key FILE       and this PEM private key\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 stopped by a signal; 1 could not start, or calls were\n"
    "still running at the end of the drain; 2 usage error.\n"
    "\n"
    "Example:\n"
    "  wasmext serve --listen 127.0.0.1:9281 --log-level debug\n";

void wxd_options_help(void)
{
    fputs(help_text, stdout);
}

static int usage(const char *fmt, const char *a, const char *b)
{
    fputs("wasmext serve: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputs("\n(see 'wasmext serve --help')\n", stderr);
    return 2;
}

static bool parse_ulong(const char *text, unsigned long max,
                        unsigned long *out)
{
    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* The value of option `name` at argv[*i]: after '=' or the next word. */
static const char *option_value(const char *name, int argc, char **argv,
                                int *i, bool *matched)
{
    size_t n = strlen(name);
    const char *w = argv[*i];
    *matched = false;
    if (strncmp(w, name, n) != 0)
        return NULL;
    if (w[n] == '=') {
        *matched = true;
        return w + n + 1;
    }
    if (w[n] != '\0')
        return NULL;
    *matched = true;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

typedef enum {
    OPT_STR,
    OPT_LEVEL,
    OPT_UINT,
    OPT_FLAG,
    OPT_DIRS,
    OPT_SIZE
} opt_kind;

typedef struct opt_desc {
    const char *name;
    opt_kind kind;
    unsigned long max;
    size_t offset; /* in wxd_options */
    size_t size;   /* of the unsigned field */
} opt_desc;

#define OPT_FIELD(f) offsetof(wxd_options, f), sizeof(((wxd_options *)0)->f)

static const opt_desc opts[] = {
    {"--listen", OPT_STR, 0, OPT_FIELD(listen)},
    {"--db", OPT_STR, 0, OPT_FIELD(db)},
    {"--registry", OPT_STR, 0, OPT_FIELD(db)}, /* the same, by its name */
    {"--threads", OPT_UINT, 256, OPT_FIELD(threads)},
    {"--log-level", OPT_LEVEL, 0, OPT_FIELD(log_level)},
    {"--max-body", OPT_UINT, 1ul << 32, OPT_FIELD(max_body)},
    {"--wait-ms", OPT_UINT, 3600000, OPT_FIELD(wait_ms)},
    {"--drain-ms", OPT_UINT, 3600000, OPT_FIELD(drain_ms)},
    {"--idle-timeout", OPT_UINT, 86400, OPT_FIELD(idle_s)},
    {"--max-inflight-body", OPT_UINT, 1ul << 40, OPT_FIELD(max_inflight_body)},
    {"--max-connections", OPT_UINT, 1000000, OPT_FIELD(max_connections)},
    {"--max-connections-per-ip", OPT_UINT, 1000000, OPT_FIELD(max_per_ip)},
    {"--request-timeout", OPT_UINT, 86400, OPT_FIELD(request_timeout_s)},
    {"--call-threads", OPT_UINT, 1024, OPT_FIELD(call_threads)},
    {"--memory-budget", OPT_SIZE, 0, OPT_FIELD(memory_budget)},
    {"--token-file", OPT_STR, 0, OPT_FIELD(token_file)},
    {"--insecure-no-auth", OPT_FLAG, 0, OPT_FIELD(insecure_no_auth)},
    {"--allow-dir", OPT_DIRS, 0, OPT_FIELD(allow_dirs)},
    {"--tls-cert", OPT_STR, 0, OPT_FIELD(tls_cert)},
    {"--tls-key", OPT_STR, 0, OPT_FIELD(tls_key)},
};

static void store_uint(wxd_options *o, const opt_desc *d, unsigned long v)
{
    char *field = (char *)o + d->offset;
    if (d->size == sizeof(uint32_t)) {
        uint32_t x = (uint32_t)v;
        memcpy(field, &x, sizeof x);
    } else {
        size_t x = (size_t)v;
        memcpy(field, &x, sizeof x);
    }
}

static int apply(wxd_options *o, const opt_desc *d, const char *v)
{
    unsigned long n;
    switch (d->kind) {
    case OPT_STR:
        if (!*v)
            return usage("%s needs a value%s", d->name, "");
        memcpy((char *)o + d->offset, &v, sizeof v);
        return 0;
    case OPT_LEVEL:
        if (!wxd_level_parse(v, &o->log_level))
            return usage("%s: unknown level \"%s\" (debug, info, warn, "
                         "error)",
                         d->name, v);
        return 0;
    case OPT_FLAG:
        return 2; /* takes no value: handled by the caller */
    case OPT_DIRS:
        if (!*v)
            return usage("%s needs a value%s", d->name, "");
        if (o->nallow_dirs == WXD_MAX_ALLOW_DIRS)
            return usage("%s: at most %s directories", d->name, "32");
        o->allow_dirs[o->nallow_dirs++] = v;
        return 0;
    case OPT_SIZE: {
        wx_error err;
        wx_error_clear(&err);
        if (wx_memory_budget_parse(v, &o->memory_budget, &err) != WX_OK)
            return usage("%s: %s", d->name, err.message);
        return 0;
    }
    case OPT_UINT:
        if (!parse_ulong(v, d->max, &n))
            return usage("%s: \"%s\" is not a number in range", d->name, v);
        if (n == 0 && (strcmp(d->name, "--max-body") == 0 ||
                       strcmp(d->name, "--idle-timeout") == 0 ||
                       strcmp(d->name, "--max-inflight-body") == 0 ||
                       strcmp(d->name, "--max-connections") == 0 ||
                       strcmp(d->name, "--request-timeout") == 0))
            return usage("%s: must be at least 1%s", d->name, "");
        store_uint(o, d, n);
        return 0;
    }
    return 2;
}

int wxd_options_parse(wxd_options *o, int argc, char **argv)
{
    const char *db = o->db; /* a default given by the caller */
    *o = (wxd_options){
        .listen = WX_DEFAULT_LISTEN,
        .db = db,
        .log_level = WXD_INFO,
        .max_body = WX_DEFAULT_MAX_BODY,
        .drain_ms = 30000,
        .idle_s = 60,
        .max_connections = WX_DEFAULT_MAX_CONNECTIONS,
        .max_per_ip = WXD_PER_IP_AUTO,
        .request_timeout_s = WX_DEFAULT_REQUEST_TIMEOUT_S,
    };
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
            o->help = true;
            return 0;
        }
        bool done = false;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0] && !done; k++) {
            if (opts[k].kind == OPT_FLAG) {
                if (strcmp(w, opts[k].name) != 0)
                    continue;
                *(bool *)((char *)o + opts[k].offset) = true;
                done = true;
                continue;
            }
            bool matched;
            const char *v = option_value(opts[k].name, argc, argv, &i,
                                         &matched);
            if (!matched)
                continue;
            if (!v)
                return usage("%s needs a value%s", opts[k].name, "");
            int rc = apply(o, &opts[k], v);
            if (rc)
                return rc;
            done = true;
        }
        if (!done)
            return usage(w[0] == '-' ? "unknown option %s%s"
                                     : "unexpected argument \"%s\"%s",
                         w, "");
    }
    if (!o->max_inflight_body)
        o->max_inflight_body = 4 * o->max_body;
    if (o->max_inflight_body < o->max_body)
        return usage("--max-inflight-body: must be at least --max-body%s%s "
                     "(one body of the largest size must fit)", "", "");
    if (!o->tls_cert != !o->tls_key)
        return usage("%s needs %s too", o->tls_cert ? "--tls-cert" : "--tls-key",
                     o->tls_cert ? "--tls-key" : "--tls-cert");
    return 0;
}
