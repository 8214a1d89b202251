/*
 * What a registry store implements (registry.h is what callers use). One
 * table of functions per store, chosen once at open by the form of the
 * path (registry.c); every handle starts with the common part, so a store
 * casts the handle to its own struct:
 *
 *     typedef struct sqlite_reg { wxg_registry base; sqlite3 *db; ... }
 *
 * registry.c checks the arguments (names, configs, bytes) before it calls
 * a store, so a store may rely on them. Messages name the registry by
 * base.path, which is the form that may be shown (a Redis URL without its
 * password).
 */
#ifndef WX_MANAGER_REGISTRY_STORE_H
#define WX_MANAGER_REGISTRY_STORE_H

#include "registry.h"

typedef struct wxg_store_ops wxg_store_ops;

struct wxg_registry {
    const wxg_store_ops *ops;
    char *path; /* as shown: never holds a password */
};

struct wxg_store_ops {
    /* The store computes a digest add or update was not given when get
     * first needs it (registry.h, wxg_registry_digest_on_demand). */
    bool digest_on_demand;
    /* `watch`: the handle is for wxg_registry_wait (registry.h). */
    wxg_registry *(*open)(const char *path, const wxg_registry_opts *opts,
                          bool watch, wx_error *err);
    void (*close)(wxg_registry *reg);
    /* `sha256`: the bytes' digest; NULL only for a store with
     * digest_on_demand (the front computes it for the others). */
    wx_status (*add)(wxg_registry *reg, const char *name, const char *config,
                     const uint8_t *wasm, size_t wasm_len, const char *sha256,
                     wx_error *err);
    /* *version receives the new version. */
    wx_status (*update)(wxg_registry *reg, const char *name,
                        const char *config, const uint8_t *wasm,
                        size_t wasm_len, const char *sha256, int64_t *version,
                        wx_error *err);
    /* Optional, for a store that holds the bytes in this process: add
     * and update that keep `wasm` itself instead of a copy, and free it
     * with wasm_free when the record lets it go, or at once when the
     * change fails (registry.h, wxg_registry_change_given). */
    wx_status (*add_kept)(wxg_registry *reg, const char *name,
                          const char *config, uint8_t *wasm, size_t wasm_len,
                          void (*wasm_free)(void *), const char *sha256,
                          wx_error *err);
    wx_status (*update_kept)(wxg_registry *reg, const char *name,
                             const char *config, uint8_t *wasm,
                             size_t wasm_len, void (*wasm_free)(void *),
                             const char *sha256, int64_t *version,
                             wx_error *err);
    wx_status (*delete_)(wxg_registry *reg, const char *name, wx_error *err);
    /* *out is zeroed by the caller; on failure the store frees what it
     * filled. */
    wx_status (*get)(wxg_registry *reg, const char *name, unsigned flags,
                     wxg_record *out, wx_error *err);
    wx_status (*list)(wxg_registry *reg, char ***names, size_t *count,
                      wx_error *err);
    wx_status (*revision)(wxg_registry *reg, int64_t *rev, wx_error *err);
    wx_status (*wait)(wxg_registry *reg, int64_t seen, int timeout_ms,
                      wx_error *err);
};

extern const wxg_store_ops wxg_sqlite_store; /* registry_sqlite.c */
extern const wxg_store_ops wxg_mem_store;    /* registry_mem.c */
extern const wxg_store_ops wxg_redis_store;  /* registry_redis.c */

/* Shared helpers (registry.c). */
int64_t wxg_now_ms(void);
/* Milliseconds of CLOCK_MONOTONIC, for deadlines. */
int64_t wxg_mono_ms(void);
void wxg_sleep_ms(int ms);
/* Sets the common part; false when out of memory. */
bool wxg_registry_init(wxg_registry *reg, const wxg_store_ops *ops,
                       const char *shown_path);

#endif
