/*
 * `wasmext ekuiper`: dispatch to pack and plugin, and the command's help
 * (the CLI's `wasmext help ekuiper` prints it too).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char wxk_help[] =
    "Usage: wasmext ekuiper pack CONFIG.json [-o NAME.zip] [--wasmext PATH]\n"
    "       wasmext ekuiper plugin CONFIG.json [PORTABLE_CONFIG]\n"
    "\n"
    "eKuiper 2.x portable plugins: wasm functions callable from eKuiper SQL\n"
    "rules (SELECT fib(n) FROM demo).\n"
    "\n"
    "  pack    builds the zip to install with POST /plugins/portables: the\n"
    "          config, its .wasm, a copy of this wasmext and the script\n"
    "          eKuiper runs\n"
    "  plugin  plugin mode, what that script runs: serves the config's\n"
    "          functions to eKuiper over NNG IPC\n"
    "\n"
    "'wasmext ekuiper pack --help' and 'wasmext ekuiper plugin --help' say\n"
    "more; docs/ekuiper.md describes the protocol and the package.\n"
    "\n"
    "Examples:\n"
    "  wasmext ekuiper pack fib.json -o fibonacci.zip\n"
    "  curl -X POST http://127.0.0.1:9081/plugins/portables \\\n"
    "       -d "
    "'{\"name\":\"fibonacci\",\"file\":\"file:///tmp/fibonacci.zip\"}'\n";

int wxk_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(wxk_help, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "pack") == 0)
        return wxk_pack_main(argc - 1, argv + 1);
    if (strcmp(sub, "plugin") == 0)
        return wxk_plugin_main(argc - 1, argv + 1);
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 ||
        strcmp(sub, "help") == 0) {
        fputs(wxk_help, stdout);
        return 0;
    }
    fprintf(stderr,
            "wasmext: ekuiper: unknown subcommand \"%s\" (pack, plugin)\n"
            "Try 'wasmext ekuiper --help'.\n",
            sub);
    return 2;
}
