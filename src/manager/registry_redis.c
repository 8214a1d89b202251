/*
 * The plugin registry on Redis, so that several daemons share one
 * (docs/registry.md). The URL:
 *
 *     redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]     (6379 and 0 by default)
 *
 * with %XX escapes in USER and PASSWORD; without a password in the URL,
 * WASMEXT_REDIS_PASSWORD is used if set. The URL is shown (messages,
 * wxg_registry_path) with the password as "***".
 *
 * Layout, every key under the prefix "wasmext:":
 *
 *   wasmext:plugin:<name>    hash: config, sha256, size, created_ms,
 *                            updated_ms, version
 *   wasmext:module:<sha256>  string: the module's bytes, once per hash
 *   wasmext:module-refs      hash: <sha256> -> how many plugins use it; the
 *                            module key goes with the last reference
 *   wasmext:names            sorted set of the names, all scored 0, so
 *                            ZRANGE returns them in byte order (as the
 *                            SQLite store lists them)
 *   wasmext:revision         the registry's revision (registry.h)
 *
 * Every change is one Lua script (change_lua), which Redis runs
 * atomically: it checks that the plugin is there or not, writes the hash,
 * the bytes and the references, bumps the revision and PUBLISHes the new
 * revision on the channel wasmext:changes, all in one step. A get is one
 * read-only script too (get_lua), so that the hash and the bytes it names
 * are read from the same moment. Scripts go by EVALSHA, and by EVAL when
 * the server does not know them yet (NOSCRIPT: after a restart or SCRIPT
 * FLUSH).
 *
 * Keys someone else broke: get fails for that plugin alone, naming the
 * plugin and the key (a plugin key of another type, missing fields,
 * missing module bytes, bytes that do not match their hash); list and the
 * other plugins are not affected. An update or a delete replaces or
 * removes such a key, so that the registry can be repaired through
 * wasmext. (A plugin key overwritten by another type loses its reference
 * to its module, whose bytes then stay until deleted by hand.)
 *
 * Connections: one for commands, opened at open; a watch handle also has
 * one for SUBSCRIBE. Connecting and every command time out after
 * TIMEOUT_MS, so a hung server never blocks a caller for good. A read
 * whose connection broke (the server restarted) reconnects once and runs
 * again. A change is not sent twice, since a lost reply leaves open
 * whether it ran: it first PINGs (reconnecting once if that fails), and
 * fails with WX_EIO if the connection breaks during the script.
 */
#include "registry_store.h"

#include "dl_hiredis.h" /* hiredis, loaded on first need */
#include <ctype.h>
#include <errno.h>
#include "dl_nettle.h" /* nettle, loaded on first need */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define PREFIX "wasmext:"
#define KEY_NAMES PREFIX "names"
#define KEY_REVISION PREFIX "revision"
#define KEY_REFS PREFIX "module-refs"
#define CHANNEL PREFIX "changes"
#define DEFAULT_PORT 6379
/* Connect and command timeout: a registry on a healthy server answers in
 * well under a millisecond; two seconds only ever ends a hang. */
#define TIMEOUT_MS 2000

/*
 * KEYS: plugin key, names, revision, module refs.
 * ARGV: op ("add", "update", "delete"), name, prefix, channel, and for
 * add and update: config, sha256, size, now (ms), bytes.
 * Returns {0, version, revision}, {1} when add finds the plugin, {2} when
 * update or delete does not. A name listed whose key is gone counts as
 * there, so that update and delete can clear it.
 *
 * The first change of a registry with no revision key starts the counter
 * at the time in ms (and the revision reads 0 until then): a server that
 * lost its data (restarted without persistence, FLUSHALL) then never
 * hands out a revision a process already saw and took for "no change".
 */
