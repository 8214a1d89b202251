/*
 * Guest output and the memory budget, seen from the daemon: a guest's
 * line that embeds a newline and a fake daemon log line reaches the
 * daemon's log escaped and prefixed, so every line of the log is either
 * the daemon's own (a timestamp first) or starts with "[guest " and names
 * the plugin and the function that wrote it ("[guest gout.forge "); a flood
 * is bounded per plugin and counted; /metrics shows the lines, the drops,
 * the bounds, and the memory budget ($WASMEXT_MEMORY_BUDGET, used by the
 * plugin's instances). A bad budget or an empty registry file stops the
 * start with a message naming it. The guest is guestout.wat.
 */
#include "check.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* include/wasmext/defaults.h: WX_DEFAULT_GUEST_LOG_RATE, WX_GUEST_LINE_MAX
 * (the daemon tests see only the daemon, not the library's headers). */
#define GUEST_LOG_RATE 65536
#define GUEST_LINE_MAX 1024

static rt_daemon d;

static char *scrape(void)
{
    rt_resp r = rt_req(&d, "GET", "/metrics", NULL);
    CHECK_STATUS(r, 200);
    char *text = r.body ? strdup(r.body) : strdup("");
    rt_free(&r);
    return text;
}

/* A line of the daemon's own: "2024-05-01T12:00:00.123Z level ...". */
static bool daemon_line(const char *l)
{
    return strlen(l) > 25 && l[4] == '-' && l[10] == 'T' && l[23] == 'Z' &&
           l[24] == ' ';
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    setenv("WASMEXT_MEMORY_BUDGET", "64M", 1);
    if (!rt_start(&d, rt_tmp("registry.db"), (char *)NULL)) {
        CHECK_MSG(0, "the daemon did not start");
        return rt_finish(CHECK_DONE());
    }
    char *cfg = rt_config("gout", rt_guest("guestout.wasm"),
                          "[\"forge\", \"flood\"]", "\"instance_num\": 2");
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);

    r = rt_req(&d, "POST", "/functions/forge", "{\"args\": []}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    /* 3000 lines of 54 bytes, 162000 bytes: over the 64 KiB a second. */
    r = rt_req(&d, "POST", "/functions/flood", "{\"args\": [3000]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);

    char *m = scrape();
    double lines = rt_series(m, "wasmext_plugin_output_lines_total{plugin="
                               "\"gout\"}");
    double dropped = rt_series(m, "wasmext_plugin_output_dropped_lines_total"
                                 "{plugin=\"gout\"}");
    CHECK_MSG(lines >= 3 && dropped >= 1 && lines + dropped == 3002,
              "lines %g, dropped %g", lines, dropped);
    CHECK(rt_series(m, "wasmext_plugin_output_dropped_bytes_total{plugin="
                      "\"gout\"}") == dropped * 54);
    CHECK(rt_series(m, "wasmext_plugin_output_rate_bytes{plugin=\"gout\"}") ==
          GUEST_LOG_RATE);
    CHECK(rt_series(m, "wasmext_plugin_output_line_max_bytes{plugin="
                      "\"gout\"}") == GUEST_LINE_MAX);
    CHECK(rt_series(m, "wasmext_memory_budget_bytes") == 64.0 * 1024 * 1024);
    /* Two instances of one page each. */
    CHECK_MSG(rt_series(m, "wasmext_memory_used_bytes") == 2 * 65536.0,
              "%g", rt_series(m, "wasmext_memory_used_bytes"));
    CHECK(rt_series(m, "wasmext_memory_refused_total") == 0);
    CHECK(rt_series(m, "wasmext_plugin_instances_trimmed_total{plugin="
                      "\"gout\"}") == 0);
    free(m);

    /* The log, whole once the daemon has stopped: the forged line is
     * inside a guest line, escaped; no line is neither the daemon's nor a
     * guest's. */
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    char *log = rt_log(&d);
    CHECK(strstr(log, "[guest gout.forge stderr] 2026-01-01T00:00:00.000Z "
                      "error forged\\rX\\x1b[31m") != NULL);
    size_t bad = 0, guest = 0;
    for (char *l = log; *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        bool ours = strncmp(l, "[guest gout.forge ", 18) == 0 ||
                    strncmp(l, "[guest gout.flood ", 18) == 0;
        if (ours)
            guest++;
        else if (!daemon_line(l))
            bad++;
        if (strstr(l, "error forged") &&
            strncmp(l, "[guest gout.forge ", 18) != 0)
            bad++;
        if (!nl)
            break;
        l = nl + 1;
    }
    CHECK_MSG(bad == 0, "%zu lines of the log are neither the daemon's nor "
                        "a guest's", bad);
    CHECK(guest == (size_t)lines);
    free(log);

    /* A memory budget that is not a size stops the start. */
    rt_daemon bad_d;
    setenv("WASMEXT_MEMORY_BUDGET", "lots", 1);
    CHECK(!rt_start(&bad_d, rt_tmp("registry.db"), (char *)NULL));
    char *blog = rt_log(&bad_d);
    CHECK_MSG(strstr(blog, "$WASMEXT_MEMORY_BUDGET: memory budget \"lots\"")
                  != NULL, "%s", blog);
    free(blog);
    unsetenv("WASMEXT_MEMORY_BUDGET");

    /* An empty registry file stops the start, named, rather than being
     * served as an empty registry. */
    rt_write(rt_tmp("empty.db"), "");
    CHECK(!rt_start(&bad_d, rt_tmp("empty.db"), (char *)NULL));
    blog = rt_log(&bad_d);
    CHECK_MSG(strstr(blog, "empty.db: the file is empty (0 bytes), not a "
                           "registry") != NULL, "%s", blog);
    free(blog);
    return rt_finish(CHECK_DONE());
}
