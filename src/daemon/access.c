/*
 * Who may ask what (docs/security.md has the model and the reasons):
 *
 * - Tokens. With --token-file, every request but /healthz carries
 *   "Authorization: Bearer TOKEN"; the token's role says what it may do
 *   (admin: everything; call: calls, lists, reports, metrics). A missing
 *   or unknown token is 401, a call token on an admin route 403. Tokens
 *   are kept as SHA-256 digests and compared with nettle's memeql_sec
 *   against every entry, so that neither the compare nor the token's
 *   length shows in the time an answer takes. No token is ever logged;
 *   the token's NAME is, on changes.
 * - Without tokens, the daemon trusts whoever can reach it, which is why
 *   it then listens on loopback only (serve.c) and refuses what a web
 *   page could send it: a Host that is not a loopback name with our port
 *   (DNS rebinding: evil.example resolving to 127.0.0.1), and an Origin
 *   or Sec-Fetch-Site that says the request comes from another site
 *   (cross-site requests need no preflight for a text/plain POST).
 * - Adds and updates take only application/json or application/zip
 *   bodies (415), so that no "simple" cross-site form can carry a config
 *   even where the other checks do not apply.
 *
 * Every check reads headers only and runs before the body is read
 * (http.c), so that a refused client cannot make the daemon buffer a
 * body first.
 */
#include "wxd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include "dl_nettle.h" /* nettle, loaded on first need */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ tokens */

#define TOKEN_MIN 16 /* characters: shorter ones are guessable */
#define TOKEN_MAX 512
#define NAME_MAX_ 64

typedef struct token {
    uint8_t digest[SHA256_DIGEST_SIZE];
    wxd_right role;
    char name[NAME_MAX_];
} token;

struct wxd_tokens {
    token *v;
    size_t n;
};

static void digest(const char *text, size_t len,
                   uint8_t out[SHA256_DIGEST_SIZE])
{
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, len, (const uint8_t *)text);
    sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

/* RFC 6750's b64token characters: a token that needs no quoting. */
static bool token_char(int c)
{
    return isalnum(c) || strchr("-._~+/=", c);
}

void wxd_tokens_free(wxd_tokens *t)
{
    if (!t)
        return;
    /* The digests are not the tokens, but there is no reason to leave
     * them in freed memory either. */
    if (t->v)
        memset(t->v, 0, t->n * sizeof *t->v);
    free(t->v);
    free(t);
}

size_t wxd_tokens_count(const wxd_tokens *t)
{
    return t ? t->n : 0;
}

