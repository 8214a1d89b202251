/*
 * eKuiper's built-in SQL function names (builtins.c: the list, its source
 * and version).
 */
#ifndef WASMEXT_EKUIPER_BUILTINS_H
#define WASMEXT_EKUIPER_BUILTINS_H

#include <stdbool.h>

/* Whether eKuiper 2.4.0 has a built-in function of this name (compared as
 * eKuiper does, lower-cased), which would shadow a plugin function. */
bool wxk_is_builtin(const char *name);

#endif
