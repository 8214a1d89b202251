/* The `spectest` host module that the official spec tests import from. */
#ifndef WX_SPEC_SPECTEST_H
#define WX_SPEC_SPECTEST_H

#include "wasmext/engine.h"

/* Defines spectest.print*, global_*, table and memory in `l`. */
wx_status spec_define_spectest(wx_linker *l, wx_error *err);

#endif
