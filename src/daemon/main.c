/*
 * wasmext-serve: the daemon on its own, for the tests and for hosts that
 * want it without the rest of the command. `wasmext serve` is the same.
 */
#include "daemon.h"

int main(int argc, char **argv)
{
    return wxd_serve_main(argc, argv);
}