static const char change_lua[] =
    "local op, key = ARGV[1], KEYS[1]\n"
    "local kind = redis.call('TYPE', key).ok\n"
    "local there = kind ~= 'none' or redis.call('ZSCORE', KEYS[2], ARGV[2])\n"
    "if op == 'add' and there then return {1} end\n"
    "if op ~= 'add' and not there then return {2} end\n"
    "local version, old, created = 0, false, ARGV[8]\n"
    "if kind == 'hash' then\n"
    "  version = tonumber(redis.call('HGET', key, 'version')) or 0\n"
    "  old = redis.call('HGET', key, 'sha256')\n"
    "  created = redis.call('HGET', key, 'created_ms') or created\n"
    "end\n"
    "if op ~= 'delete' then\n"
    "  redis.call('HINCRBY', KEYS[4], ARGV[6], 1)\n"
    "  redis.call('SET', ARGV[3] .. 'module:' .. ARGV[6], ARGV[9])\n"
    "end\n"
    "if old and redis.call('HINCRBY', KEYS[4], old, -1) <= 0 then\n"
    "  redis.call('HDEL', KEYS[4], old)\n"
    "  redis.call('DEL', ARGV[3] .. 'module:' .. old)\n"
    "end\n"
    "redis.call('DEL', key)\n"
    "if op == 'delete' then\n"
    "  redis.call('ZREM', KEYS[2], ARGV[2])\n"
    "  version = 0\n"
    "else\n"
    "  version = version + 1\n"
    "  redis.call('HSET', key, 'config', ARGV[5], 'sha256', ARGV[6],\n"
    "             'size', ARGV[7], 'created_ms', created,\n"
    "             'updated_ms', ARGV[8], 'version', version)\n"
    "  redis.call('ZADD', KEYS[2], 0, ARGV[2])\n"
    "end\n"
    "if redis.call('EXISTS', KEYS[3]) == 0 then\n"
    "  redis.call('SET', KEYS[3], ARGV[8] or redis.call('TIME')[1] * 1000)\n"
    "end\n"
    "local rev = redis.call('INCR', KEYS[3])\n"
    "redis.call('PUBLISH', ARGV[4], rev)\n"
    "return {0, version, rev}\n";

/*
 * KEYS: plugin key, names. ARGV: name, prefix, "1" to include the bytes.
 * Returns {0, config, sha256, size, created_ms, updated_ms, version,
 * bytes}, or a failure: {2} not there, {3} listed but no key, {4, type}
 * a key of another type, {5, field} a field missing, {6, type, sha256}
 * module bytes missing (type "none") or not a string.
 */
static const char get_lua[] =
    "local key = KEYS[1]\n"
    "local kind = redis.call('TYPE', key).ok\n"
    "if kind == 'none' then\n"
    "  if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return {3} end\n"
    "  return {2}\n"
    "end\n"
    "if kind ~= 'hash' then return {4, kind} end\n"
    "local names = {'config', 'sha256', 'size', 'created_ms',\n"
    "               'updated_ms', 'version'}\n"
    "local f = redis.call('HMGET', key, unpack(names))\n"
    "for i = 1, #names do\n"
    "  if not f[i] then return {5, names[i]} end\n"
    "end\n"
    "local bytes = ''\n"
    "if ARGV[3] == '1' then\n"
    "  local mod = ARGV[2] .. 'module:' .. f[2]\n"
    "  local mk = redis.call('TYPE', mod).ok\n"
    "  if mk ~= 'string' then return {6, mk, f[2]} end\n"
    "  bytes = redis.call('GET', mod)\n"
    "end\n"
    "return {0, f[1], f[2], f[3], f[4], f[5], f[6], bytes}\n";

typedef struct script {
    const char *text;
    char sha1[41];
} script;

typedef struct redis_reg {
    wxg_registry base;
    char *host, *user, *password; /* user and password may be NULL */
    int port, db;
    bool read_only;
    redisContext *c;   /* commands; NULL until (re)connected */
    redisContext *sub; /* a watch handle's SUBSCRIBE connection */
    script change, get;
} redis_reg;

static redis_reg *rds(wxg_registry *reg)
{
    return (redis_reg *)reg;
}

/* ---------------------------------------------------------------- URL */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A malloc'ed copy of s[0..n) with %XX decoded; NULL when out of memory
 * or for a bad escape (*bad set). */
static char *unescape(const char *s, size_t n, bool *bad)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
        int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
        if (lo < 0) {
            *bad = true;
            free(out);
            return NULL;
        }
        *o++ = (char)(hi * 16 + lo);
        i += 2;
    }
    *o = '\0';
    return out;
}

/* Parses a decimal number in [min, max] from s[0..n). */
static bool parse_int(const char *s, size_t n, long min, long max, int *out)
{
    if (n == 0 || n > 10)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max)
        return false;
    *out = (int)v;
    return true;
}

/* The URL as shown: "redis://[USER[:***]@]HOST:PORT/DB", with an IPv6
 * address in brackets. */
