/*
 * WASI preview 1 (`wasi_snapshot_preview1`), capability-based, over the
 * engine's public API (include/wasmext/engine.h) only.
 *
 * A guest sees exactly what its context grants: the arguments and
 * environment of the options, stdin/stdout/stderr as configured, and the
 * host directories of `preopens` under their guest names. No path a guest
 * passes can reach outside the directory it is resolved against: `..`
 * above it, absolute paths and symbolic links whose target leaves it are
 * refused with ENOTCAPABLE (76), names longer than WXW_PATH_MAX with
 * ENAMETOOLONG (37). Every guest pointer and length is checked against
 * the calling instance's memory (EFAULT, 21); functions this host does not
 * provide (sockets, proc_raise, and any unknown preview1 name a module
 * imports) return ENOSYS (52). docs/wasi.md lists every function.
 *
 * Contexts and instances. A wxw_ctx is the state of one instance: its fd
 * table, its captured output, its stdin position. The host functions find
 * the calling instance's context in one of two ways, chosen when they are
 * defined in a linker:
 *
 *   - wxw_define(linker, module, ctx): the functions carry the context
 *     itself. One linker per instance; simplest, and what
 *     wxw_run_command() does.
 *   - wxw_define_shared(linker, module, binder): the functions carry a
 *     binder, a small thread-safe map instance -> context, and look the
 *     calling instance up on every call (one read lock). One linker for a
 *     whole pool: bind each fresh instance with wxw_bind() before it runs
 *     (the pool's on_instance hook), unbind it with wxw_unbind() when it
 *     is freed. The binder leaves the instance's userdata alone.
 *
 * A call on an instance that has no context bound (for example a start
 * section that calls WASI while wx_instantiate runs, before wxw_bind could
 * be called) fails with WX_EHOST, "WASI: no context bound to this
 * instance".
 *
 * proc_exit ends the guest call with WX_EEXIT and err->exit_code set; it
 * is not a trap. The instance stays usable as far as the engine is
 * concerned, but the guest stopped half-way: pools should replace it.
 *
 * Threads: a context is used by one thread at a time (its instance's). A
 * binder may be used by any number of threads at once.
 *
 * Blocking: fd_read on an inherited stdin and poll_oneoff (sleep) block in
 * the host; the engine notices an interrupt only once they return.
 */
#ifndef WASMEXT_HOST_WASI_H
#define WASMEXT_HOST_WASI_H

#include "wasmext/engine.h"

#include <stddef.h>
#include <stdint.h>

#define WXW_MODULE "wasi_snapshot_preview1"

/* Longest path a guest may pass, in bytes (Linux's PATH_MAX). */
#define WXW_PATH_MAX 4096u
/* Bytes of output kept per stream between two drains, by default. */
#define WXW_DEFAULT_LOG_LIMIT (64u * 1024u)

/* Where a guest's stdout or stderr goes (the config's wasi.stdout). */
typedef enum wxw_output {
    /* Kept in a bounded buffer of the context (log_limit bytes; what does
     * not fit is counted, not kept) until wxw_ctx_drain(). */
    WXW_OUTPUT_LOG = 0,
    WXW_OUTPUT_INHERIT,  /* this process's own fd 1 or 2 */
    WXW_OUTPUT_DISCARD,  /* accepted and dropped */
    WXW_OUTPUT_CALLBACK, /* opts.on_output, at every write */
    /* opts.on_line, once per line: the context keeps the line being
     * written (at most line_max bytes; the rest of a longer line is
     * counted, not kept) and hands it over at its newline, or when the
     * context is freed. For a host that logs guest output line by line
     * and must not let one instance's half line mix with another's. */
    WXW_OUTPUT_LINES,
} wxw_output;

/* What a guest reads from stdin. */
typedef enum wxw_input {
    WXW_INPUT_EMPTY = 0, /* end of file at once */
    WXW_INPUT_INHERIT,   /* this process's fd 0 */
    WXW_INPUT_BUFFER,    /* opts.stdin_data, copied into the context */
} wxw_input;

/* The entry run once on a fresh instance (the config's wasi.init). */
typedef enum wxw_init {
    WXW_INIT_AUTO = 0,   /* `_initialize` if exported, else nothing */
    WXW_INIT_INITIALIZE, /* `_initialize`, which must be exported */
    WXW_INIT_START,      /* `_start` (older TinyGo builds): exit 0 is ok */
    WXW_INIT_NONE,       /* nothing */
} wxw_init;

typedef struct wxw_kv {
    const char *key, *value;
} wxw_kv;

/* Output callback: `len` bytes the guest wrote to `fd` (1 or 2). */
typedef void (*wxw_output_fn)(void *ud, int fd, const uint8_t *data,
                              size_t len);
/* Line callback (WXW_OUTPUT_LINES): one line the guest wrote to `fd`,
 * without its newline (`len` <= line_max; it may hold any byte but '\n');
 * `cut`: bytes of the line past line_max, dropped; `ended`: false for the
 * last, unfinished line of a context being freed. */
typedef void (*wxw_line_fn)(void *ud, int fd, const uint8_t *line,
                            size_t len, uint64_t cut, bool ended);

/* Bytes of a line kept in WXW_OUTPUT_LINES mode, by default. */
#define WXW_DEFAULT_LINE_MAX 1024u

