/*
 * The follower: one thread per daemon that keeps its plugins in line with
 * the registry when another process changes it (another daemon sharing a
 * Redis registry, `wasmext plugin add` on the daemon's SQLite file). It
 * runs wx_manager_follow in a loop: each round waits up to WXD_FOLLOW_MS
 * for a sign of change (Redis pub/sub, or SQLite's revision read every
 * 100 ms) and then syncs, which costs one revision read when nothing
 * changed. A sync swaps a changed plugin in as a local update does (no
 * call fails, none starts on the old version afterwards), so this file
 * only has to say what happened: it bumps the server's generation after
 * a sync that changed something, so that the call threads' cached
 * handles are resolved again (a name may now mean another plugin), and
 * logs when the registry goes down and comes back.
 *
 * While the registry cannot be reached, the plugins loaded keep serving,
 * changes are refused (plugins.c: 503), /healthz and /metrics say so, and
 * each round retries: the manager's handle reconnects by itself, the
 * watch is opened again. The stop is the `stop` flag, seen within one
 * round.
 */
#include "wxd.h"

#include <stdio.h>
#include <string.h>

/* One round. A change made elsewhere is seen within about this much when
 * its notification is lost, and the stop waits at most this much. */
#define WXD_FOLLOW_MS 500

static void log_transition(wxd_server *s, const wx_registry_health *was,
                           const wx_registry_health *now)
{
    if (was->up && !now->up)
        wxd_logf(&s->log, WXD_WARN,
                 "registry unreachable: %s; serving the plugins loaded, "
                 "refusing changes, retrying every %d ms",
                 now->error, WXD_FOLLOW_MS);
    else if (!was->up && now->up)
        wxd_logf(&s->log, WXD_INFO,
                 "registry %s is reachable again (revision %lld)",
                 wx_manager_db_path(s->mgr), (long long)now->revision);
}

static void *follow_main(void *arg)
{
    wxd_server *s = arg;
    wx_registry_health was, now;
    wx_manager_registry_health(s->mgr, &was);
    while (!atomic_load_explicit(&s->follow_stop, memory_order_acquire)) {
        wx_error err;
        wx_manager_follow(s->mgr, WXD_FOLLOW_MS, &err);
        wx_manager_registry_health(s->mgr, &now);
        if (now.resyncs != was.resyncs) {
            atomic_fetch_add_explicit(&s->generation, 1, memory_order_release);
            wxd_logf(&s->log, WXD_INFO,
                     "registry revision %lld: plugins synced (changed by "
                     "another process)",
                     (long long)now.revision);
        }
        log_transition(s, &was, &now);
        was = now;
    }
    return NULL;
}

bool wxd_follow_start(wxd_server *s, char *why, size_t wsize)
{
    atomic_store(&s->follow_stop, false);
    int rc = pthread_create(&s->follower, NULL, follow_main, s);
    if (rc != 0) {
        snprintf(why, wsize, "cannot start the registry follower: %s",
                 strerror(rc));
        return false;
    }
    s->following = true;
    return true;
}

void wxd_follow_stop(wxd_server *s)
{
    if (!s->following)
        return;
    atomic_store_explicit(&s->follow_stop, true, memory_order_release);
    pthread_join(s->follower, NULL);
    s->following = false;
}
