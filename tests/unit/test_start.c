/*
 * Deferred start functions (wx_instance_opts.defer_start): the caller gets
 * the instance before the start function runs, so a start that loops can
 * be interrupted. Also: traps name the function by its export when the
 * module has no name section.
 */
#include "check.h"
#include "wasmext/engine.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

/* wat2wasm of (no name section):
 * (module
 *   (global $n (mut i32) (i32.const 0))
 *   (func $start (loop $l (global.set $n (i32.add (global.get $n)
 *                                                 (i32.const 1))) (br $l)))
 *   (func (export "count") (result i32) (global.get $n))
 *   (func (export "div") (param i32 i32) (result i32)
 *     (i32.div_s (local.get 0) (local.get 1)))
 *   (start $start)) */
static const uint8_t looping_start[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60,
    0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
    0x03, 0x04, 0x03, 0x00, 0x01, 0x02, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41,
    0x00, 0x0b, 0x07, 0x0f, 0x02, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00,
    0x01, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02, 0x08, 0x01, 0x00, 0x0a, 0x1d,
    0x03, 0x0e, 0x00, 0x03, 0x40, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00,
    0x0c, 0x00, 0x0b, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x07, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x6d, 0x0b};

static void *interrupt_later(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wx_instance_interrupt(arg);
    return NULL;
}

int main(void)
{
    wx_error err;
    wx_error_clear(&err);
    wx_module *m =
        wx_module_load(looping_start, sizeof looping_start, NULL, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return CHECK_DONE();

    wx_instance_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.defer_start = true;

    /* The start function loops forever: deferred, it can be stopped. */
    wx_instance *inst = wx_instantiate(m, NULL, &opts, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    if (inst) {
        pthread_t t;
        pthread_create(&t, NULL, interrupt_later, inst);
        wx_status s = wx_instance_start(inst, &err);
        pthread_join(t, NULL);
        CHECK_MSG(s == WX_EINTERRUPTED, "status %s: %s", wx_status_name(s),
                  err.message);
        wx_instance_free(inst);
    }

    /* Before its start runs, an instance's exports work; a trap names the
     * exported function although there is no name section. */
    inst = wx_instantiate(m, NULL, &opts, &err);
    CHECK(inst != NULL);
    if (inst) {
        wx_wasm_val args[2] = {wx_wasm_i32(7), wx_wasm_i32(0)};
        wx_wasm_val res;
        wx_status s =
            wx_call(wx_instance_func(inst, "div"), args, 2, &res, 1, &err);
        CHECK(s == WX_ETRAP && err.trap == WX_TRAP_DIV_ZERO);
        CHECK_MSG(strstr(err.message, "(\"div\")") != NULL, "%s",
                  err.message);
        /* A reused error object does not keep the old trap kind. */
        s = wx_call(wx_instance_func(inst, "div"), args, 1, &res, 1, &err);
        CHECK(s == WX_EARG && err.trap == WX_TRAP_NONE);
        s = wx_call(wx_instance_func(inst, "count"), NULL, 0, &res, 1, &err);
        CHECK(s == WX_OK && res.of.i32 == 0);
        wx_instance_free(inst);
    }

    wx_module_free(m);
    return CHECK_DONE();
}
