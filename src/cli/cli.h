/*
 * The `wasmext` command: what its files share. main.c reads the global
 * options and hands the rest of the command line to one command's entry
 * point; each command lives in its own file (run.c, inspect.c, plugin.c,
 * call.c) with its help text next to its code, so that the two never
 * drift apart. Internal names start with cli_.
 *
 * Exit codes are the contract with scripts (docs/cli.md): 0 success, 1 the
 * call failed (trap, guest error, timeout, busy), 2 usage or config error
 * (bad arguments, unknown command, bad config, not found, invalid module).
 * Every error goes to stderr as one line, "wasmext: <message>", or with
 * --json to stdout as one JSON document (output.c).
 */
#ifndef WASMEXT_CLI_CLI_H
#define WASMEXT_CLI_CLI_H

#include "wasmext/engine.h"

#include "dl_jansson.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1, /* the call failed */
    CLI_EXIT_USAGE = 2,  /* usage, config, not found, invalid module */
};

/* Options every command accepts (before or after the command name). */
typedef struct cli_global {
    const char *db; /* --db PATH; NULL: WASMEXT_DB or the default */
    bool json;      /* --json: machine-readable output on stdout */
} cli_global;

/* A command (or a plugin subcommand): its name, one line for the list of
 * commands, its full help, and its entry point. `argv[0]` is the command
 * name; the entry point parses the rest. */
/* The global registry option at argv[*i] (--db PATH, --db=PATH, or the
 * same spelled --registry): 1 with *value set (and *i past it), 0 when
 * argv[*i] is not it, -1 after a usage error (no value). */
int cli_take_registry(int argc, char **argv, int *i, const char **value);

typedef int (*cli_main_fn)(cli_global *g, int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *help; /* usage, options, examples */
    cli_main_fn main;
} cli_command;

/* `wasmext call --batch FUNC` (call_batch.c): rows as NDJSON on stdin,
 * one result line each on stdout. Returns the exit code. */
struct wx_manager;
int cli_call_batch(struct wx_manager *m, const char *db, const char *func);

/* The commands, each defined in its own file. */
extern const cli_command cli_cmd_run;
extern const cli_command cli_cmd_inspect;
extern const cli_command cli_cmd_plugin;
extern const cli_command cli_cmd_call;
extern const cli_command cli_cmd_registry;
extern const cli_command cli_cmd_replay;
extern const cli_command cli_cmd_logs;
/* The plugin subcommands (plugin.c), for `wasmext help plugin add`. */
const cli_command *cli_plugin_subcommand(const char *name);

/* ------------------------------------------------------ a daemon (remote.c) */

/* The longest bearer token the daemon accepts. */
#define CLI_TOKEN_MAX 512u

/* Where a command asks a daemon: the command's name (for messages), the
 * --from URL, and the bearer token, if any, with where it came from. */
typedef struct cli_remote {
    const char *cmd;
    const char *from;
    char token[CLI_TOKEN_MAX + 1]; /* "" for none */
    const char *token_from;        /* "--token-file", "$WASMEXT_TOKEN", NULL */
} cli_remote;

/* Fills r->token from `token_file` (the --token-file value, or NULL),
 * else $WASMEXT_TOKEN, else none. Returns CLI_EXIT_OK, or CLI_EXIT_USAGE
 * after printing why (never the token). */
int cli_remote_token(const char *cmd, const char *token_file, cli_remote *r);
/* What a command that asks a daemon about PLUGIN[.FUNC] starts with:
 * r->from from --from (required; `lives` says why, as "recordings live
 * in ..."), the token (cli_remote_token), and `target` split into
 * plugin (a valid plugin name: it goes into the URL) and *func (NULL
 * when absent, else pointing into plugin). CLI_EXIT_OK, or CLI_EXIT_USAGE
 * after printing why. */
int cli_remote_start(cli_remote *r, const char *lives, const char *from,
                     const char *token_file, const char *target,
                     char plugin[128], const char **func);
/* GETs (post NULL) or POSTs `post` to FROM + `path`: the parsed answer and
 * its HTTP status, or NULL after printing why. */
json_t *cli_remote_ask(const cli_remote *r, const char *path,
                       const char *post, long *status);
/* Prints an error answer ({"error": {...}}; 401 says what to give) and
 * takes `j`; the exit code: 2 for 400, 401, 403, 404; 1 otherwise. */
int cli_remote_refusal(const cli_remote *r, json_t *j, long status);
/* Prints Unix milliseconds as "2026-12-07T11:53:05.123Z" on stdout. */
void cli_print_time(int64_t ms);

/* ------------------------------------------------------------ options */

/* An option a command takes besides the global ones: "--name" with a
 * value written "--name V" or "--name=V" when `metavar` is set, a flag
 * otherwise. */
typedef struct cli_opt {
    const char *name;
    const char *metavar;
} cli_opt;

#define CLI_MAX_OPTS 8
#define CLI_MAX_POS 256

/* A parsed command line: the positional words in order, each option's
 * value (NULL when absent; "" for a flag that is present), --help. */
typedef struct cli_args {
    int npos;
    char *pos[CLI_MAX_POS];
    const char *val[CLI_MAX_OPTS];
    bool help;
} cli_args;

/*
 * Parses argv[1..argc) of command `cmd` (for messages, e.g. "plugin add").
 * Words starting with "--" are options anywhere until a "--" word, after
 * which everything is positional; "-h" is --help; any other word
 * (including "-1" and "-") is positional, so negative numbers need no
 * quoting. The global options (--db, --json) are accepted here too and
 * stored in `g`. Returns CLI_EXIT_OK, or CLI_EXIT_USAGE after printing
 * why.
 */
