/*
 * The eKuiper adapter's internals (prefix wxk_), by file:
 *
 *   buf.c          a growable text buffer, JSON string escaping
 *   protocol.c     the portable-plugin messages: Command/Control on the
 *                  control channel, FuncData/FuncReply on function
 *                  channels (PROTOCOL.md 2.5, 2.6); no sockets
 *   funcs.c        the plugin's functions as eKuiper sees them, and the
 *                  answers to Validate, IsAggregate and Exec; no sockets
 *   chan.c         NNG: REQ sockets with the options the protocol needs,
 *                  dialling with retries, the keepalive handshake, the
 *                  function channels' callback-driven server
 *   plugin_main.c  plugin mode: private registry, control loop, a server
 *                  per function channel, signals
 *   pack.c         `ekuiper pack`: the zip eKuiper installs
 *   main.c         `ekuiper` dispatch and help
 */
#ifndef WASMEXT_EKUIPER_INTERNAL_H
#define WASMEXT_EKUIPER_INTERNAL_H

#include "ekuiper.h"
#include "wasmext.h"

#include "dl_jansson.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The protocol's literal strings. */
#define WXK_HANDSHAKE "handshake"
#define WXK_OK "ok"

/* ---------------------------------------------------------------- buf.c */

/* A NUL-terminated growable buffer. Appends never fail visibly: out of
 * memory sets `oom` and later appends do nothing, so that building a
 * message needs one check at the end. */
typedef struct wxk_buf {
    char *data;
    size_t len, cap;
    bool oom;
} wxk_buf;

