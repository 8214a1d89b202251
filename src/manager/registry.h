/*
 * The plugin registry: one SQLite file that survives restarts, holding per
 * plugin its canonical config JSON, its .wasm bytes and their SHA-256.
 *
 * Durability: the file is in WAL mode with synchronous=FULL, and every
 * change is one BEGIN IMMEDIATE ... COMMIT transaction, so once a change
 * function returns WX_OK the change survives a crash of the process, the
 * OS or the power (see registry.c for why FULL and not NORMAL). Several
 * processes may share the file: writers wait for each other up to a busy
 * timeout.
 *
 * A handle is used by one thread at a time (the manager serialises its
 * calls); it holds no global state, so handles are independent.
 */
#ifndef WX_MANAGER_REGISTRY_H
#define WX_MANAGER_REGISTRY_H

#include "wasmext/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wxg_registry wxg_registry;

#define WXG_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Lower-case hex SHA-256 of `len` bytes into `hex`. */
void wxg_sha256_hex(const void *data, size_t len, char hex[WXG_SHA256_HEX]);

typedef struct wxg_registry_opts {
    /* Open without ever writing (the file must already be a registry). */
    bool read_only;
    /* How long a change waits for another process's transaction before
     * failing with WX_EIO; 0 means the default, 5000 ms. */
    int busy_timeout_ms;
} wxg_registry_opts;

/*
 * Opens the registry at `path`, creating the file (and its parent
 * directories) if needed, unless read-only. Errors name the path:
 *   "registry /x/y.db: file is not a database" (WX_EIO)
 *   "registry /x/y.db: read-only file (no write permission) ..." (WX_EIO)
 *   "registry /x/y.db: schema version 7 is newer than this wasmext's (1)"
 * `opts` may be NULL.
 */
wxg_registry *wxg_registry_open(const char *path,
                                const wxg_registry_opts *opts, wx_error *err);
void wxg_registry_close(wxg_registry *reg);
const char *wxg_registry_path(const wxg_registry *reg);

/* One stored plugin. Owned by the caller: wxg_record_free(). */
typedef struct wxg_record {
    char *name;
    char *config;  /* the canonical config JSON, as stored */
    uint8_t *wasm; /* NULL when fetched with WXG_GET_NO_WASM */
    size_t wasm_len;
    char sha256[WXG_SHA256_HEX];    /* of the wasm bytes */
    int64_t created_ms, updated_ms; /* Unix time in milliseconds */
    int64_t version;                /* 1 when added, +1 per update */
} wxg_record;

void wxg_record_free(wxg_record *rec);

/*
 * Adds a plugin: WX_EEXIST if `name` is already registered. `version`, if
 * not NULL, receives the stored version (1).
 */
wx_status wxg_registry_add(wxg_registry *reg, const char *name,
                           const char *config, const uint8_t *wasm,
                           size_t wasm_len, int64_t *version, wx_error *err);
/*
 * Replaces a plugin's config and bytes and bumps its version (written to
 * `version` if not NULL): WX_ENOPLUGIN if it is not registered.
 */
wx_status wxg_registry_update(wxg_registry *reg, const char *name,
                              const char *config, const uint8_t *wasm,
                              size_t wasm_len, int64_t *version,
                              wx_error *err);
/* Deletes a plugin: WX_ENOPLUGIN if it is not registered. */
wx_status wxg_registry_delete(wxg_registry *reg, const char *name,
                              wx_error *err);

enum {
    WXG_GET_NO_WASM = 1, /* leave the bytes out (listings, `show`) */
};
/* Fetches one plugin into *out: WX_ENOPLUGIN if it is not registered. */
wx_status wxg_registry_get(wxg_registry *reg, const char *name, unsigned flags,
                           wxg_record *out, wx_error *err);
/*
 * The registered names in byte order: *names is a malloc'ed array of
 * *count malloc'ed strings, freed with wxg_names_free().
 */
wx_status wxg_registry_list(wxg_registry *reg, char ***names, size_t *count,
                            wx_error *err);
void wxg_names_free(char **names, size_t count);

#endif