int cli_parse(cli_global *g, const char *cmd, const cli_opt *opts,
              size_t nopts, int argc, char **argv, cli_args *out);

/* An unsigned option value: decimal, at most `max`. Prints the error and
 * returns false otherwise. */
bool cli_parse_u32(const char *opt, const char *text, uint32_t max,
                   uint32_t *out);

/* ------------------------------------------------------------ output */

/*
 * Errors. Without --json: "wasmext: <message>" on stderr. With --json
 * (cli_set_json_errors): {"error": {"code": "<wx_status_name>",
 * "message": ...}} on stdout, the shape of the REST daemon's errors, with
 * "trap" for traps, "exit_code" for guest exits and "usage" (the help
 * command to run) for usage errors; the exit code is the same either way.
 * `s` is the status the error stands for (WX_EARG for bad input, WX_EIO
 * for files, ...).
 */
void cli_set_json_errors(bool on);
void cli_error(wx_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error from the engine or the framework: `err` gives the status, and
 * the trap kind or exit code; the message is formatted from `fmt`. */
void cli_error_from(const wx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A usage error (status WX_EARG): the message, then where to read more;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints a command's help on stdout; returns CLI_EXIT_OK. */
int cli_print_help(const cli_command *c);

/* The exit code for a failed framework or engine status: 2 for what the
 * user can fix in their input (arguments, config, module, names), 1 for
 * a call that failed while running. */
int cli_exit_code(wx_status s);

/* Prints `j` as JSON on stdout (indented, one newline after), and takes
 * the reference. Returns CLI_EXIT_OK, or CLI_EXIT_FAILED when out of
 * memory. */
int cli_print_json(json_t *j);

/* "(i32, i32) -> (i32)" into buf. */
void cli_signature(const wx_functype *t, char *buf, size_t size);

/* ------------------------------------------------------------ guesses */

/* What a module's exports and imports say about its calling conventions
 * (guess.c). */
typedef struct cli_module_traits {
    bool cstring; /* exports memory, malloc (i32) -> i32, free (i32) -> () */
    bool bindgen; /* exports memory, allocate and deallocate */
    bool wasi;    /* imports wasi_snapshot_preview1 */
} cli_module_traits;

typedef enum cli_abi_guess {
    CLI_GUESS_NUMERIC,
    CLI_GUESS_CSTRING,
    CLI_GUESS_BINDGEN,
    CLI_GUESS_UNSUPPORTED, /* v128 or references: no ABI passes them */
} cli_abi_guess;

void cli_module_traits_of(const wx_module *m, cli_module_traits *out);
/* Exports that serve an ABI, WASI or a toolchain (malloc, _initialize,
 * cabi_*, __*), not callers. */
bool cli_is_abi_helper(const char *name);
/* The module has cstring's allocator and `t` takes one i32 and returns
 * at most one i32 (guess.c says why not more). */
bool cli_fits_cstring(const cli_module_traits *tr, const wx_functype *t);
cli_abi_guess cli_guess_abi(const cli_module_traits *tr, const wx_functype *t);
/* After `plugin add CONFIG.json`: a hint on stderr for each function the
 * config registers as numeric (no "abi") that fits cstring. Quiet when the
 * config or its module cannot be read (the add reports that). */
void cli_hint_cstring(const char *config_path);

/* `plugin init` (init.c), a plugin subcommand that needs only the
 * engine. */
extern const char cli_plugin_init_help[];
int cli_plugin_init_main(cli_global *g, int argc, char **argv);

/* ------------------------------------------------------------ registry */

/* The registry (plugin.c; builds with the framework library only). */
struct wx_manager;

/* The registry path: --db, else the framework's default
 * (wx_manager_default_db). NULL with the error printed. Free with free(). */
char *cli_registry_path(const cli_global *g);

/* How a command opens the registry. Only `plugin add` creates it (and
 * its directory): a command about plugins already registered has nothing
 * to find in a registry that does not exist. */
typedef enum cli_reg_mode {
    CLI_REG_CREATE,   /* read-write, created if missing (add) */
    CLI_REG_EXISTING, /* read-write, never created (update, rm) */
    CLI_REG_READ,     /* never created, read-only if not writable (ls,
                         show, check, call) */
} cli_reg_mode;

/*
 * Opens the registry; *path receives its path (free() it, also on
 * failure). Unless `mode` is CLI_REG_CREATE, a registry that does not
 * exist is not opened: NULL with *rc CLI_EXIT_OK, for the caller to say
 * what it means. Otherwise NULL is a failure, printed, with *rc its exit
 * code.
 */
struct wx_manager *cli_open_registry(const cli_global *g, cli_reg_mode mode,
                                     char **path, int *rc);

/* Prints a framework error; a "not found" says which registry it looked
 * in. */
void cli_error_in_registry(const wx_error *err, const char *path);

/* ------------------------------------------------------------ files */

/* Reads a whole file; NULL with a message printed ("cannot read X: ...").
 * Free with free(). */
uint8_t *cli_read_file(const char *path, size_t *len);
/* Reads a module file: binary as it is, text (a .wat name, or content
 * that starts with "(" or ";;") converted to the binary format; NULL with a message
 * printed ("x.wat:3:7: unknown operator i32.foo"). Free with free(). */
uint8_t *cli_read_module(const char *path, size_t *len);

#endif
