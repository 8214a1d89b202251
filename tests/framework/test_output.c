/*
 * Guest output as log lines (src/manager/guestlog.c): every line a guest
 * writes to stdout or stderr reaches our stderr as one line that starts
 * with "[guest <plugin>.<function> <stream>] " (the function whose call
 * wrote it; "[guest <plugin> <stream>] " for a line handed over when no
 * call was running, as a freed instance's last line), with newlines
 * splitting lines and
 * every other control character escaped, so a guest cannot forge a line
 * of the daemon's log; a line is cut at WX_GUEST_LINE_MAX bytes; a flood
 * past the plugin's rate is dropped, counted, and noticed; a last line
 * without its newline comes out when its instance goes. Counted in the
 * detailed snapshot's output stats (show's "output"). The guest is
 * output.wat; argv[1] names the guest directory.
 */
#include "fixture.h"

#include <fcntl.h>
#include <time.h>

#define RATE 4096u
/* output.wat's flood line: 54 bytes of text. */
#define FLOOD_LINE 54u

static int saved_stderr = -1;

/* Sends our stderr to a file of the temporary directory until
 * capture_end(), which returns what was written (free it). */
static void capture_start(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    int fd = open(fx_path("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || saved_stderr < 0 || dup2(fd, 2) < 0) {
        perror("capture");
        exit(2);
    }
    close(fd);
}

static char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    FILE *f = fopen(fx_path("stderr.txt"), "rb");
    if (!f)
        exit(2);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    return s;
}

static size_t count_lines(const char *s, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);
    for (const char *l = s; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1
                                                    : l + strlen(l))
        n += strncmp(l, prefix, len) == 0;
    return n;
}

/* Every line of s starts with one of the guest prefixes. */
static bool all_prefixed(const char *s)
{
    for (const char *l = s; *l;) {
        if (strncmp(l, "[guest out.", 11) != 0 &&
            strncmp(l, "[guest out ", 11) != 0)
            return false;
        const char *nl = strchr(l, '\n');
        if (!nl)
            return false; /* every line is whole */
        l = nl + 1;
    }
    return true;
}

static json_int_t output_at(wx_manager *m, const char *key)
{
    json_t *show = fx_json(manager_show(m, "out", NULL));
    json_int_t v = json_integer_value(fx_at(show, "output", key, NULL));
    json_decref(show);
    return v;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    fx_setup(argc, argv);
    wx_error err;
    fx_copy_guest("output", "output.wasm");
    wx_manager_opts o = {0};
    o.guest_log_rate = RATE;
    wx_manager *m = wx_manager_open(fx_path("out.db"), &o, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    if (!m)
        return 1;
    CHECK(fx_add(m, "out", "output.wasm",
                 "[\"forge\",\"flood\",\"long\",\"partial\"]", "", &err) ==
          WX_OK);

    /* A forged daemon line and terminal escapes. */
    capture_start();
    const char *r = fx_call(m, NULL, "forge", "[]");
    char *log = capture_end();
    CHECK_STR(r, "[]");
    CHECK_STR(log, "[guest out.forge stderr] ok\n"
                   "[guest out.forge stderr] 2026-01-01T00:00:00.000Z error "
                   "forged\\rX\\x1b[31m\\x7f\\xc2\\x85\\\\\\xff\xc3\xa9\n");
    CHECK(all_prefixed(log));
    free(log);
    CHECK(output_at(m, "lines") == 2);

    /* A line of 5000 bytes: 1024 kept, the rest counted. */
    capture_start();
    r = fx_call(m, NULL, "long", "[]");
    log = capture_end();
    CHECK_STR(r, "[]");
    CHECK(all_prefixed(log));
    CHECK_HAS(log, " [+3976 bytes cut]\n");
    CHECK(strlen(log) == strlen("[guest out.long stdout] ") + WX_GUEST_LINE_MAX +
                             strlen(" [+3976 bytes cut]\n"));
    free(log);
    CHECK(output_at(m, "cut_lines") == 1 && output_at(m, "cut_bytes") == 3976);
    CHECK(output_at(m, "line_max") == WX_GUEST_LINE_MAX);

    /* A flood of 2000 lines: at most RATE bytes of lines a second are
     * logged, every line is either logged or counted as dropped. The
     * window rolls over each second, so the bound counts the seconds the
     * flood took (a generous bound, not a timing). */
    json_int_t lines0 = output_at(m, "lines");
    capture_start();
    double t0 = now_s();
    r = fx_call(m, NULL, "flood", "[2000]");
    double took = now_s() - t0;
    log = capture_end();
    CHECK_STR(r, "[]");
    CHECK(all_prefixed(log));
    size_t logged = count_lines(log, "[guest out.flood stdout] flood");
    json_int_t dropped = output_at(m, "dropped_lines");
    CHECK(logged == (size_t)(output_at(m, "lines") - lines0));
    CHECK_MSG(logged + (size_t)dropped == 2000, "logged %zu, dropped %lld",
              logged, (long long)dropped);
    size_t per_window = RATE / FLOOD_LINE;
    CHECK_MSG(logged <= per_window * (size_t)(took + 2), "logged %zu", logged);
    CHECK(dropped >= 1000);
    CHECK(output_at(m, "dropped_bytes") == dropped * (json_int_t)FLOOD_LINE);
    free(log);

    /* The next line after the window says what was dropped, in a line of
     * our own. Bounded: a few windows at most. */
    log = NULL;
    for (int i = 0; i < 5; i++) {
        struct timespec ts = {1, 100000000};
        nanosleep(&ts, NULL);
        capture_start();
        fx_call(m, NULL, "forge", "[]");
        free(log);
        log = capture_end();
        if (strstr(log, "of output dropped"))
            break;
    }
    char *notice = fx_fmt("[guest out] %lld lines (%lld bytes) of output "
                          "dropped: over %u bytes a second\n",
                          (long long)dropped,
                          (long long)dropped * FLOOD_LINE, RATE);
    CHECK_MSG(strstr(log, notice) == log, "%s", log);
    free(notice);
    free(log);

    /* A last line without a newline: logged when the instance goes. */
    capture_start();
    r = fx_call(m, NULL, "partial", "[]");
    CHECK(wx_manager_delete(m, "out", &err) == WX_OK);
    log = capture_end();
    CHECK_STR(r, "[]");
    CHECK_STR(log, "[guest out stdout] no newline at the end\n");
    free(log);

    wx_manager_close(m);
    fx_teardown();
    return CHECK_DONE();
}
