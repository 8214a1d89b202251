/*
 * The `wasmext` command's entry point: global options, then one command.
 *
 *   wasmext [--db PATH] [--json] COMMAND [ARGS...]
 *
 * Each command parses its own arguments (see cli.h for the rules shared by
 * all of them) and returns the process's exit code.
 */
#include "cli.h"
#include "daemon.h"
#include "ekuiper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WX_CLI_VERSION
#define WX_CLI_VERSION "0.1.0"
#endif

static const char main_help[] =
    "Usage: wasmext [--db PATH] [--json] COMMAND [ARGS...]\n"
    "\n"
    "wasmext runs WebAssembly functions: straight from a .wasm file, or as\n"
    "plugins registered from a JSON config and called by name.\n"
    "\n"
    "Commands:\n"
    "%s"
    "\n"
    "Global options (also accepted after the command name):\n"
    "  --db PATH    the plugin registry, a SQLite file or a redis:// URL\n"
    "               (also spelled --registry; default: $WASMEXT_REGISTRY,\n"
    "               else $WASMEXT_DB, else\n"
    "               $XDG_DATA_HOME/wasmext/registry.db, else\n"
    "               ~/.local/share/wasmext/registry.db)\n"
    "  --json       machine-readable output on stdout, errors included\n"
    "  -h, --help   help; 'wasmext help COMMAND' for a command's\n"
    "\n"
    "Exit status: 0 ok; 1 a call failed (trap, guest error, timeout, busy);\n"
    "2 usage or config error (bad arguments, unknown command, bad config,\n"
    "plugin not found, invalid module). Errors go to stderr as\n"
    "'wasmext: <message>'; with --json, to stdout as\n"
    "{\"error\": {\"code\": ..., \"message\": ...}}.\n"
    "\n"
    "Examples:\n"
    "  wasmext run add.wasm add 2 3\n"
    "  wasmext inspect add.wasm\n"
    "  wasmext plugin add car.json && wasmext call car.rank 3 4\n";

static const char version_help[] =
    "Usage: wasmext version [--json]\n"
    "\n"
    "Prints the version of wasmext and what its engine supports.\n"
    "\n"
    "Options:\n"
    "  --json       {\"version\": ..., \"engine\": ..., \"wasm\": ...}\n"
    "  -h, --help   this help\n"
    "\n"
    "Example:\n"
    "  wasmext version\n";

static const char help_help[] =
    "Usage: wasmext help [COMMAND [SUBCOMMAND]]\n"
    "\n"
    "Prints the list of commands, or the help of one command (the same as\n"
    "'wasmext COMMAND --help').\n"
    "\n"
    "Examples:\n"
    "  wasmext help run\n"
    "  wasmext help plugin add\n";

static const char serve_help[] =
    "Usage: wasmext [--db PATH] serve [OPTIONS]\n"
    "\n"
    "The REST daemon: serves the plugins of the registry over HTTP\n"
    "(docs/rest.md). Stops on SIGTERM or SIGINT after the requests in\n"
    "flight have been answered.\n"
    "\n"
    "Options:\n"
    "  --listen HOST:PORT   address to listen on (default 127.0.0.1:9281);\n"
    "                       port 0 picks a free port\n"
    "  --listen unix:PATH   a unix socket instead (mode 0660)\n"
    "  --db PATH            the plugin registry: a SQLite file, or\n"
    "                       redis://[USER:PASSWORD@]HOST[:PORT][/DB] for a\n"
    "                       fleet sharing one (docs/fleet.md); --registry\n"
    "                       is the same option. Changes other processes\n"
    "                       make there are followed within a second\n"
    "  --threads N          HTTP worker threads (default: one per CPU)\n"
    "  --log-level LEVEL    debug, info (default), warn or error\n"
    "  --max-body BYTES     largest request body (default 16 MiB)\n"
    "  --wait-ms N          wait for a free instance before 503\n"
    "  --drain-ms N         how long SIGTERM waits for calls in flight\n"
    "  --idle-timeout S     close idle keep-alive connections after S s\n"
    "\n"
    "Access (docs/security.md):\n"
    "  --token-file FILE    require bearer tokens: lines 'ROLE NAME TOKEN',\n"
    "                       ROLE admin (changes and calls) or call\n"
    "  --insecure-no-auth   allow a non-loopback address without tokens\n"
    "  --allow-dir DIR      REST configs may name module files and\n"
    "                       wasi.preopens under DIR (repeatable; default:\n"
    "                       none, modules come in zip packages)\n"
    "  --tls-cert FILE      serve HTTPS with this PEM certificate\n"
    "  --tls-key FILE       and this PEM key\n"
    "\n"
    "Exit status: 0 after SIGTERM/SIGINT, 1 if it could not start, 2 for a\n"
    "usage error.\n"
    "\n"
    "Example:\n"
    "  wasmext serve --listen 127.0.0.1:9281\n";