static char *shown_url(const redis_reg *r, bool url_password)
{
    const char *user = r->user ? r->user : "";
    bool ipv6 = strchr(r->host, ':') != NULL;
    size_t n = strlen(user) + strlen(r->host) + 64;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "redis://%s%s%s%s%s%s:%d/%d", user,
                 url_password ? ":***" : "", *user || url_password ? "@" : "",
                 ipv6 ? "[" : "", r->host, ipv6 ? "]" : "", r->port, r->db);
    return s;
}

/*
 * Splits `url` into r's host, port, db, user and password. Messages show
 * the URL with its password cut (never the password).
 */
static wx_status parse_url(redis_reg *r, const char *url, bool *url_password,
                           wx_error *err)
{
    const char *p = url + strlen("redis://");
    const char *end = p + strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    bool bad = false;
    *url_password = false;
    /* Where the message may start quoting the URL: after the password. */
    const char *safe = at ? at + 1 : p;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
        if (ulen && !(r->user = unescape(p, ulen, &bad)) && !bad)
            goto nomem;
        if (colon) {
            if (!(r->password =
                      unescape(colon + 1, (size_t)(at - colon - 1), &bad)) &&
                !bad)
                goto nomem;
            *url_password = true;
        }
        if (bad)
            return wx_error_set(err, WX_EARG,
                                "registry redis://...@%s: bad %%-escape in "
                                "the user or the password",
                                safe);
    }
    const char *host = safe, *hend, *port = NULL;
    if (*host == '[') { /* [IPv6] */
        hend = memchr(host, ']', (size_t)(end - host));
        if (!hend)
            goto bad_url;
        host++;
        if (hend + 1 < end && hend[1] == ':')
            port = hend + 2;
        else if (hend + 1 != end)
            goto bad_url;
    } else {
        hend = memchr(host, ':', (size_t)(end - host));
        if (hend)
            port = hend + 1;
        else
            hend = end;
    }
    if (hend == host)
        goto bad_url;
    if (!(r->host = unescape(host, (size_t)(hend - host), &bad)))
        goto bad_url;
    r->port = DEFAULT_PORT;
    if (port && !parse_int(port, (size_t)(end - port), 1, 65535, &r->port))
        goto bad_url;
    r->db = 0;
    if (*end == '/' && end[1] &&
        !parse_int(end + 1, strlen(end + 1), 0, 1 << 20, &r->db))
        goto bad_url;
    if (*end && *end != '/')
        goto bad_url;
    return WX_OK;
bad_url:
    /* Not quoted: a mistyped URL may have its password anywhere. */
    return wx_error_set(err, WX_EARG,
                        "registry: not a Redis URL (expected "
                        "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]; not "
                        "repeated here, as it may hold a password)");
nomem:
    return wx_error_set(err, WX_ENOMEM, "registry: out of memory");
}

/* ---------------------------------------------------------- replies */

static bool is_error(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_ERROR;
}

static bool starts_with(const redisReply *rep, const char *prefix)
{
    return rep->str && strncmp(rep->str, prefix, strlen(prefix)) == 0;
}

/* An error reply as a message, with what to do for the usual ones. The
 * server's text never holds the password. */
static wx_status reply_fail(redis_reg *r, const char *what,
                            const redisReply *rep, wx_error *err)
{
    const char *hint = "";
    if (starts_with(rep, "NOAUTH"))
        hint = " (the server needs a password: give it in the URL or in "
               "WASMEXT_REDIS_PASSWORD)";
    else if (starts_with(rep, "WRONGPASS") || starts_with(rep, "ERR invalid "
                                                               "password"))
        hint = " (check the user and the password in the URL or in "
               "WASMEXT_REDIS_PASSWORD)";
    else if (starts_with(rep, "NOPERM"))
        hint = " (the Redis user lacks a permission wasmext needs)";
    else if (starts_with(rep, "READONLY"))
        hint = " (this server is a read-only replica)";
    return wx_error_set(err, WX_EIO, "registry %s: %s: %.*s%s", r->base.path,
                        what, (int)rep->len, rep->str, hint);
}

/* The code a script's reply starts with ({code, ...}: 0 done, others
 * the script's refusals), after the checks every script reply needs. */
static wx_status reply_code(redis_reg *r, const char *what,
                            const redisReply *rep, long long *code,
                            wx_error *err)
{
    if (is_error(rep))
        return reply_fail(r, what, rep, err);
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER)
        return wx_error_set(err, WX_EIO, "registry %s: %s: unexpected reply",
                            r->base.path, what);
    *code = rep->element[0]->integer;
    return WX_OK;
}

/* --------------------------------------------------------- connecting */

