/*
 * The limits every plugin runs under unless its config says otherwise: one
 * place for them, so that the manager, the doors and the docs
 * (docs/config.md "Limits and their defaults") agree.
 *
 * A plugin whose config leaves a limit out gets the default here; a config
 * value of 0 for limits.timeout_ms, limits.memory_pages or limits.fuel
 * asks for no limit at all (for trusted guests only: a guest without a
 * timeout that loops holds its instance, and a stop of the daemon waits
 * for it). The call depth always has a bound.
 *
 * The values fit a stream function (a call per record, milliseconds each,
 * a few MiB of data): room to spare for those, while a guest that loops
 * or grows without end is stopped in seconds and megabytes.
 */
#ifndef WASMEXT_DEFAULTS_H
#define WASMEXT_DEFAULTS_H

/* limits.timeout_ms: wall-clock time per call, and for each instance's
 * start function and `_initialize`. Under eKuiper's 5 s wait for a
 * function, so a stuck call fails as a timeout of ours first (the eKuiper
 * adapter uses the same value). */
#define WX_DEFAULT_TIMEOUT_MS 4500u

/* limits.memory_pages: linear memory per instance, in 64 KiB pages
 * (32 MiB). A module that declares a larger minimum is refused with a
 * message naming limits.memory_pages, rather than run without a cap. */
#define WX_DEFAULT_MEMORY_PAGES 512u

/* limits.fuel: 0, no fuel bound (the timeout bounds a loop; fuel is the
 * deterministic bound a config may add). */
#define WX_DEFAULT_FUEL 0u

/* limits.stack: call depth (wasm frames) per call. */
#define WX_DEFAULT_CALL_DEPTH 10000u

/* How long a call waits for a free instance of its plugin before it fails
 * as busy (the manager's wait_ms). */
#define WX_DEFAULT_WAIT_MS 5000u

#endif
