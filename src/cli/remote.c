/*
 * Asking a daemon (`--from URL`): what `wasmext replay` and `wasmext logs`
 * share. Recordings and guest log lines live in the memory of the daemon
 * that made the calls, so these commands ask it over its REST API, with
 * libcurl loaded on first need.
 *
 * A daemon started with --token-file wants a bearer token on every
 * request: the token comes from --token-file FILE, else from
 * $WASMEXT_TOKEN, never from the command line, where `ps` and shell
 * histories would show it. The file is the daemon's format or just the
 * token: the last word of its first line that is neither blank nor a
 * comment, so an operator can hand a client its one line of the daemon's
 * file. Like the daemon, we refuse a file others may read. The token
 * appears in no message; a 401 says which source the token came from, or
 * that none was given.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h" /* wxg_name_valid */
#include "dl_curl.h"

/* RFC 6750 token characters, as the daemon accepts them (access.c). */
static bool token_char(int c)
{
    return isalnum(c) || strchr("-._~+/=", c) != NULL;
}

/* Checks `t` (NUL-terminated) is a token the daemon could hold: it goes
 * into a header, so nothing else may. */
static bool token_valid(const char *t)
{
    size_t n = strlen(t);
    if (n < 16 || n > CLI_TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!token_char((unsigned char)t[i]))
            return false;
    return true;
}

/* The last word of the first line that is not blank or a comment. */
static bool token_from_text(char *text, char *out, size_t cap)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *end = line + strlen(line);
        while (end > line && isspace((unsigned char)end[-1]))
            *--end = '\0';
        char *start = line;
        while (isspace((unsigned char)*start))
            start++;
        if (!*start || *start == '#')
            continue;
        char *word = end;
        while (word > start && !isspace((unsigned char)word[-1]))
            word--;
        if ((size_t)(end - word) >= cap)
            return false;
        memcpy(out, word, (size_t)(end - word) + 1);
        return true;
    }
    return false;
}

static int read_token_file(const char *cmd, const char *path, char *out,
                           size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error(WX_EIO, "%s --token-file %s: %s", cmd, path,
                  strerror(errno));
        return CLI_EXIT_USAGE;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 0006)) {
        fclose(f);
        cli_error(WX_EARG,
                  "%s --token-file %s: others may read or write "
                  "it: chmod 600 (or 640) first",
                  cmd, path);
        return CLI_EXIT_USAGE;
    }
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    bool ok = token_from_text(text, out, cap) && token_valid(out);
    memset(text, 0, sizeof text); /* the token stays in `out` only */
    if (!ok) {
        cli_error(WX_EARG,
                  "%s --token-file %s: no token in it (the last "
                  "word of its first line: 16 to %u characters "
                  "of A-Z a-z 0-9 -._~+/=)",
                  cmd, path, CLI_TOKEN_MAX);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int cli_remote_start(cli_remote *r, const char *lives, const char *from,
                     const char *token_file, const char *target,
                     char plugin[128], const char **func)
{
    if (!from || !*from)
        return cli_usage_error(r->cmd,
                               "--from URL is required: %s in the memory "
                               "of the daemon that made the calls",
                               lives);
    r->from = from;
    int rc = cli_remote_token(r->cmd, token_file, r);
    if (rc != CLI_EXIT_OK)
        return rc;
    snprintf(plugin, 128, "%s", target);
    char *dot = strchr(plugin, '.');
    *func = NULL;
    if (dot) {
        *dot = '\0';
        *func = dot + 1;
    }
    if (!wxg_name_valid(plugin) || (*func && !**func))
        return cli_usage_error(r->cmd, "\"%s\" is not PLUGIN or PLUGIN.FUNC",
                               target);
    return CLI_EXIT_OK;
}

int cli_remote_token(const char *cmd, const char *token_file, cli_remote *r)
{
    r->token[0] = '\0';
    r->token_from = NULL;
    if (token_file) {
        int rc = read_token_file(cmd, token_file, r->token, sizeof r->token);
        if (rc != CLI_EXIT_OK)
            return rc;
        r->token_from = "--token-file";
        return CLI_EXIT_OK;
    }
    const char *env = getenv("WASMEXT_TOKEN");
    if (!env || !*env)
        return CLI_EXIT_OK;
    if (strlen(env) >= sizeof r->token || !token_valid(env)) {
        cli_error(WX_EARG,
                  "%s: $WASMEXT_TOKEN is not a token (16 to %u "
                  "characters of A-Z a-z 0-9 -._~+/=)",
                  cmd, CLI_TOKEN_MAX);
        return CLI_EXIT_USAGE;
    }
    strcpy(r->token, env);
    r->token_from = "$WASMEXT_TOKEN";
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ requests */

typedef struct body {
    char *buf;
    size_t len, cap;
    bool nomem;
} body;

/* Answers are bounded by the daemon's rings (10000 recordings, 256 log
 * lines): 64 MiB is more than any could be. */
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

json_t *cli_remote_ask(const cli_remote *r, const char *path, const char *post,
                       long *status)
{
    wx_error err;
    if (wxdl_curl_load(&err) != WX_OK) {
        cli_error_from(&err, "%s --from: %s", r->cmd, err.message);
        return NULL;
    }
    size_t n = strlen(r->from);
    while (n && r->from[n - 1] == '/')
        n--;
    char url[2048];
    snprintf(url, sizeof url, "%.*s%s", (int)n, r->from, path);
    CURL *c = curl_easy_init();
    if (!c) {
        cli_error(WX_ENOMEM, "%s --from: libcurl could not start", r->cmd);
        return NULL;
    }
    body b = {0};
    char auth[sizeof r->token + 32];
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/json");
    if (h && r->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->token);
        struct curl_slist *h2 = curl_slist_append(h, auth);
        memset(auth, 0, sizeof auth);
        h = h2 ? h2 : h;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (post)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (rc != CURLE_OK) {
        cli_error(WX_EIO, "%s --from %s: %s", r->cmd, url,
                  b.nomem ? "answer too big" : curl_easy_strerror(rc));
    } else if (!(j = b.buf ? json_loads(b.buf, 0, NULL) : NULL)) {
        cli_error(WX_EIO, "%s --from %s: HTTP %ld, not JSON", r->cmd, url,
                  *status);
    }
    free(b.buf);
    return j;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

int cli_remote_refusal(const cli_remote *r, json_t *j, long status)
{
    const json_t *e = json_object_get(j, "error");
    wx_status s = WX_EIO;
    for (int k = 0; k < WX_STATUS_COUNT_; k++)
        if (strcmp(wx_status_name((wx_status)k), str(e, "code")) == 0)
            s = (wx_status)k;
    int rc = status == 404 || status == 400 || status == 401 || status == 403
                 ? CLI_EXIT_USAGE
                 : CLI_EXIT_FAILED;
    if (status == 401 && !r->token_from)
        cli_error(s,
                  "%s --from %s: HTTP 401: the daemon wants a bearer "
                  "token: give --token-file FILE or set $WASMEXT_TOKEN",
                  r->cmd, r->from);
    else if (status == 401)
        cli_error(s,
                  "%s --from %s: HTTP 401: the daemon refused the token "
                  "from %s",
                  r->cmd, r->from, r->token_from);
    else
        cli_error(s, "%s: HTTP %ld: %s", r->cmd, status, str(e, "message"));
    json_decref(j);
    return rc;
}

void cli_print_time(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    printf("%s.%03dZ", buf, (int)(ms % 1000));
}
