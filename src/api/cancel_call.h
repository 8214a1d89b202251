/*
 * The manager's side of cancel.h: wxa_call run under the calling thread's
 * cancel scope, if it has one. Internal to the framework library; the
 * doors see only cancel.h.
 */
#ifndef WASMEXT_API_CANCEL_CALL_H
#define WASMEXT_API_CANCEL_CALL_H

#include "abi.h"

#include <stdbool.h>

wx_status wx_cancel_call_(wx_instance *inst, const wxa_fn *fn,
                          const wxa_value *args, size_t nargs,
                          wxa_results *out, wx_error *err);

/* Whether the calling thread has a cancel scope (cancel.h): calls made
 * without one need not go through wx_cancel_call_. */
bool wx_cancel_scoped_(void);

#endif