/* One "ROLE NAME TOKEN" line into t; false with `why` (no token in it). */
static bool parse_line(wxd_tokens *t, char *line, const char *path,
                       unsigned lineno, char *why, size_t wsize)
{
    char *save = NULL;
    char *role = strtok_r(line, " \t", &save);
    if (!role || role[0] == '#')
        return true;
    char *name = strtok_r(NULL, " \t", &save);
    char *tok = strtok_r(NULL, " \t", &save);
    char *extra = strtok_r(NULL, " \t", &save);
    if (!name || !tok || extra) {
        snprintf(why, wsize, "%s:%u: expected 'ROLE NAME TOKEN' (three words)",
                 path, lineno);
        return false;
    }
    wxd_right r;
    if (strcmp(role, "admin") == 0)
        r = WXD_RIGHT_ADMIN;
    else if (strcmp(role, "call") == 0)
        r = WXD_RIGHT_CALL;
    else {
        snprintf(why, wsize, "%s:%u: role \"%.32s\" is not admin or call",
                 path, lineno, role);
        return false;
    }
    size_t nlen = strlen(name), tlen = strlen(tok);
    if (nlen >= NAME_MAX_) {
        snprintf(why, wsize, "%s:%u: name longer than %d characters", path,
                 lineno, NAME_MAX_ - 1);
        return false;
    }
    for (size_t i = 0; i < nlen; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("-._@", name[i])) {
            snprintf(why, wsize,
                     "%s:%u: name \"%s\": only letters, digits and -._@", path,
                     lineno, name);
            return false;
        }
    bool ok = tlen >= TOKEN_MIN && tlen <= TOKEN_MAX;
    for (size_t i = 0; ok && i < tlen; i++)
        ok = token_char((unsigned char)tok[i]);
    if (!ok) {
        snprintf(why, wsize,
                 "%s:%u: the token of \"%s\" must be %d to %d characters "
                 "of A-Z a-z 0-9 -._~+/= (e.g. openssl rand -hex 32)",
                 path, lineno, name, TOKEN_MIN, TOKEN_MAX);
        return false;
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    digest(tok, tlen, d);
    memset(tok, 0, tlen);
    for (size_t i = 0; i < t->n; i++) {
        if (memcmp(t->v[i].digest, d, sizeof d) == 0) {
            snprintf(why, wsize, "%s:%u: \"%s\" has the same token as \"%s\"",
                     path, lineno, name, t->v[i].name);
            return false;
        }
    }
    token *v = realloc(t->v, (t->n + 1) * sizeof *v);
    if (!v) {
        snprintf(why, wsize, "%s: out of memory", path);
        return false;
    }
    t->v = v;
    token *e = &t->v[t->n++];
    memcpy(e->digest, d, sizeof d);
    e->role = r;
    snprintf(e->name, sizeof e->name, "%s", name);
    return true;
}

wxd_tokens *wxd_tokens_load(const char *path, char *why, size_t wsize)
{
    /* The tokens are kept and compared as nettle's SHA-256 digests. */
    wx_error dl;
    wx_error_clear(&dl);
    if (wxdl_nettle_load(&dl) != WX_OK) {
        snprintf(why, wsize, "--token-file %s: %s", path, dl.message);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb) != 0) {
        snprintf(why, wsize, "--token-file %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    /* As ssh does with keys: a secret that others can read is no secret,
     * and one that others can write lets them add their own token. */
    if (!S_ISREG(sb.st_mode) || (sb.st_mode & (S_IROTH | S_IWOTH))) {
        snprintf(why, wsize,
                 "--token-file %s: %s (chmod o-rw, e.g. mode 0600 or 0640)",
                 path,
                 S_ISREG(sb.st_mode) ? "readable or writable by others"
                                     : "not a regular file");
        fclose(f);
        return NULL;
    }
    wxd_tokens *t = calloc(1, sizeof *t);
    char line[TOKEN_MAX + 256];
    unsigned lineno = 0;
    bool ok = t != NULL;
    if (!t)
        snprintf(why, wsize, "--token-file %s: out of memory", path);
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n && line[n - 1] != '\n' && !feof(f)) {
            snprintf(why, wsize, "%s:%u: line too long", path, lineno);
            ok = false;
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        ok = parse_line(t, line, path, lineno, why, wsize);
    }
    memset(line, 0, sizeof line);
    fclose(f);
    if (ok && t->n == 0) {
        snprintf(why, wsize,
                 "--token-file %s: no token (lines 'ROLE NAME TOKEN')", path);
        ok = false;
    }
    if (!ok) {
        wxd_tokens_free(t);
        return NULL;
    }
    return t;
}

/* The entry of a presented token, or NULL. Every entry is compared, in
 * constant time, whatever matches: the time taken does not depend on
 * which token (if any) was given. */
static const token *find_token(const wxd_tokens *t, const char *tok,
                               size_t len)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    digest(tok, len, d);
    const token *found = NULL;
    for (size_t i = 0; i < t->n; i++) {
        int eq = memeql_sec(t->v[i].digest, d, sizeof d);
        if (eq && !found)
            found = &t->v[i];
    }
    return found;
}

/* ------------------------------------------------------------- checks */

/* Whether `host` (a Host header value) is a loopback name or address
 * with our port: "localhost:P", "127.0.0.1:P", "[::1]:P". */
static bool loopback_host(const char *host, unsigned port)
{
    char name[64];
    const char *colon;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close || close[1] != ':' || (size_t)(close - host) >= sizeof name)
            return false;
        memcpy(name, host + 1, (size_t)(close - host - 1));
        name[close - host - 1] = '\0';
        colon = close + 1;
        struct in6_addr a6;
        if (inet_pton(AF_INET6, name, &a6) != 1 || !IN6_IS_ADDR_LOOPBACK(&a6))
            return false;
    } else {
        colon = strchr(host, ':');
        if (!colon || (size_t)(colon - host) >= sizeof name)
            return false;
        memcpy(name, host, (size_t)(colon - host));
        name[colon - host] = '\0';
        struct in_addr a4;
        if (strcasecmp(name, "localhost") != 0 &&
            !(inet_pton(AF_INET, name, &a4) == 1 &&
              (ntohl(a4.s_addr) >> 24) == 127))
            return false;
    }
    /* The port, digits only: "127.0.0.1:9281x" is someone else. */
    const char *p = colon + 1;
    if (!*p || strlen(p) > 5)
        return false;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    return (unsigned)atoi(p) == port;
}