static void drop(redisContext **c)
{
    if (*c)
        redisFree(*c);
    *c = NULL;
}

static struct timeval timeout_tv(void)
{
    struct timeval tv = {TIMEOUT_MS / 1000, (TIMEOUT_MS % 1000) * 1000};
    return tv;
}

/* One command on `c`, binary-safe; NULL on an I/O error (c->errstr). */
static redisReply *command(redisContext *c, int argc, const char **argv,
                           const size_t *lens)
{
    return redisCommandArgv(c, argc, argv, lens);
}

static redisReply *command2(redisContext *c, const char *a, const char *b)
{
    const char *argv[] = {a, b};
    return command(c, b ? 2 : 1, argv, NULL);
}

/* AUTH (and the ACL user) and SELECT on a fresh connection. */
static wx_status handshake(redis_reg *r, redisContext *c, wx_error *err)
{
    if (r->password) {
        const char *argv[] = {"AUTH", r->user ? r->user : r->password,
                              r->password};
        redisReply *rep = command(c, r->user ? 3 : 2, argv, NULL);
        if (!rep)
            return wx_error_set(err, WX_EIO,
                                "registry %s: cannot authenticate: %s",
                                r->base.path, c->errstr);
        wx_status s = is_error(rep)
                          ? reply_fail(r, "authentication failed", rep, err)
                          : WX_OK;
        freeReplyObject(rep);
        if (s != WX_OK)
            return s;
    }
    if (r->db == 0)
        return WX_OK;
    char db[16];
    snprintf(db, sizeof db, "%d", r->db);
    redisReply *rep = command2(c, "SELECT", db);
    if (!rep)
        return wx_error_set(err, WX_EIO, "registry %s: SELECT: %s",
                            r->base.path, c->errstr);
    wx_status s = is_error(rep)
                      ? reply_fail(r, "cannot select the database", rep, err)
                      : WX_OK;
    freeReplyObject(rep);
    return s;
}

/* A new connection in *out, authenticated and on the right database. */
static wx_status connect_to(redis_reg *r, redisContext **out, wx_error *err)
{
    *out = NULL;
    redisContext *c = redisConnectWithTimeout(r->host, r->port, timeout_tv());
    if (!c)
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            r->base.path);
    wx_status s = WX_OK;
    if (c->err) {
        bool refused = strstr(c->errstr, "refused") != NULL;
        s = wx_error_set(err, WX_EIO, "registry %s: cannot connect: %s%s",
                         r->base.path, c->errstr,
                         refused ? " (is redis-server running?)" : "");
    } else if (redisSetTimeout(c, timeout_tv()) != REDIS_OK) {
        s = wx_error_set(err, WX_EIO, "registry %s: cannot set a timeout: %s",
                         r->base.path, c->errstr);
    } else {
        s = handshake(r, c, err);
    }
    if (s != WX_OK)
        redisFree(c);
    else
        *out = c;
    return s;
}

static wx_status ensure_connected(redis_reg *r, wx_error *err)
{
    if (r->c && !r->c->err)
        return WX_OK;
    drop(&r->c);
    return connect_to(r, &r->c, err);
}

/*
 * Runs a command that may run twice (a read) into *out: on a broken
 * connection it reconnects once and runs it again. An error reply is
 * WX_OK here, for the caller to read.
 */
static wx_status run_read(redis_reg *r, const char *what, int argc,
                          const char **argv, const size_t *lens,
                          redisReply **out, wx_error *err)
{
    *out = NULL;
    for (int attempt = 0;; attempt++) {
        wx_status s = ensure_connected(r, err);
        if (s != WX_OK)
            return s;
        if ((*out = command(r->c, argc, argv, lens)))
            return WX_OK;
        if (attempt == 1) {
            s = wx_error_set(err, WX_EIO, "registry %s: %s: %s", r->base.path,
                             what, r->c->errstr);
            drop(&r->c);
            return s;
        }
        drop(&r->c);
    }
}

/* Makes sure the connection works before a change (see the top). */
static wx_status ready_for_change(redis_reg *r, const char *what,
                                  wx_error *err)
{
    if (r->read_only)
        return wx_error_set(err, WX_EIO, "registry %s: %s: opened read-only",
                            r->base.path, what);
    redisReply *rep;
    wx_status s =
        run_read(r, what, 1, (const char *[]){"PING"}, NULL, &rep, err);
    if (s != WX_OK)
        return s;
    s = is_error(rep) ? reply_fail(r, what, rep, err) : WX_OK;
    freeReplyObject(rep);
    return s;
}

