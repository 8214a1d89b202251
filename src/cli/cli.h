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
 * Every error goes to stderr as one line, "wasmext: <message>".
 */
#ifndef WASMEXT_CLI_CLI_H
#define WASMEXT_CLI_CLI_H

#include "wasmext/engine.h"

#include <jansson.h>
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
typedef int (*cli_main_fn)(cli_global *g, int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary;
    const char *help; /* usage, options, examples */
    cli_main_fn main;
} cli_command;

/* The commands, each defined in its own file. */
extern const cli_command cli_cmd_run;
extern const cli_command cli_cmd_inspect;
extern const cli_command cli_cmd_plugin;
extern const cli_command cli_cmd_call;
/* The plugin subcommands (plugin.c), for `wasmext help plugin add`. */
const cli_command *cli_plugin_subcommand(const char *name);

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

/* "wasmext: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, then where to read more; returns
 * CLI_EXIT_USAGE. */
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

/* ------------------------------------------------------------ files */

/* Reads a whole file; NULL with a message printed ("cannot read X: ...").
 * Free with free(). */
uint8_t *cli_read_file(const char *path, size_t *len);

#endif