/* The Origin a page served from `host` would send. */
static bool same_origin(const wxd_server *s, const char *origin,
                        const char *host)
{
    const char *scheme = s->tls ? "https://" : "http://";
    size_t n = strlen(scheme);
    return host && strncasecmp(origin, scheme, n) == 0 &&
           strcasecmp(origin + n, host) == 0;
}

static bool refuse(wxd_response *rs, int status, const char *code,
                   const char *msg)
{
    wxd_reply_error(rs, status, code, "%s", msg);
    return false;
}

/* The checks of a daemon without tokens (see the top). */
static bool browser_checks(wxd_server *s, const wxd_request *rq,
                           wxd_response *rs)
{
    if (s->loopback && !s->unix_socket &&
        (!rq->host || !loopback_host(rq->host, s->port))) {
        wxd_reply_error(rs, 403, "forbidden",
                        "Host \"%.100s\" is not this daemon's loopback "
                        "address (localhost, 127.0.0.1 or [::1] with port "
                        "%u): refused, as a DNS-rebinding request would be",
                        rq->host ? rq->host : "", s->port);
        return false;
    }
    if (rq->origin && !same_origin(s, rq->origin, rq->host)) {
        wxd_reply_error(rs, 403, "forbidden",
                        "Origin \"%.100s\" is another site: cross-site "
                        "requests are refused (docs/security.md)",
                        rq->origin);
        return false;
    }
    if (rq->fetch_site && strcasecmp(rq->fetch_site, "same-origin") != 0 &&
        strcasecmp(rq->fetch_site, "none") != 0)
        return refuse(rs, 403, "forbidden",
                      "Sec-Fetch-Site says the request comes from another "
                      "site: cross-site requests are refused");
    return true;
}

/* The bearer token of an Authorization header, or NULL. */
static const char *bearer(const char *auth, size_t *len)
{
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    const char *t = auth + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        n--;
    *len = n;
    return n ? t : NULL;
}

static bool media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (strncasecmp(ct, want, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

bool wxd_admit(wxd_server *s, wxd_request *rq, wxd_response *rs)
{
    rq->who = NULL;
    if (!s->tokens && !browser_checks(s, rq, rs))
        return false;
    bool typed = false;
    wxd_right need = wxd_route_needs(rq->method, rq->path, &typed);
    if (s->tokens && need != WXD_RIGHT_NONE) {
        size_t len = 0;
        const char *tok = bearer(rq->authorization, &len);
        const token *t = tok ? find_token(s->tokens, tok, len) : NULL;
        if (!t) {
            rs->www_auth = tok ? "Bearer realm=\"wasmext\", "
                                 "error=\"invalid_token\""
                               : "Bearer realm=\"wasmext\"";
            return refuse(rs, 401, "unauthorized",
                          tok ? "the bearer token is not valid"
                              : "this daemon needs 'Authorization: Bearer "
                                "TOKEN' (a token of its --token-file)");
        }
        rq->who = t->name;
        if (t->role < need) {
            wxd_reply_error(rs, 403, "forbidden",
                            "%s %s needs an admin token; \"%s\" has a call "
                            "token",
                            rq->method, rq->path, t->name);
            return false;
        }
    }
    if (typed && (!rq->content_type ||
                  (!media_type_is(rq->content_type, "application/json") &&
                   !media_type_is(rq->content_type, "application/zip")))) {
        wxd_reply_error(rs, 415, "media_type",
                        "Content-Type \"%.80s\": %s %s takes "
                        "application/json (a config) or application/zip "
                        "(a package); with curl: -H 'Content-Type: "
                        "application/json'",
                        rq->content_type ? rq->content_type : "(none)",
                        rq->method, rq->path);
        return false;
    }
    return true;
}