/* One try of a script by `how` (EVALSHA or EVAL). A change runs on the
 * connection ready_for_change checked and is never sent twice. */
static wx_status script_try(redis_reg *r, bool change, const char *what,
                            int argc, const char **argv, const size_t *lens,
                            redisReply **out, wx_error *err)
{
    if (!change)
        return run_read(r, what, argc, argv, lens, out, err);
    if ((*out = command(r->c, argc, argv, lens)))
        return WX_OK;
    wx_status s = wx_error_set(
        err, WX_EIO,
        "registry %s: %s: %s (the connection broke during the change, "
        "which may or may not have been made: list the registry to see)",
        r->base.path, what, r->c->errstr);
    drop(&r->c);
    return s;
}

/* Runs a script into *out by EVALSHA, or by EVAL when the server lacks
 * it; argv[0] and argv[1] are filled here. */
static wx_status run_script(redis_reg *r, script *sc, bool change,
                            const char *what, int argc, const char **argv,
                            size_t *lens, redisReply **out, wx_error *err)
{
    argv[0] = "EVALSHA";
    argv[1] = sc->sha1;
    lens[0] = 7;
    lens[1] = 40;
    wx_status s = script_try(r, change, what, argc, argv, lens, out, err);
    if (s != WX_OK || !is_error(*out) || !starts_with(*out, "NOSCRIPT"))
        return s;
    freeReplyObject(*out);
    argv[0] = "EVAL";
    argv[1] = sc->text;
    lens[0] = 4;
    lens[1] = strlen(sc->text);
    return script_try(r, change, what, argc, argv, lens, out, err);
}

/* -------------------------------------------------------------- open */

static void script_init(script *sc, const char *text)
{
    struct sha1_ctx ctx;
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, strlen(text), (const uint8_t *)text);
    sha1_digest(&ctx, sizeof d, d);
    sc->text = text;
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(sc->sha1 + 2 * i, 3, "%02x", d[i]);
}

static void forget(char *secret)
{
    if (secret) {
        /* volatile: a store before free() may otherwise be dropped. */
        for (volatile char *p = secret; *p; p++)
            *p = 0;
        free(secret);
    }
}

static void redis_close(wxg_registry *reg)
{
    redis_reg *r = rds(reg);
    drop(&r->c);
    drop(&r->sub);
    free(r->host);
    free(r->user);
    forget(r->password);
    free(r->base.path);
    free(r);
}

static wxg_registry *redis_open(const char *url, const wxg_registry_opts *opts,
                                bool watch, wx_error *err)
{
    (void)watch; /* the SUBSCRIBE connection is made at the first wait */
    redis_reg *r = calloc(1, sizeof *r);
    if (!r) {
        wx_error_set(err, WX_ENOMEM, "registry: out of memory");
        return NULL;
    }
    r->base.ops = &wxg_redis_store;
    r->read_only = opts && opts->read_only;
    bool url_password;
    if (parse_url(r, url, &url_password, err) != WX_OK)
        goto fail;
    const char *env = getenv("WASMEXT_REDIS_PASSWORD");
    if (!r->password && env && *env && !(r->password = strdup(env)))
        goto nomem;
    if (!(r->base.path = shown_url(r, url_password)))
        goto nomem;
    wx_error dl;
    wx_error_clear(&dl);
    /* nettle names the scripts (EVALSHA takes their SHA-1). */
    if (wxdl_hiredis_load(&dl) != WX_OK || wxdl_nettle_load(&dl) != WX_OK) {
        wx_error_set(err, dl.status, "registry %s: %s", r->base.path,
                     dl.message);
        goto fail;
    }
    script_init(&r->change, change_lua);
    script_init(&r->get, get_lua);
    /* Connect now: a wrong host or password is the opener's to hear. */
    if (ensure_connected(r, err) != WX_OK)
        goto fail;
    return &r->base;
nomem:
    wx_error_set(err, WX_ENOMEM, "registry: out of memory");
fail:
    redis_close(&r->base);
    return NULL;
}

/* ----------------------------------------------------------- changes */

static char *plugin_key(const char *name)
{
    size_t n = strlen(PREFIX "plugin:") + strlen(name) + 1;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, PREFIX "plugin:%s", name);
    return k;
}

/* add, update or delete by change_lua (`sha256`: the bytes' digest, NULL
 * for delete); *version gets the new version. */
