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

/*
 * For callers that run several calls on one instance (a batch): attach
 * the instance to the calling thread's scope once for all of them, then
 * call wxa_call or wx_call directly. Attach returns false when the scope
 * was fired already (run nothing); detach returns whether the scope was
 * fired while attached: the instance's interrupt flag is then set, and it
 * must go back to its pool as failed. Without a scope, attach returns
 * true and detach false.
 */
bool wx_cancel_attach_(wx_instance *inst);
bool wx_cancel_detach_(void);

/* Whether the calling thread has a cancel scope (cancel.h): calls made
 * without one need not go through wx_cancel_call_. */
bool wx_cancel_scoped_(void);

#endif
