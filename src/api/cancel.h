/*
 * Cancelling a call from another thread: a scope that a thread enters
 * around its calls (wx_call_json, wx_call_argv, wx_call_values and
 * wx_fn_call_values: every call that goes through the ABI layer), and
 * that any thread may fire. Firing interrupts the guest the scope's
 * thread is running (wx_instance_interrupt), or makes its next call fail
 * at once; the call ends with WX_EINTERRUPTED and, as after any guest
 * failure, its instance is replaced, so it goes back to its pool at once
 * instead of at the call's timeout.
 *
 * The REST daemon uses it to stop a call whose client went away.
 *
 * The hook: the manager runs each ABI call through wx_cancel_call_()
 * (src/manager/manager_abi.c), which attaches the leased instance to the
 * calling thread's scope for the length of the call. A thread outside any
 * scope pays one thread-local read.
 */
#ifndef WASMEXT_API_CANCEL_H
#define WASMEXT_API_CANCEL_H

#include "wasmext.h"

#include <stdbool.h>

typedef struct wx_cancel wx_cancel;

/* A scope, not fired; NULL if out of memory. */
wx_cancel *wx_cancel_new(void);
/* Frees it; no thread may be inside it. */
void wx_cancel_free(wx_cancel *c);
/* The calling thread's calls run under `c` until wx_cancel_leave (one
 * scope per thread at a time). */
void wx_cancel_enter(wx_cancel *c);
void wx_cancel_leave(void);
/* Any thread, any number of times: the call running under `c`, if any,
 * is interrupted, and later calls under it fail at once. Returns whether
 * a call was running under it. */
bool wx_cancel_fire(wx_cancel *c);
bool wx_cancel_fired(wx_cancel *c);

#endif
