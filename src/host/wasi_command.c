/*
 * Entry points of WASI modules: a reactor's `_initialize`, run once per
 * instance before its exports are called; a command's `_start`, whose
 * proc_exit code is the result; and a whole command run for
 * `wasmext run FILE.wasm`.
 */
#include "wasi_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Prefixes err's message with the entry's name, keeping its status. */
static wx_status name_entry(wx_error *err, wx_status s, const char *entry)
{
    if (err && s != WX_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        wx_trap trap = err->trap;
        int code = err->exit_code;
        wx_error_set(err, s, "%s: %s", entry, why);
        err->trap = trap;
        err->exit_code = code;
    }
    return s;
}

wx_status wxw_start(wx_instance *inst, int *exit_code, wx_error *err)
{
    if (exit_code)
        *exit_code = 0;
    wx_wasm_func *f = inst ? wx_instance_func(inst, "_start") : NULL;
    if (!f)
        return wx_error_set(err, WX_ENOEXPORT,
                            "the module exports no _start (not a WASI "
                            "command)");
    wx_error local;
    wx_error *e = err ? err : &local;
    wx_status s = wx_call(f, NULL, 0, NULL, 0, e);
    if (s == WX_EEXIT) {
        if (exit_code)
            *exit_code = e->exit_code;
        wx_error_clear(e);
        return WX_OK;
    }
    return s;
}

wx_status wxw_init_instance(wx_instance *inst, wxw_init mode, wx_error *err)
{
    if (!inst)
        return wx_error_set(err, WX_EARG, "WASI: missing instance");
    if (mode == WXW_INIT_NONE)
        return WX_OK;
    if (mode == WXW_INIT_START) {
        int code;
        wx_status s = wxw_start(inst, &code, err);
        if (s == WX_OK && code != 0) {
            s = wx_error_set(err, WX_EEXIT,
                             "guest exited with code %d (proc_exit)", code);
            if (err)
                err->exit_code = code;
        }
        return name_entry(err, s, "_start");
    }
    wx_wasm_func *f = wx_instance_func(inst, "_initialize");
    if (!f) {
        if (mode == WXW_INIT_AUTO)
            return WX_OK;
        return wx_error_set(err, WX_ENOEXPORT,
                            "the module exports no _initialize (not a WASI "
                            "reactor)");
    }
    wx_error local;
    wx_error *e = err ? err : &local;
    wx_status s = wx_call(f, NULL, 0, NULL, 0, e);
    /* An initializer that exits with 0 has done its work. */
    if (s == WX_EEXIT && e->exit_code == 0) {
        wx_error_clear(e);
        s = WX_OK;
    }
    return name_entry(err, s, "_initialize");
}

/* Hands kept output to the options' callback at the end of a run. */
static void drain_to(void *ud, int fd, const uint8_t *data, size_t len,
                     uint64_t dropped)
{
    const wxw_opts *o = ud;
    if (len)
        o->on_output(o->ud, fd, data, len);
    if (dropped) {
        char note[96];
        int n = snprintf(note, sizeof note,
                         "\n[output truncated: %llu bytes dropped]\n",
                         (unsigned long long)dropped);
        o->on_output(o->ud, fd, (const uint8_t *)note, (size_t)n);
    }
}

wx_status wxw_run_command(const wx_module *m, const wxw_opts *opts,
                          int *exit_code, wx_error *err)
{
    wx_status s;
    wx_instance *inst = NULL;
    wx_linker *l = NULL;
    if (exit_code)
        *exit_code = 0;
    if (!m)
        return wx_error_set(err, WX_EARG, "WASI: missing module");
    wxw_ctx *ctx = wxw_ctx_new(opts, err);
    if (!ctx)
        return err ? err->status : WX_EARG;
    if (!(l = wx_linker_new(err))) {
        s = err ? err->status : WX_ENOMEM;
        goto fail_linker;
    }
    if ((s = wxw_define(l, m, ctx, err)) != WX_OK)
        goto fail_define;
    if (!(inst = wx_instantiate(m, l, NULL, err))) {
        s = err ? err->status : WX_EUNLINKABLE;
        goto fail_define;
    }
    s = wxw_start(inst, exit_code, err);
    if (opts && opts->on_output)
        wxw_ctx_drain(ctx, drain_to, (void *)opts);
    wx_instance_free(inst);
fail_define:
    wx_linker_free(l);
fail_linker:
    wxw_ctx_free(ctx);
    return s;
}
