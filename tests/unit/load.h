/*
 * Loading a module embedded in a unit test: a refusal is a failed check
 * that names the engine's message, and the caller gets NULL.
 */
#ifndef WX_TEST_LOAD_H
#define WX_TEST_LOAD_H

#include "check.h"
#include "wasmext/engine.h"

static inline wx_module *load(const uint8_t *bytes, size_t len)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    CHECK_MSG(m != NULL, "load: %s", err.message);
    return m;
}

/* Calls export `name` of `inst`: a missing export is a failed check
 * (WX_ENOEXPORT), anything else is wx_call's status. */
static inline wx_status call_export(wx_instance *inst, const char *name,
                                    const wx_wasm_val *args, size_t nargs,
                                    wx_wasm_val *res, size_t nres,
                                    wx_error *err)
{
    wx_wasm_func *f = wx_instance_func(inst, name);
    wx_error_clear(err);
    CHECK_MSG(f != NULL, "no export %s", name);
    if (!f)
        return WX_ENOEXPORT;
    return wx_call(f, args, nargs, res, nres, err);
}

#endif
