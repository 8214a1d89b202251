/*
 * Following the registry: what a manager knows of the registry's health,
 * and wx_manager_follow, the round a daemon's follower thread runs in a
 * loop so that changes made by other processes (another daemon, the
 * command line) reach this one.
 *
 * A round waits on a registry handle of its own (the watch,
 * wxg_registry_open_watch): a Redis SUBSCRIBE connection, or SQLite reads
 * of the revision every 100 ms. Waiting on the manager's own handle would
 * hold the admin lock, and so every change, for the whole wait. The wait
 * only says that something may have changed; the sync after it (under
 * admin, on the manager's handle) compares revisions and does the work.
 * That sync runs at the end of every round, notified or not, so a lost
 * notification (a dropped connection) costs one round at most.
 *
 * The health is kept apart from admin, under a lock of its own: /metrics
 * and /healthz read it while a sync may hold admin for seconds (a plugin
 * compiling).
 */
#include "manager.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void wxm_health_init(wx_manager *m)
{
    pthread_mutex_init(&m->health_lock, NULL);
    pthread_mutex_init(&m->follow_lock, NULL);
    m->synced_rev = -1;
    m->health.up = true;
    m->health.revision = -1;
}

void wxm_health_destroy(wx_manager *m)
{
    pthread_mutex_destroy(&m->follow_lock);
    pthread_mutex_destroy(&m->health_lock);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wxm_health_up(wx_manager *m, bool synced, bool resynced, int64_t rev)
{
    pthread_mutex_lock(&m->health_lock);
    m->health.up = true;
    if (synced)
        m->health.syncs++;
    if (resynced)
        m->health.resyncs++;
    if (rev >= 0) {
        m->health.revision = rev;
        m->health.synced_ms = now_ms();
    }
    pthread_mutex_unlock(&m->health_lock);
}

void wxm_health_down(wx_manager *m, bool sync, const wx_error *why)
{
    pthread_mutex_lock(&m->health_lock);
    m->health.up = false;
    if (sync)
        m->health.sync_failures++;
    snprintf(m->health.error, sizeof m->health.error, "%s", why->message);
    pthread_mutex_unlock(&m->health_lock);
}

bool wxm_registry_probe(wx_manager *m, wx_status s)
{
    /* The refusals a reachable registry gives: the change itself was
     * wrong, the store is fine. */
    if (s == WX_OK || s == WX_EEXIST || s == WX_ENOPLUGIN || s == WX_EARG)
        return false;
    int64_t rev;
    wx_error e;
    wx_error_clear(&e);
    if (wxg_registry_revision(m->reg, &rev, &e) == WX_OK)
        return false;
    wxm_health_down(m, false, &e);
    return true;
}

void wx_manager_registry_health(wx_manager *m, wx_registry_health *out)
{
    pthread_mutex_lock(&m->health_lock);
    *out = m->health;
    pthread_mutex_unlock(&m->health_lock);
}

/* Sleeps until `deadline` (mono_ms time). */
static void sleep_until(int64_t deadline)
{
    int64_t left = deadline - mono_ms();
    if (left <= 0)
        return;
    struct timespec ts = {left / 1000, (long)(left % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The revision the table is in line with, read under admin (a sync may be
 * moving it). */
static int64_t synced_revision(wx_manager *m)
{
    pthread_mutex_lock(&m->admin);
    int64_t rev = m->synced_rev;
    pthread_mutex_unlock(&m->admin);
    return rev;
}

/*
 * Waits for a sign of change on the watch handle, opening it first if
 * needed. WX_OK or WX_ETIMEOUT: sync now; WX_EIO (the registry cannot be
 * reached, `err` says why): the health says so, and the round ends after
 * its time. follow_lock held.
 */
static wx_status watch_wait(wx_manager *m, int timeout_ms, wx_error *err)
{
    /* A registry in this process's memory has no other writer: its watch
     * would be a store of its own, with nothing to wait for. */
    if (wx_registry_store_of(m->open_path) == WX_STORE_MEMORY) {
        sleep_until(mono_ms() + timeout_ms);
        return WX_ETIMEOUT;
    }
    if (!m->watch && !(m->watch = wxg_registry_open_watch(m->open_path, err)))
        return err->status == WX_ENOMEM ? WX_ENOMEM : WX_EIO;
    return wxg_registry_wait(m->watch, synced_revision(m), timeout_ms, err);
}

wx_status wx_manager_follow(wx_manager *m, int timeout_ms, wx_error *err)
{
    wx_error local;
    if (!err)
        err = &local;
    wx_error_clear(err);
    if (timeout_ms < 0)
        timeout_ms = 0;
    int64_t deadline = mono_ms() + timeout_ms;
    pthread_mutex_lock(&m->follow_lock);
    /* While the registry is down, a round tries the sync at once: it is
     * what finds the registry back, and a wait would only delay that. */
    pthread_mutex_lock(&m->health_lock);
    bool down = !m->health.up;
    pthread_mutex_unlock(&m->health_lock);
    bool waited = false;
    if (!down) {
        wx_status w = watch_wait(m, timeout_ms, err);
        waited = w == WX_OK || w == WX_ETIMEOUT;
    }
    if (!waited) {
        /* The watch reconnects at the next round: a handle that lost its
         * server is not trusted to recover by itself. The sync below
         * says whether the registry is down, or the watch alone was. */
        wxg_registry_close(m->watch);
        m->watch = NULL;
    }
    wx_status s = wx_manager_sync(m, err);
    pthread_mutex_unlock(&m->follow_lock);
    /* A round that could not wait is waited out here, so that a caller's
     * loop retries once a round instead of spinning; unless it just found
     * the registry back, when the next round may wait as usual. */
    if (!waited && !(down && s == WX_OK))
        sleep_until(deadline);
    return s;
}
