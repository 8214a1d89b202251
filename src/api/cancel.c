/*
 * Call cancellation (cancel.h). The scope holds the instance its thread
 * is running a call on, under a mutex, so that a fire either sees the
 * instance (and interrupts it while the call still runs on it) or sees
 * none (before the call took it, or after it let go): it never sets the
 * interrupt flag of an instance that went back to its pool healthy, which
 * would fail that instance's next, unrelated call.
 */
#include "cancel.h"
#include "cancel_call.h"

#include "abi.h"

#include <pthread.h>
#include <stdlib.h>

struct wx_cancel {
    pthread_mutex_t lock;
    wx_instance *inst; /* the instance of the call running under it */
    bool fired;
    bool hit; /* fired while a call ran: that call's outcome is void */
};

static _Thread_local wx_cancel *scope;

wx_cancel *wx_cancel_new(void)
{
    wx_cancel *c = calloc(1, sizeof *c);
    if (c)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

void wx_cancel_free(wx_cancel *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void wx_cancel_enter(wx_cancel *c)
{
    scope = c;
}

void wx_cancel_leave(void)
{
    scope = NULL;
}

bool wx_cancel_fire(wx_cancel *c)
{
    pthread_mutex_lock(&c->lock);
    c->fired = true;
    bool running = c->inst != NULL;
    if (running) {
        wx_instance_interrupt(c->inst);
        c->hit = true;
    }
    pthread_mutex_unlock(&c->lock);
    return running;
}

bool wx_cancel_fired(wx_cancel *c)
{
    pthread_mutex_lock(&c->lock);
    bool f = c->fired;
    pthread_mutex_unlock(&c->lock);
    return f;
}

bool wx_cancel_scoped_(void)
{
    return scope != NULL;
}

wx_status wx_cancel_call_(wx_instance *inst, const wxa_fn *fn,
                          const wxa_value *args, size_t nargs,
                          wxa_results *out, wx_error *err)
{
    wx_cancel *c = scope;
    if (!c)
        return wxa_call(inst, fn, args, nargs, out, err);
    pthread_mutex_lock(&c->lock);
    bool fired = c->fired;
    if (!fired)
        c->inst = inst;
    pthread_mutex_unlock(&c->lock);
    if (fired) {
        out->count = 0;
        return wx_error_set(err, WX_EINTERRUPTED,
                            "call cancelled before it started");
    }
    wx_status s = wxa_call(inst, fn, args, nargs, out, err);
    pthread_mutex_lock(&c->lock);
    c->inst = NULL;
    bool hit = c->hit;
    c->hit = false;
    pthread_mutex_unlock(&c->lock);
    if (!hit)
        return s;
    /* The flag is set on this instance: whatever the call returned, the
     * instance must not go back to the pool as healthy (the pool replaces
     * instances whose call failed). */
    if (s == WX_OK)
        wxa_results_free(out);
    if (s == WX_OK || s == WX_EGUEST || s == WX_EINTERRUPTED)
        s = wx_error_set(err, WX_EINTERRUPTED, "call cancelled");
    return s;
}

bool wx_cancel_attach_(wx_instance *inst)
{
    wx_cancel *c = scope;
    if (!c)
        return true;
    pthread_mutex_lock(&c->lock);
    bool fired = c->fired;
    if (!fired)
        c->inst = inst;
    pthread_mutex_unlock(&c->lock);
    return !fired;
}

bool wx_cancel_detach_(void)
{
    wx_cancel *c = scope;
    if (!c)
        return false;
    pthread_mutex_lock(&c->lock);
    c->inst = NULL;
    bool hit = c->hit;
    c->hit = false;
    pthread_mutex_unlock(&c->lock);
    return hit;
}
