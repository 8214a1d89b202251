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

#endif