static wx_status change(redis_reg *r, const char *op, const char *name,
                        const char *config, const uint8_t *wasm,
                        size_t wasm_len, const char *sha256, int64_t *version,
                        wx_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "%s \"%s\"", op, name);
    wx_status s = ready_for_change(r, what, err);
    if (s != WX_OK)
        return s;
    char *key = plugin_key(name);
    if (!key)
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            r->base.path);
    char size[24], now[24];
    const char *sha = sha256 ? sha256 : "";
    bool del = config == NULL;
    snprintf(size, sizeof size, "%zu", wasm_len);
    snprintf(now, sizeof now, "%lld", (long long)wxg_now_ms());
    const char *argv[] = {
        NULL,      NULL,         "4",      key,
        KEY_NAMES, KEY_REVISION, KEY_REFS, op,
        name,      PREFIX,       CHANNEL,  config,
        sha,       size,         now,      (const char *)wasm};
    size_t lens[16];
    for (int i = 2; i < 15; i++)
        lens[i] = argv[i] ? strlen(argv[i]) : 0;
    lens[15] = wasm_len;
    if (!wasm) /* no bytes: an empty argument, not a NULL pointer */
        argv[15] = "";
    redisReply *rep;
    s = run_script(r, &r->change, true, what, del ? 11 : 16, argv, lens, &rep,
                   err);
    free(key);
    if (s != WX_OK)
        return s;
    long long code;
    if ((s = reply_code(r, what, rep, &code, err)) != WX_OK)
        ;
    else if (code == 1)
        s = wx_error_set(err, WX_EEXIST,
                         "plugin \"%s\" already exists (update replaces it)",
                         name);
    else if (code == 2)
        s = wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found%s", name,
                         strcmp(op, "update") == 0 ? " (add registers it)"
                                                   : "");
    else if (version && rep->elements >= 2)
        *version = rep->element[1]->integer;
    freeReplyObject(rep);
    return s;
}

static wx_status redis_add(wxg_registry *reg, const char *name,
                           const char *config, const uint8_t *wasm,
                           size_t wasm_len, const char *sha256, wx_error *err)
{
    return change(rds(reg), "add", name, config, wasm, wasm_len, sha256, NULL,
                  err);
}

static wx_status redis_update(wxg_registry *reg, const char *name,
                              const char *config, const uint8_t *wasm,
                              size_t wasm_len, const char *sha256,
                              int64_t *version, wx_error *err)
{
    return change(rds(reg), "update", name, config, wasm, wasm_len, sha256,
                  version, err);
}

static wx_status redis_delete(wxg_registry *reg, const char *name,
                              wx_error *err)
{
    return change(rds(reg), "delete", name, NULL, NULL, 0, NULL, NULL, err);
}

/* -------------------------------------------------------------- reads */

static bool str_elem(const redisReply *rep, size_t i)
{
    return i < rep->elements && rep->element[i]->type == REDIS_REPLY_STRING;
}