/* Flags. */
enum {
    /* Resolve paths by the component-by-component walk only, never by
     * openat2(RESOLVE_BENEATH) (the walk is the fallback on kernels
     * before 5.6; the tests run both). */
    WXW_FLAG_NO_OPENAT2 = 1u << 0,
};

/*
 * Options, mirroring the config's "wasi" object. Zero-initialise and set
 * what you need; everything is copied by wxw_ctx_new(), and the preopened
 * directories are opened then (a missing one is an error then, not when
 * the guest first looks).
 */
typedef struct wxw_opts {
    /* argv as the guest sees it; by convention args[0] is a program name
     * (the framework passes the plugin name, `wasmext run` the file). */
    size_t nargs;
    const char *const *args;
    /* Environment; keys may not contain '='. */
    size_t nenv;
    const wxw_kv *env;
    /* Granted directories: key = guest path ("/data", "."), value = host
     * directory. They become fds 3, 4, ... in this order. */
    size_t npreopens;
    const wxw_kv *preopens;
    wxw_input in;
    const uint8_t *stdin_data; /* WXW_INPUT_BUFFER */
    size_t stdin_len;
    wxw_output out, err;     /* stdout, stderr */
    size_t log_limit;        /* WXW_OUTPUT_LOG, per stream; 0: default */
    wxw_output_fn on_output; /* WXW_OUTPUT_CALLBACK; see wxw_run_command */
    wxw_line_fn on_line;     /* WXW_OUTPUT_LINES */
    size_t line_max;         /* WXW_OUTPUT_LINES; 0: WXW_DEFAULT_LINE_MAX */
    void *ud;                /* for on_output and on_line */
    uint32_t max_fds; /* 0: WX_DEFAULT_MAX_FDS */
    uint32_t flags;   /* WXW_FLAG_* */
} wxw_opts;

typedef struct wxw_ctx wxw_ctx;
typedef struct wxw_binder wxw_binder;

/* A context. Errors: WX_EARG (bad option, missing preopen directory, with
 * the reason), WX_ENOMEM. */
wxw_ctx *wxw_ctx_new(const wxw_opts *opts, wx_error *err);
/* Closes every file the guest left open. NULL is allowed. */
void wxw_ctx_free(wxw_ctx *ctx);

/*
 * Hands over the output kept in WXW_OUTPUT_LOG mode and empties the
 * buffers: `fn` is called once per stream that has data or dropped bytes,
 * with the kept bytes and how many bytes did not fit (`dropped`: the guest
 * was told they were written; report them as truncation). `data` may be
 * NULL when `len` is 0. `fn` may be NULL to just empty the buffers.
 * Returns the number of streams handed over.
 */
typedef void (*wxw_drain_fn)(void *ud, int fd, const uint8_t *data, size_t len,
                             uint64_t dropped);
int wxw_ctx_drain(wxw_ctx *ctx, wxw_drain_fn fn, void *ud);

/*
 * Defines every wasi_snapshot_preview1 function in `l` (replacing earlier
 * definitions of those names) with `ctx` as their context, plus an ENOSYS
 * stub, typed as imported, for every other preview1 name that `m` (may be
 * NULL) imports. The context must outlive the instances linked through it.
 */
wx_status wxw_define(wx_linker *l, const wx_module *m, wxw_ctx *ctx,
                     wx_error *err);

/* The binder: instance -> context, shared by every instance of a linker. */
wxw_binder *wxw_binder_new(wx_error *err);
/* Frees the binder and every context still bound. */
void wxw_binder_free(wxw_binder *b);
/* As wxw_define, the context being found through `b` at each call. */
wx_status wxw_define_shared(wx_linker *l, const wx_module *m, wxw_binder *b,
                            wx_error *err);
/* Binds `ctx` to `inst`; the binder owns it from now on (even when this
 * fails: it is then freed). A context bound earlier to the same instance
 * pointer (a freed instance whose address was reused) is freed. */
wx_status wxw_bind(wxw_binder *b, wx_instance *inst, wxw_ctx *ctx,
                   wx_error *err);
/* Unbinds `inst` and frees its context; nothing if none was bound. */
void wxw_unbind(wxw_binder *b, wx_instance *inst);
/* The context bound to `inst`, or NULL (e.g. to drain its output). */
wxw_ctx *wxw_binder_ctx(wxw_binder *b, const wx_instance *inst);

/*
 * Runs the WASI entry of a fresh instance, once: see wxw_init. With
 * WXW_INIT_START, a proc_exit(0) counts as success and another code fails
 * with WX_EEXIT. Errors name the entry ("_initialize: trap: ...").
 */
wx_status wxw_init_instance(wx_instance *inst, wxw_init mode, wx_error *err);

/*
 * Calls `_start` of a WASI command instance. *exit_code receives the code
 * given to proc_exit, or 0 when `_start` returned. Returns WX_OK in both
 * cases; other failures (trap, interrupt, no `_start`: WX_ENOEXPORT) as
 * they are.
 */
wx_status wxw_start(wx_instance *inst, int *exit_code, wx_error *err);

/*
 * A whole WASI command run: context, linker, instance, `_start`. Output in
 * WXW_OUTPUT_LOG mode is handed to opts->on_output at the end (with a
 * closing note when some was dropped), or discarded without a callback.
 */
wx_status wxw_run_command(const wx_module *m, const wxw_opts *opts,
                          int *exit_code, wx_error *err);

#endif
