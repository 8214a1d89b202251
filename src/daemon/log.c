/*
 * The daemon's log: one line per event on stderr, with a UTC timestamp
 * to the millisecond and a level, so that a supervisor (systemd, a
 * container runtime) can keep it as is:
 *
 *   2024-05-01T12:00:00.123Z info listening on 127.0.0.1:9281
 *
 * Each line is written with one fprintf call: stdio locks the stream for
 * the call, so lines from worker threads never interleave.
 */
#include "wxd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

bool wxd_level_parse(const char *text, wxd_level *out)
{
    for (int i = WXD_DEBUG; i <= WXD_ERROR; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (wxd_level)i;
            return true;
        }
    }
    if (strcmp(text, "warning") == 0) {
        *out = WXD_WARN;
        return true;
    }
    return false;
}

void wxd_logf(const wxd_log *log, wxd_level level, const char *fmt, ...)
{
    if (!wxd_log_on(log, level))
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A message may quote guest or client text: keep it on one line. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "%s.%03ldZ %s %s\n", stamp, ts.tv_nsec / 1000000L,
            level_names[level], msg);
}
