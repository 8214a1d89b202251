/*
 * eKuiper 2.x portable plugins: the entry points of `wasmext ekuiper`.
 *
 *   wasmext ekuiper pack CONFIG.json -o NAME.zip
 *       builds the zip eKuiper installs through POST /plugins/portables:
 *       NAME.json, an executable script, the wasmext binary, the config
 *       and the .wasm (docs/ekuiper.md).
 *   wasmext ekuiper plugin CONFIG.json [PORTABLE_CONFIG_JSON]
 *       plugin mode, what the packaged script runs: loads the config into
 *       a private registry and speaks the portable-plugin protocol
 *       (shared/ekuiper/PROTOCOL.md section 2) with eKuiper over NNG IPC.
 *
 * Each entry point takes the command line of its subcommand, argv[0]
 * being the subcommand's name ("pack", "plugin"; "ekuiper" for
 * wxk_main), and returns the process exit code: 0 success, 1 failure at
 * run time, 2 usage or config error, as the rest of the CLI.
 */
#ifndef WASMEXT_EKUIPER_EKUIPER_H
#define WASMEXT_EKUIPER_EKUIPER_H

#ifdef __cplusplus
extern "C" {
#endif

/* `ekuiper pack ...` and `ekuiper plugin ...`: dispatches on argv[1]. */
int wxk_main(int argc, char **argv);
int wxk_pack_main(int argc, char **argv);
int wxk_plugin_main(int argc, char **argv);

/* The help of `wasmext ekuiper`, for the CLI's help command. */
extern const char wxk_help[];

#ifdef __cplusplus
}
#endif
#endif