static int64_t int_elem(const redisReply *rep, size_t i, bool *ok)
{
    if (!str_elem(rep, i)) {
        *ok = false;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(rep->element[i]->str, &end, 10);
    if (errno || end == rep->element[i]->str || *end)
        *ok = false;
    return v;
}

static char *dup_elem(const redisReply *rep, size_t i)
{
    const redisReply *e = rep->element[i];
    char *s = malloc(e->len + 1);
    if (s) {
        memcpy(s, e->str, e->len);
        s[e->len] = '\0';
    }
    return s;
}

/* Why a get found the plugin's keys broken ({3}..{6} of get_lua). */
static wx_status broken(redis_reg *r, const char *name, const char *key,
                        const redisReply *rep, wx_error *err)
{
    long long code = rep->element[0]->integer;
    const char *detail = str_elem(rep, 1) ? rep->element[1]->str : "?";
    const char *sha = str_elem(rep, 2) ? rep->element[2]->str : "?";
    if (code == 3)
        return wx_error_set(err, WX_EIO,
                            "registry %s: plugin \"%s\": its key %s is "
                            "missing, though %s lists it",
                            r->base.path, name, key, KEY_NAMES);
    if (code == 4)
        return wx_error_set(err, WX_EIO,
                            "registry %s: plugin \"%s\": key %s is a %s, not "
                            "the hash wasmext writes (update or delete the "
                            "plugin to replace it)",
                            r->base.path, name, key, detail);
    if (code == 5)
        return wx_error_set(err, WX_EIO,
                            "registry %s: plugin \"%s\": key %s has no field "
                            "\"%s\"",
                            r->base.path, name, key, detail);
    return wx_error_set(err, WX_EIO,
                        "registry %s: plugin \"%s\": its module bytes %s"
                        "module:%s are %s (update the plugin to store them "
                        "again)",
                        r->base.path, name, PREFIX, sha,
                        strcmp(detail, "none") == 0 ? "missing"
                                                    : "not a string");
}

/* Fills *out from get_lua's {0, config, sha256, size, created_ms,
 * updated_ms, version, bytes}. */
static wx_status read_record(redis_reg *r, const char *name, const char *key,
                             const redisReply *rep, bool with_wasm,
                             wxg_record *out, wx_error *err)
{
    bool ok = rep->elements == 8 && str_elem(rep, 1) && str_elem(rep, 2) &&
              str_elem(rep, 7);
    int64_t size = int_elem(rep, 3, &ok);
    out->created_ms = int_elem(rep, 4, &ok);
    out->updated_ms = int_elem(rep, 5, &ok);
    out->version = int_elem(rep, 6, &ok);
    if (!ok || size < 0 || rep->element[2]->len != WXG_SHA256_HEX - 1)
        return wx_error_set(err, WX_EIO,
                            "registry %s: plugin \"%s\": key %s has a field "
                            "that is not what wasmext writes",
                            r->base.path, name, key);
    memcpy(out->sha256, rep->element[2]->str, WXG_SHA256_HEX);
    out->wasm_len = (size_t)size;
    if (!(out->name = strdup(name)) || !(out->config = dup_elem(rep, 1)))
        goto nomem;
    if (!with_wasm)
        return WX_OK;
    const redisReply *b = rep->element[7];
    char sha[WXG_SHA256_HEX];
    wx_status s = wxg_sha256_hex(b->str, b->len, sha, err);
    if (s != WX_OK)
        return s;
    if (strcmp(sha, out->sha256) != 0)
        return wx_error_set(err, WX_EIO,
                            "registry %s: plugin \"%s\": the bytes of %s"
                            "module:%s do not match their SHA-256 (%s)",
                            r->base.path, name, PREFIX, out->sha256, sha);
    out->wasm_len = b->len;
    if (!(out->wasm = malloc(b->len ? b->len : 1)))
        goto nomem;
    memcpy(out->wasm, b->str, b->len);
    return WX_OK;
nomem:
    return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                        r->base.path);
}

static wx_status redis_get(wxg_registry *reg, const char *name, unsigned flags,
                           wxg_record *out, wx_error *err)
{
    bool with_wasm = !(flags & WXG_GET_NO_WASM);
    redis_reg *r = rds(reg);
    char what[160];
    snprintf(what, sizeof what, "get \"%s\"", name);
    char *key = plugin_key(name);
    if (!key)
        return wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                            r->base.path);
    const char *argv[] = {NULL,      NULL, "2",    key,
                          KEY_NAMES, name, PREFIX, with_wasm ? "1" : "0"};
    size_t lens[8];
    for (int i = 2; i < 8; i++)
        lens[i] = strlen(argv[i]);
    redisReply *rep = NULL;
    wx_status s =
        run_script(r, &r->get, false, what, 8, argv, lens, &rep, err);
    long long code;
    if (s != WX_OK || (s = reply_code(r, what, rep, &code, err)) != WX_OK)
        ;
    else if (code == 2)
        s = wx_error_set(err, WX_ENOPLUGIN, "plugin \"%s\" not found", name);
    else if (code != 0)
        s = broken(r, name, key, rep, err);
    else
        s = read_record(r, name, key, rep, with_wasm, out, err);
    if (rep)
        freeReplyObject(rep);
    free(key);
    if (s != WX_OK)
        wxg_record_free(out);
    return s;
}