void wxk_buf_init(wxk_buf *b);
void wxk_buf_free(wxk_buf *b);
void wxk_buf_reset(wxk_buf *b);
void wxk_buf_add(wxk_buf *b, const char *s, size_t n);
void wxk_buf_adds(wxk_buf *b, const char *s);
void wxk_buf_addf(wxk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends `s` (n bytes) as a JSON string literal, quotes included;
 * invalid UTF-8 becomes U+FFFD so that the message stays valid JSON. */
void wxk_buf_add_json_string(wxk_buf *b, const char *s, size_t n);

/* ----------------------------------------------------------- protocol.c */

typedef enum wxk_cmd {
    WXK_CMD_START,
    WXK_CMD_STOP,
    WXK_CMD_OTHER,
} wxk_cmd;

typedef enum wxk_symtype {
    WXK_SYM_SOURCE,
    WXK_SYM_SINK,
    WXK_SYM_FUNC,
    WXK_SYM_OTHER,
} wxk_symtype;

/* A control-channel Command with its Control decoded (PROTOCOL.md 2.5).
 * The strings point into `root`/`control`, freed by wxk_command_free. */
typedef struct wxk_command {
    json_t *root, *control;
    wxk_cmd cmd;
    const char *cmd_name;
    wxk_symtype type;
    const char *type_name;       /* "" when absent */
    const char *symbol;          /* "" when absent */
    const char *rule_id, *op_id; /* "" when absent */
    int64_t instance_id;
} wxk_command;

/* Parses a Command; false with the reason in `why` (which never starts
 * with 'h', see wxk_control_error). */
bool wxk_command_parse(const void *msg, size_t len, wxk_command *out,
                       wxk_buf *why);
void wxk_command_free(wxk_command *c);

/* Writes a control-channel error reply into `out` (reset first). eKuiper
 * takes any answer starting with 'h' for a stale handshake and resends
 * its command (PROTOCOL.md 2.4), so such a text gets "error: " in front;
 * an empty text becomes "error". */
void wxk_control_error(wxk_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef enum wxk_call {
    WXK_CALL_VALIDATE,
    WXK_CALL_EXEC,
    WXK_CALL_IS_AGGREGATE,
    WXK_CALL_OTHER,
} wxk_call;

/* A function-channel FuncData: {"func": NAME, "arg": ANY}. `arg` is
 * borrowed from `root` (NULL when absent). */
typedef struct wxk_request {
    json_t *root;
    wxk_call call;
    const char *func; /* "" when absent */
    json_t *arg;
} wxk_request;

bool wxk_request_parse(const void *msg, size_t len, wxk_request *out,
                       wxk_buf *why);
void wxk_request_free(wxk_request *r);

/* FuncReply texts, written into `out` (reset first):
 * {"state":true,"result":<json>} with `json` a JSON value's text, and
 * {"state":false,"result":"<message>"}. */
void wxk_reply_value(wxk_buf *out, const char *json, size_t n);
/* The same with a JSON value (NULL: null) dumped straight into `out`;
 * `out->oom` says when that failed. */
void wxk_reply_json(wxk_buf *out, const json_t *value);
void wxk_reply_error(wxk_buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* -------------------------------------------------------------- funcs.c */

/* One function of the plugin: its handle, resolved once when the plugin
 * is loaded, and its description (wx_fn_describe), taken once. `name` is
 * the symbol (the export name, which is also the SQL name and the
 * channel's name; it lives in `info`). `typed` functions (numeric ABI,
 * wasm types only) are called with wx_fn_call, the others with
 * wx_fn_call_values. */
typedef struct wxk_func {
    const char *name;
    wx_function_info info;
    bool typed;
    wx_fn *fn;
} wxk_func;

typedef struct wxk_funcs {
    char *plugin;
    uint32_t n;
    wxk_func *f;
} wxk_funcs;

/* Loads the functions of `plugin` from the manager: their names from a
 * snapshot (wx_manager_plugins), then a handle and a description each. */
wx_status wxk_funcs_load(wx_manager *m, const char *plugin, wxk_funcs *out,
                         wx_error *err);
void wxk_funcs_free(wxk_funcs *fs);
wxk_func *wxk_funcs_find(const wxk_funcs *fs, const char *name);
/* The names, comma-separated, for messages. */
void wxk_funcs_names(const wxk_funcs *fs, wxk_buf *out);

/* Answers one FuncData message sent to function `f`'s channel: the
 * FuncReply text in `out`. Never fails: every problem is a reply with
 * state false. `seen` (may be NULL) is the channel's memory of the last
 * function context found valid: eKuiper sends the same one with every
 * row of a rule, and it is then compared instead of parsed again. */
void wxk_handle(const wxk_func *f, wxk_buf *seen, const void *msg, size_t len,
                wxk_buf *out);

/* --------------------------------------------------------------- chan.c */

/* NNG socket ids are plain structs; this header does not include nng's
 * so that files without sockets need not. */
typedef struct wxk_sock {
    uint32_t id;
} wxk_sock;

/* "ipc:///tmp/plugin_<name>.ipc", "ipc:///tmp/func_<symbol>.ipc". */
void wxk_url_control(wxk_buf *out, const char *plugin);
void wxk_url_func(wxk_buf *out, const char *symbol);

/*
 * Opens a REQ0 socket with the options of PROTOCOL.md 2.12: no receive
 * size limit, no request resends, `recv_ms` receive timeout (the
 * keepalive period), a send timeout, reconnects from 100 ms to 5 s. Then
 * dials `url` synchronously, `tries` times 100 ms apart. 0, or an NNG
 * error number with `why` set.
 */
int wxk_req_open(wxk_sock *s, const char *url, int recv_ms, int tries,
                 wxk_buf *why);

/*
 * The largest message from eKuiper the plugin handles: 64 MiB, or
 * $WASMEXT_EKUIPER_MAX_MSG (bytes, with an optional K, M or G; at least
 * 64K). A larger one (a command, a call with a huge row) is answered
 * with an error naming both sizes, and not parsed. This bounds the work,
 * not the memory of receiving it: NNG takes the whole message, since a
 * receive limit in NNG would cost a wrong answer (chan.c says why); the
 * memory a row can take is eKuiper's to bound.
 */
#define WXK_MAX_MSG_ENV "WASMEXT_EKUIPER_MAX_MSG"
size_t wxk_max_msg(void);
/* The error answered for a message of `len` bytes over wxk_max_msg(), as
 * a function call's answer (JSON) or a control answer (text). */
void wxk_oversized(wxk_buf *out, size_t len, bool json);
void wxk_req_close(wxk_sock *s);

/* What wxk_req_next returns. */
typedef enum wxk_next {
    WXK_NEXT_MSG,    /* a message to answer */
    WXK_NEXT_CLOSED, /* the socket was closed: stop serving */
} wxk_next;

/*
 * The plugin side of an inverted REQ/REP channel (PROTOCOL.md 2.4): sends
 * `reply` (NULL: the first `handshake`) as the next request, then waits
 * for eKuiper's next message. On a receive timeout (idle for the
 * keepalive period) or a protocol-state error it sends `handshake` again
 * and keeps waiting. The message is returned in *msg and *len, to free with
 * wxk_msg_free.
 */
wxk_next wxk_req_next(wxk_sock *s, const char *reply, size_t reply_len,
                      void **msg, size_t *len);
void wxk_msg_free(void *msg, size_t len);

/*
 * A function channel served from NNG's completion callbacks, with no
 * thread of its own in the common case (see chan.c for why): the same
 * exchange as wxk_req_next (the first `handshake`, then each answer as
 * the next request, `handshake` again after each keepalive period idle or
 * a lost connection), with `answer` called for every message eKuiper
 * sends, one at a time. `answer` runs on an NNG thread while fewer than
 * `budget->max` answers of the process do so, else on the server's own
 * thread.
 */
typedef void (*wxk_answer_fn)(void *arg, const void *msg, size_t len,
                              wxk_buf *out);
typedef struct wxk_server wxk_server;

/* The answers running on NNG's threads, shared by a process's servers. */
typedef struct wxk_inline {
    atomic_int now;
    int max;
} wxk_inline;

/* `max` from the environment variable WASMEXT_EKUIPER_INLINE_CALLS when
 * it is a number from 0 (never: every answer on its server's thread) to
 * 1024, else the number of CPUs. */
#define WXK_INLINE_ENV "WASMEXT_EKUIPER_INLINE_CALLS"
void wxk_inline_init(wxk_inline *in);

/* Starts serving `s` (opened by wxk_req_open): 0, or an NNG error number
 * with `why` set. */
int wxk_server_start(wxk_server **out, const wxk_sock *s, wxk_answer_fn answer,
                     void *arg, wxk_inline *budget, wxk_buf *why);
/* Waits for the server to finish and frees it. Its socket must be closed
 * first (wxk_req_close), which is what stops it. */
void wxk_server_free(wxk_server *srv);

/* --------------------------------------------------------------- pack.c */

/* The directory of `path` ("." for a bare name), where the relative paths
 * of a config file are resolved; plugin mode uses it too. */
void wxk_dir_of(const char *path, char *out, size_t size);

#endif
