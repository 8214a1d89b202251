/*
 * wasi_run: `wasmext run FILE.wasm` reduced to the engine and the WASI host
 * (libwxengine.a + libwxwasi.a, nothing but libc besides), for the start-up
 * benchmark (bench/coldload.py): the cost of running a WASI command when
 * the process loads none of the framework's shared libraries. The gap
 * between this and `wasmext run` is what those libraries cost a command.
 *
 *   wasi_run FILE.wasm [ARG...]
 *
 * Loads the module, runs `_start` with this process's stdin, stdout and
 * stderr and the arguments FILE.wasm ARG..., and exits with the guest's
 * exit code (1 with a message on stderr when it could not run).
 */
#include "loadfile.h"
#include <stdio.h>
#include <stdlib.h>

#include "wasi.h"
#include "wasmext/engine.h"

int main(int argc, char **argv)
{
    size_t len;
    uint8_t *bytes;
    wx_error err;
    int code = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.wasm [ARG...]\n", argv[0]);
        return 2;
    }
    if (!(bytes = read_file("wasi_run", argv[1], &len)))
        return 1;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    free(bytes); /* the module keeps what it needs */
    if (!m) {
        fprintf(stderr, "wasi_run: %s: %s\n", argv[1], err.message);
        return 1;
    }
    wxw_opts o = {0};
    o.nargs = (size_t)argc - 1;
    o.args = (const char *const *)argv + 1;
    o.in = WXW_INPUT_INHERIT;
    o.out = WXW_OUTPUT_INHERIT;
    o.err = WXW_OUTPUT_INHERIT;
    if (wxw_run_command(m, &o, &code, &err) != WX_OK) {
        fprintf(stderr, "wasi_run: %s: %s\n", argv[1], err.message);
        code = 1;
    }
    wx_module_free(m);
    return code;
}