static wx_status redis_list(wxg_registry *reg, char ***names, size_t *count,
                            wx_error *err)
{
    redis_reg *r = rds(reg);
    const char *argv[] = {"ZRANGE", KEY_NAMES, "0", "-1"};
    redisReply *rep;
    wx_status s = run_read(r, "list", 4, argv, NULL, &rep, err);
    if (s != WX_OK)
        return s;
    if (is_error(rep)) {
        s = reply_fail(r, "list", rep, err);
    } else if (rep->type != REDIS_REPLY_ARRAY) {
        s = wx_error_set(err, WX_EIO,
                         "registry %s: list: %s is not a "
                         "sorted set",
                         r->base.path, KEY_NAMES);
    } else {
        char **v = malloc((rep->elements ? rep->elements : 1) * sizeof *v);
        size_t n = 0;
        for (; v && n < rep->elements; n++)
            if (!(v[n] = dup_elem(rep, n)))
                break;
        if (!v || n < rep->elements) {
            wxg_names_free(v, n);
            s = wx_error_set(err, WX_ENOMEM, "registry %s: out of memory",
                             r->base.path);
        } else {
            *names = v;
            *count = n;
        }
    }
    freeReplyObject(rep);
    return s;
}

static wx_status redis_revision(wxg_registry *reg, int64_t *rev, wx_error *err)
{
    redis_reg *r = rds(reg);
    redisReply *rep;
    wx_status s =
        run_read(r, "revision", 2, (const char *[]){"GET", KEY_REVISION}, NULL,
                 &rep, err);
    if (s != WX_OK)
        return s;
    char *end = NULL;
    if (is_error(rep))
        s = reply_fail(r, "revision", rep, err);
    else if (rep->type == REDIS_REPLY_NIL)
        *rev = 0;
    else if (rep->type != REDIS_REPLY_STRING ||
             (*rev = strtoll(rep->str, &end, 10), *end))
        s = wx_error_set(err, WX_EIO, "registry %s: %s is not a number",
                         r->base.path, KEY_REVISION);
    freeReplyObject(rep);
    return s;
}

/* --------------------------------------------------------------- wait */

/* The SUBSCRIBE connection, made (again) if needed. */
static wx_status ensure_subscribed(redis_reg *r, wx_error *err)
{
    if (r->sub && !r->sub->err)
        return WX_OK;
    drop(&r->sub);
    wx_status s = connect_to(r, &r->sub, err);
    if (s != WX_OK)
        return s;
    redisReply *rep = command2(r->sub, "SUBSCRIBE", CHANNEL);
    if (!rep)
        s = wx_error_set(err, WX_EIO, "registry %s: SUBSCRIBE: %s",
                         r->base.path, r->sub->errstr);
    else if (is_error(rep))
        s = reply_fail(r, "SUBSCRIBE", rep, err);
    if (rep)
        freeReplyObject(rep);
    if (s != WX_OK)
        drop(&r->sub);
    return s;
}

/* Waits up to `ms` for messages on the subscription and reads all that
 * came: 1 some came, 0 none, -1 the connection broke. */
static int read_messages(redisContext *c, int ms)
{
    int got = 0;
    void *rep;
    for (;;) {
        while (redisReaderGetReply(c->reader, &rep) == REDIS_OK && rep) {
            freeReplyObject(rep);
            got = 1;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int n = poll(&pfd, 1, got ? 0 : ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : got;
        if (redisBufferRead(c) != REDIS_OK)
            return -1;
    }
}

/* The store cannot be reached: tell so at the deadline, so that a loop
 * around wait does not spin while the server is down. */
static wx_status unreachable(int64_t deadline, wx_status s)
{
    int64_t left = deadline - wxg_mono_ms();
    wxg_sleep_ms(left > 0 ? (int)left : 0);
    return s;
}

static wx_status redis_wait(wxg_registry *reg, int64_t seen, int timeout_ms,
                            wx_error *err)
{
    redis_reg *r = rds(reg);
    int64_t deadline = wxg_mono_ms() + timeout_ms;
    for (;;) {
        /* Subscribe before reading the revision, so that a change made
         * between the two is seen by one or the other. */
        wx_status s = ensure_subscribed(r, err);
        int64_t rev = seen;
        if (s == WX_OK)
            s = redis_revision(reg, &rev, err);
        if (s != WX_OK)
            return unreachable(deadline, s);
        if (rev != seen)
            return WX_OK;
        int64_t left = deadline - wxg_mono_ms();
        if (left <= 0)
            return WX_ETIMEOUT;
        int got = read_messages(r->sub, (int)left);
        if (got == 0)
            return WX_ETIMEOUT;
        if (got < 0)
            drop(&r->sub);
        /* A message or a broken subscription: read the revision again. */
    }
}

const wxg_store_ops wxg_redis_store = {
    .open = redis_open,
    .close = redis_close,
    .add = redis_add,
    .update = redis_update,
    .delete_ = redis_delete,
    .get = redis_get,
    .list = redis_list,
    .revision = redis_revision,
    .wait = redis_wait,
};
