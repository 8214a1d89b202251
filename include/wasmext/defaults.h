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

/* instance_num: instances per plugin, at most. Each is a full copy of the
 * guest's memory; more than this is a config error rather than a way to
 * make the daemon allocate without end. */
#define WX_MAX_INSTANCE_NUM 64u

/* The memory budget of a manager (a daemon, a CLI command, an embedder):
 * the guest memory (linear memories and tables) of all instances of all
 * plugins together, 1 GiB; at most half of the machine's physical memory
 * when that is less. A plugin whose instance_num x limits.memory_pages
 * cannot fit it is refused at add; an instance that would pass it is not
 * made (the call or add fails with a "memory budget" message); a
 * memory.grow that would pass it gives -1. Set with
 * wx_manager_opts.memory_budget, `wasmext serve --memory-budget` or
 * $WASMEXT_MEMORY_BUDGET. */
#define WX_DEFAULT_MEMORY_BUDGET (1024ull * 1024 * 1024)
/* The smallest budget accepted: 1 MiB. */
#define WX_MIN_MEMORY_BUDGET (1024ull * 1024)

/* Guest output logged line by line (wasi.stdout/stderr "log", the
 * default): a line is cut after this many bytes (the rest is counted), */
#define WX_GUEST_LINE_MAX 1024u
/* and each plugin may log this many bytes of lines a second; lines past
 * it are dropped and counted (wx_manager_opts.guest_log_rate). */
#define WX_DEFAULT_GUEST_LOG_RATE (64u * 1024u)
/* Each plugin keeps its last this many logged lines in memory, with the
 * function that wrote each (wx_manager_guest_log, GET /plugins/{p}/logs):
 * at most WX_GUEST_LOG_KEEP * WX_GUEST_LINE_MAX bytes of text a plugin. */
#define WX_GUEST_LOG_KEEP 256u

/* An instance idle this long whose memory grew past its initial size is
 * freed, and made again by the next call that needs it, so that an idle
 * process gives back what a burst of calls grew
 * (wx_manager_opts.trim_idle_ms). */
#define WX_DEFAULT_TRIM_IDLE_MS 30000u

/* How long a change waits for another process's registry transaction
 * (wx_manager_opts.busy_timeout_ms). */
#define WX_DEFAULT_BUSY_TIMEOUT_MS 5000

/* Open file descriptors per guest (stdio and preopens included); a guest
 * opening more gets EMFILE. */
#define WX_DEFAULT_MAX_FDS 256u

/* wasmext serve: where it listens, the largest request body, connections
 * at once, and how long a request may take in seconds (--listen,
 * --max-body, --max-connections, --request-timeout). */
#define WX_DEFAULT_LISTEN "127.0.0.1:9281"
#define WX_DEFAULT_MAX_BODY (16u << 20)
#define WX_DEFAULT_MAX_CONNECTIONS 1024u
#define WX_DEFAULT_REQUEST_TIMEOUT_S 30u

/* eKuiper's plugin mode: instances per function when the config sets
 * none (at most this many, fewer on a small machine), and the largest
 * message taken from eKuiper ($WASMEXT_EKUIPER_MAX_MSG). */
#define WX_DEFAULT_EKUIPER_INSTANCES 16u
#define WX_DEFAULT_EKUIPER_MAX_MSG (64u * 1024u * 1024u)

#endif
