/*
 * The plugin registry: per plugin its canonical config JSON, its .wasm
 * bytes and their SHA-256, behind one interface with three stores, chosen
 * at open by the form of the path (docs/registry.md):
 *   "redis://..."  Redis (registry_redis.c), shared by several daemons;
 *   ":memory:"     this process's memory (registry_mem.c), nothing kept;
 *   anything else  a SQLite file (registry_sqlite.c), the default.
 *
 * Durability of the file: WAL mode with synchronous=FULL, and every
 * change is one BEGIN IMMEDIATE ... COMMIT transaction, so once a change
 * function returns WX_OK the change survives a crash of the process, the
 * OS or the power (see registry_sqlite.c for why FULL and not NORMAL).
 * Several processes may share the file: writers wait for each other up to
 * a busy timeout. On Redis every change is one Lua script, atomic in the
 * server; durability is the server's (its appendonly/save settings).
 *
 * Every store keeps a registry-wide revision, bumped in the same atomic
 * step as every add, update and delete, so that a process can tell that
 * something changed without comparing every record.
 *
 * A handle is used by one thread at a time (the manager serialises its
 * calls); it holds no global state, so handles are independent. To wait
 * for changes from another thread, open a second handle for that thread
 * with wxg_registry_open_watch() (its own connection or file handle), and
 * call wxg_registry_wait() and wxg_registry_revision() on that one only.
 */
#ifndef WX_MANAGER_REGISTRY_H
#define WX_MANAGER_REGISTRY_H

#include "wasmext/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wxg_registry wxg_registry;

#define WXG_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Lower-case hex SHA-256 of `len` bytes into `hex` (an empty string on
 * failure). Fails only when nettle cannot be loaded (src/dl): WX_EIO
 * naming the library and its package. */
wx_status wxg_sha256_hex(const void *data, size_t len,
                         char hex[WXG_SHA256_HEX], wx_error *err);

/*
 * Whether the store computes a module's digest only when asked for it
 * (wxg_registry_get): the in-memory registry, which `wasmext run` and
 * eKuiper's plugin mode use and whose digests nothing reads unless a
 * report asks. Its callers then pass no digest to add and update, and
 * hash nothing (a 6.6 MB module costs 5.7 ms to hash, three times what
 * it costs to load). The persistent stores need the digest with the
 * bytes.
 */
bool wxg_registry_digest_on_demand(const wxg_registry *reg);
/*
 * Such a store (no other process reads it) also takes a NULL config in
 * add and update: the manager keeps every plugin's config itself and
 * writes its canonical JSON only when something asks for it (a report,
 * a recording), which most one-shot runs never do (the dump costs more
 * than the rest of registering an empty module). A get then gives
 * config NULL, and the manager puts its own in (manager.c,
 * stored_get).
 */

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
    char *config;  /* the canonical config JSON, as stored; NULL from a
                      store that took none (digest_on_demand above) */
    uint8_t *wasm; /* NULL when fetched with WXG_GET_NO_WASM */
    size_t wasm_len;
    char sha256[WXG_SHA256_HEX];    /* of the wasm bytes */
    int64_t created_ms, updated_ms; /* Unix time in milliseconds */
    int64_t version;                /* 1 when added, +1 per update */
} wxg_record;

void wxg_record_free(wxg_record *rec);

/*
 * In add and update, `sha256` is the hex SHA-256 of the bytes when the
 * caller computed it already (the manager does, for the version it
 * builds), or NULL to have it computed here (or, by a store whose digest
 * is on demand, when asked): hashing a module of megabytes costs
 * milliseconds, so it is done once per change.
 */
/*
 * Adds a plugin: WX_EEXIST if `name` is already registered. `version`, if
 * not NULL, receives the stored version (1).
 */
wx_status wxg_registry_add(wxg_registry *reg, const char *name,
                           const char *config, const uint8_t *wasm,
                           size_t wasm_len, const char *sha256,
                           int64_t *version, wx_error *err);
/*
 * Replaces a plugin's config and bytes and bumps its version (written to
 * `version` if not NULL): WX_ENOPLUGIN if it is not registered.
 */
wx_status wxg_registry_update(wxg_registry *reg, const char *name,
                              const char *config, const uint8_t *wasm,
                              size_t wasm_len, const char *sha256,
                              int64_t *version, wx_error *err);
/*
 * wxg_registry_update (update) or wxg_registry_add with bytes handed
 * over: a store in memory keeps `wasm` itself rather than a copy (a 2 MB
 * module is not copied, nor its pages touched twice); the others store
 * it as usual. Either way `wasm` is the registry's from this call on, and
 * wasm_free(wasm) is called once nothing needs it, on failure too.
 */
wx_status wxg_registry_change_given(wxg_registry *reg, bool update,
                                    const char *name, const char *config,
                                    uint8_t *wasm, size_t wasm_len,
                                    void (*wasm_free)(void *),
                                    const char *sha256, int64_t *version,
                                    wx_error *err);
/* Deletes a plugin: WX_ENOPLUGIN if it is not registered. */
wx_status wxg_registry_delete(wxg_registry *reg, const char *name,
                              wx_error *err);

enum {
    WXG_GET_NO_WASM = 1, /* leave the bytes out (listings, `show`) */
    /* The digest is not wanted: a store that computes it on demand
     * (wxg_registry_digest_on_demand) may leave sha256 empty. */
    WXG_GET_NO_DIGEST = 2,
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

/*
 * The registry's revision: a counter that every change (add, update,
 * delete) bumps by one in the same atomic step. Two handles on the same
 * registry read the same value. A new registry starts at 0.
 *   SQLite: a one-row table bumped by triggers in each change's
 *   transaction (schema 2). A schema-1 file is migrated on its first
 *   writable open; opened read-only it is not, and its revision is then
 *   sum(version) + count(*) over the plugins, which changes with every
 *   add and update and with every delete, but is not monotonic (a delete
 *   lowers it) and, rarely, a delete and an add may cancel out.
 *   Memory: a counter in the store (only its own handle can change it).
 *   Redis: the key wasmext:revision, bumped inside every change's script;
 *   the first change of an empty server starts it at the time in ms
 *   rather than 1, so that a server that lost its data never repeats a
 *   revision a process already saw (registry_redis.c).
 */
wx_status wxg_registry_revision(wxg_registry *reg, int64_t *rev,
                                wx_error *err);

/*
 * A handle for the thread that waits for changes (see the top): opened
 * read-only, with its own connection. Closed with wxg_registry_close().
 * For ":memory:" it is an empty store of its own (a private registry has
 * no other writer to wait for).
 */
wxg_registry *wxg_registry_open_watch(const char *path, wx_error *err);

/*
 * Waits until the revision may differ from `seen`: WX_OK when it does or
 * may (a notification came, or a cheap read shows another value),
 * WX_ETIMEOUT when `timeout_ms` passed with no sign of a change, WX_EIO
 * when the store cannot be reached (after the store's own retry; the
 * caller retries later). Callers read wxg_registry_revision() after WX_OK
 * and treat a spurious wake-up as no change.
 *   SQLite: reads the revision every 100 ms (a one-row read, no lock held
 *   between reads), so a change is seen within about 100 ms.
 *   Memory: sleeps for the timeout and returns WX_ETIMEOUT, unless the
 *   revision already differs from `seen`.
 *   Redis: blocks on its own SUBSCRIBE wasmext:changes connection, and
 *   also GETs the revision at the start, so a message missed while the
 *   connection was down is not lost.
 */
wx_status wxg_registry_wait(wxg_registry *reg, int64_t seen, int timeout_ms,
                            wx_error *err);

#endif
