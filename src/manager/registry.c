/*
 * The registry's front: picks the store by the form of the path, checks
 * the arguments once for every store, and holds what all stores share
 * (the SHA-256 of the bytes, freeing records and name lists).
 */
#include "registry_store.h"
#include "wasmext.h" /* wx_registry_store_of */

#include <errno.h>
#include "dl_nettle.h" /* nettle, loaded on first need */
#include <stdlib.h>
#include <string.h>
#include <time.h>

wx_status wxg_sha256_hex(const void *data, size_t len,
                         char hex[WXG_SHA256_HEX], wx_error *err)
{
    hex[0] = '\0';
    wx_status s = wxdl_nettle_load(err);
    if (s != WX_OK)
        return s;
    static const char digits[] = "0123456789abcdef";
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * SHA256_DIGEST_SIZE] = '\0';
    return WX_OK;
}

int64_t wxg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wxg_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wxg_sleep_ms(int ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

bool wxg_registry_init(wxg_registry *reg, const wxg_store_ops *ops,
                       const char *shown_path)
{
    reg->ops = ops;
    reg->path = strdup(shown_path);
    return reg->path != NULL;
}

/* The one place that reads a path's form: "redis://..." Redis,
 * ":memory:" this process's memory (SQLite's name for the same),
 * anything else a SQLite file. */
wx_registry_store wx_registry_store_of(const char *path)
{
    if (path && strncmp(path, "redis://", 8) == 0)
        return WX_STORE_REDIS;
    if (path && strcmp(path, WX_REGISTRY_MEMORY) == 0)
        return WX_STORE_MEMORY;
    return WX_STORE_FILE;
}

static const wxg_store_ops *store_for(const char *path)
{
    switch (wx_registry_store_of(path)) {
    case WX_STORE_REDIS: return &wxg_redis_store;
    case WX_STORE_MEMORY: return &wxg_mem_store;
    default: return &wxg_sqlite_store;
    }
}

wxg_registry *wxg_registry_open(const char *path,
                                const wxg_registry_opts *opts, wx_error *err)
{
    if (!path || !*path) {
        wx_error_set(err, WX_EARG, "registry: no path given");
        return NULL;
    }
    return store_for(path)->open(path, opts, false, err);
}

wxg_registry *wxg_registry_open_watch(const char *path, wx_error *err)
{
    if (!path || !*path) {
        wx_error_set(err, WX_EARG, "registry: no path given");
        return NULL;
    }
    wxg_registry_opts ro = {.read_only = true};
    return store_for(path)->open(path, &ro, true, err);
}

void wxg_registry_close(wxg_registry *reg)
{
    if (reg)
        reg->ops->close(reg);
}

const char *wxg_registry_path(const wxg_registry *reg)
{
    return reg->path;
}

static wx_status check_args(wxg_registry *reg, const char *name,
                            const char *config, const uint8_t *wasm,
                            size_t wasm_len, wx_error *err)
{
    bool no_config = !config && !reg->ops->digest_on_demand;
    if (!name || !*name || no_config || (!wasm && wasm_len))
        return wx_error_set(err, WX_EARG,
                            "registry %s: a plugin needs a name, a config "
                            "and its bytes",
                            reg->path);
    return WX_OK;
}

static wx_status check_name(wxg_registry *reg, const char *name, wx_error *err)
{
    if (!name)
        return wx_error_set(err, WX_EARG, "registry %s: no plugin name",
                            reg->path);
    return WX_OK;
}

bool wxg_registry_digest_on_demand(const wxg_registry *reg)
{
    return reg->ops->digest_on_demand;
}

/* The digest the store is given: the caller's, none for a store that
 * computes it on demand, or the one computed into `own`. */
static wx_status digest(const wxg_registry *reg, const uint8_t *wasm,
                        size_t wasm_len, const char *given,
                        char own[WXG_SHA256_HEX], const char **out,
                        wx_error *err)
{
    *out = given;
    if (given || reg->ops->digest_on_demand)
        return WX_OK;
    *out = own;
    return wxg_sha256_hex(wasm, wasm_len, own, err);
}

wx_status wxg_registry_add(wxg_registry *reg, const char *name,
                           const char *config, const uint8_t *wasm,
                           size_t wasm_len, const char *sha256,
                           int64_t *version, wx_error *err)
{
    char own[WXG_SHA256_HEX];
    const char *sha;
    wx_status s = check_args(reg, name, config, wasm, wasm_len, err);
    if (s == WX_OK)
        s = digest(reg, wasm, wasm_len, sha256, own, &sha, err);
    if (s == WX_OK)
        s = reg->ops->add(reg, name, config, wasm, wasm_len, sha, err);
    if (s == WX_OK && version)
        *version = 1;
    return s;
}

wx_status wxg_registry_update(wxg_registry *reg, const char *name,
                              const char *config, const uint8_t *wasm,
                              size_t wasm_len, const char *sha256,
                              int64_t *version, wx_error *err)
{
    char own[WXG_SHA256_HEX];
    const char *sha;
    int64_t v = 0;
    wx_status s = check_args(reg, name, config, wasm, wasm_len, err);
    if (s == WX_OK)
        s = digest(reg, wasm, wasm_len, sha256, own, &sha, err);
    if (s == WX_OK)
        s = reg->ops->update(reg, name, config, wasm, wasm_len, sha, &v,
                             err);
    if (s == WX_OK && version)
        *version = v;
    return s;
}

wx_status wxg_registry_change_given(wxg_registry *reg, bool update,
                                    const char *name, const char *config,
                                    uint8_t *wasm, size_t wasm_len,
                                    void (*wasm_free)(void *),
                                    const char *sha256, int64_t *version,
                                    wx_error *err)
{
    if (update ? !reg->ops->update_kept : !reg->ops->add_kept) {
        wx_status s =
            update ? wxg_registry_update(reg, name, config, wasm, wasm_len,
                                         sha256, version, err)
                   : wxg_registry_add(reg, name, config, wasm, wasm_len,
                                      sha256, version, err);
        wasm_free(wasm);
        return s;
    }
    char own[WXG_SHA256_HEX];
    const char *sha;
    wx_status s = check_args(reg, name, config, wasm, wasm_len, err);
    if (s == WX_OK)
        s = digest(reg, wasm, wasm_len, sha256, own, &sha, err);
    if (s != WX_OK) {
        wasm_free(wasm);
        return s;
    }
    int64_t v = 1;
    s = update ? reg->ops->update_kept(reg, name, config, wasm, wasm_len,
                                       wasm_free, sha, &v, err)
               : reg->ops->add_kept(reg, name, config, wasm, wasm_len,
                                    wasm_free, sha, err);
    if (s == WX_OK && version)
        *version = v;
    return s;
}

wx_status wxg_registry_delete(wxg_registry *reg, const char *name,
                              wx_error *err)
{
    wx_status s = check_name(reg, name, err);
    return s == WX_OK ? reg->ops->delete_(reg, name, err) : s;
}

wx_status wxg_registry_get(wxg_registry *reg, const char *name, unsigned flags,
                           wxg_record *out, wx_error *err)
{
    memset(out, 0, sizeof *out);
    wx_status s = check_name(reg, name, err);
    if (s != WX_OK)
        return s;
    return reg->ops->get(reg, name, flags, out, err);
}

wx_status wxg_registry_list(wxg_registry *reg, char ***names, size_t *count,
                            wx_error *err)
{
    *names = NULL;
    *count = 0;
    return reg->ops->list(reg, names, count, err);
}

wx_status wxg_registry_revision(wxg_registry *reg, int64_t *rev, wx_error *err)
{
    *rev = 0;
    return reg->ops->revision(reg, rev, err);
}

wx_status wxg_registry_wait(wxg_registry *reg, int64_t seen, int timeout_ms,
                            wx_error *err)
{
    return reg->ops->wait(reg, seen, timeout_ms < 0 ? 0 : timeout_ms, err);
}

void wxg_record_free(wxg_record *rec)
{
    if (!rec)
        return;
    free(rec->name);
    free(rec->config);
    free(rec->wasm);
    memset(rec, 0, sizeof *rec);
}

void wxg_names_free(char **names, size_t count)
{
    if (!names)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}