static int version_main(cli_global *g, int argc, char **argv);
static int help_main(cli_global *g, int argc, char **argv);
static int serve_main(cli_global *g, int argc, char **argv);

static const cli_command cmd_version = {"version", "print the version",
                                        version_help, version_main};
static const cli_command cmd_help = {"help", "help on a command", help_help,
                                     help_main};
static const cli_command cmd_serve = {
    "serve", "the REST daemon", serve_help, serve_main};

/* eKuiper portable plugins: `pack` builds the zip eKuiper installs, and
 * `plugin` is the mode the packaged executable runs in. */
static int ekuiper_main(cli_global *g, int argc, char **argv)
{
    (void)g;
    return wxk_main(argc, argv);
}

static const cli_command cmd_ekuiper = {
    "ekuiper", "eKuiper portable plugins (pack, plugin mode)", wxk_help,
    ekuiper_main};

static const cli_command *const commands[] = {
    &cli_cmd_run, &cli_cmd_inspect, &cli_cmd_plugin,  &cli_cmd_call,
    &cmd_serve,   &cmd_ekuiper,     &cli_cmd_registry, &cli_cmd_replay,
    &cli_cmd_logs, &cmd_version, &cmd_help,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

static void print_main_help(FILE *f)
{
    char list[1024];
    size_t at = 0;
    for (size_t i = 0; i < NCOMMANDS && at < sizeof list; i++) {
        int k = snprintf(list + at, sizeof list - at, "  %-9s %s\n",
                         commands[i]->name, commands[i]->summary);
        at += k > 0 ? (size_t)k : 0;
    }
    fprintf(f, main_help, list);
}

/* ------------------------------------------------------ small commands */

static int version_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "version", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cmd_version);
    if (a.npos)
        return cli_usage_error("version", "takes no arguments");
    const char *wasm = "WebAssembly 2.0 without SIMD";
    if (g->json)
        return cli_print_json(json_pack("{s:s,s:s,s:s}", "version",
                                        WX_CLI_VERSION, "engine", "interp",
                                        "wasm", wasm));
    printf("wasmext %s (engine: interp; %s)\n", WX_CLI_VERSION, wasm);
    return CLI_EXIT_OK;
}

static int help_main(cli_global *g, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(g, "help", NULL, 0, argc, argv, &a);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (a.help)
        return cli_print_help(&cmd_help);
    if (a.npos == 0) {
        print_main_help(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *c = find_command(a.pos[0]);
    if (!c)
        return cli_usage_error(NULL, "unknown command \"%s\"", a.pos[0]);
    if (a.npos >= 2 && c == &cli_cmd_plugin) {
        const cli_command *sub = cli_plugin_subcommand(a.pos[1]);
        if (!sub)
            return cli_usage_error("plugin", "unknown subcommand \"%s\"",
                                   a.pos[1]);
        return cli_print_help(sub);
    }
    return cli_print_help(c);
}

static int serve_main(cli_global *g, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_print_help(&cmd_serve);
    return wxd_serve_main_db(g->db, argc, argv);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    cli_global g = {NULL, false};
    int i = 1, took;
    for (; i < argc; i++) {
        const char *w = argv[i];
        if (strcmp(w, "--json") == 0) {
            g.json = true;
            cli_set_json_errors(true);
        } else if ((took = cli_take_registry(argc, argv, &i, &g.db)) != 0) {
            if (took < 0)
                return CLI_EXIT_USAGE;
        } else if (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0) {
            print_main_help(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(w, "--version") == 0) {
            argv[i] = (char *)"version";
            break;
        } else if (w[0] == '-') {
            return cli_usage_error(NULL, "unknown option %s", w);
        } else {
            break;
        }
    }
    if (i == argc) {
        print_main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const cli_command *c = find_command(argv[i]);
    if (!c)
        return cli_usage_error(NULL, "unknown command \"%s\"", argv[i]);
    int rc = c->main(&g, argc - i, argv + i);
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        /* stdout is what failed: say it on stderr. */
        cli_set_json_errors(false);
        cli_error(WX_EIO, "cannot write the output");
        rc = CLI_EXIT_FAILED;
    }
    return rc;
}
