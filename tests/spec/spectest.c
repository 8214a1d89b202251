/*
 * The `spectest` host module, as the reference interpreter defines it: print
 * functions that do nothing here, four immutable globals holding 666, a
 * funcref table of 10 to 20 elements, the same with 64-bit indices
 * ("table64", WebAssembly 3.0) and a memory of 1 to 2 pages.
 */
#include "spectest.h"

#include <stddef.h>

static wx_status print_nothing(wx_host_ctx *ctx, const wx_wasm_val *args,
                               wx_wasm_val *results, void *env)
{
    (void)ctx;
    (void)args;
    (void)results;
    (void)env;
    return WX_OK;
}

static const wx_valtype p_i32[] = {WX_I32};
static const wx_valtype p_i64[] = {WX_I64};
static const wx_valtype p_f32[] = {WX_F32};
static const wx_valtype p_f64[] = {WX_F64};
static const wx_valtype p_i32_f32[] = {WX_I32, WX_F32};
static const wx_valtype p_f64_f64[] = {WX_F64, WX_F64};

static const struct {
    const char *name;
    wx_functype type;
} print_funcs[] = {
    {"print", {0, 0, NULL, NULL}},
    {"print_i32", {1, 0, p_i32, NULL}},
    {"print_i64", {1, 0, p_i64, NULL}},
    {"print_f32", {1, 0, p_f32, NULL}},
    {"print_f64", {1, 0, p_f64, NULL}},
    {"print_i32_f32", {2, 0, p_i32_f32, NULL}},
    {"print_f64_f64", {2, 0, p_f64_f64, NULL}},
};

static wx_status define_global(wx_linker *l, const char *name, wx_wasm_val v,
                               wx_error *err)
{
    wx_extern ext = {.kind = WX_EXTERN_GLOBAL};
    ext.of.global = wx_global_new(v, false, err);
    if (!ext.of.global)
        return err ? err->status : WX_ENOMEM;
    wx_status s = wx_linker_define(l, "spectest", name, ext, err);
    if (s != WX_OK)
        wx_extern_free(ext);
    return s;
}

static wx_status define_table(wx_linker *l, const char *name, bool addr64,
                              wx_error *err)
{
    wx_limits lim = {.min = 10, .max = 20, .has_max = true, .addr64 = addr64};
    wx_extern ext = {.kind = WX_EXTERN_TABLE};
    ext.of.table = wx_table_new(WX_FUNCREF, lim, err);
    if (!ext.of.table)
        return err ? err->status : WX_ENOMEM;
    wx_status s = wx_linker_define(l, "spectest", name, ext, err);
    if (s != WX_OK)
        wx_extern_free(ext);
    return s;
}

static wx_status define_memory(wx_linker *l, wx_error *err)
{
    wx_limits lim = {.min = 1, .max = 2, .has_max = true};
    wx_extern ext = {.kind = WX_EXTERN_MEMORY};
    ext.of.memory = wx_memory_new(lim, err);
    if (!ext.of.memory)
        return err ? err->status : WX_ENOMEM;
    wx_status s = wx_linker_define(l, "spectest", "memory", ext, err);
    if (s != WX_OK)
        wx_extern_free(ext);
    return s;
}

wx_status spec_define_spectest(wx_linker *l, wx_error *err)
{
    wx_status s = WX_OK;
    for (size_t i = 0;
         s == WX_OK && i < sizeof print_funcs / sizeof print_funcs[0]; i++)
        s = wx_linker_define_func(l, "spectest", print_funcs[i].name,
                                  &print_funcs[i].type, print_nothing, NULL,
                                  err);
    if (s == WX_OK)
        s = define_global(l, "global_i32", wx_wasm_i32(666), err);
    if (s == WX_OK)
        s = define_global(l, "global_i64", wx_wasm_i64(666), err);
    if (s == WX_OK)
        s = define_global(l, "global_f32", wx_wasm_f32(666.6f), err);
    if (s == WX_OK)
        s = define_global(l, "global_f64", wx_wasm_f64(666.6), err);
    if (s == WX_OK)
        s = define_table(l, "table", false, err);
    if (s == WX_OK)
        s = define_table(l, "table64", true, err);
    if (s == WX_OK)
        s = define_memory(l, err);
    return s;
}
