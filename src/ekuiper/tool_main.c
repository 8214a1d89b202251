/*
 * wasmext-ekuiper: `wasmext ekuiper` as a program of its own, for the
 * tests and for builds whose CLI does not have the command yet. It takes
 * the same words after its name as `wasmext` does, "ekuiper" included
 * (so that a package's script runs it like the full CLI), or without it:
 *
 *   wasmext-ekuiper ekuiper pack fib.json -o fib.zip
 *   wasmext-ekuiper pack fib.json -o fib.zip
 */
#include "ekuiper.h"

#include <string.h>

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "ekuiper") == 0)
        return wxk_main(argc - 1, argv + 1);
    return wxk_main(argc, argv);
}
