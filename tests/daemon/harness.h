/*
 * What the daemon tests share: a fresh temporary directory, the real
 * daemon (`wasmext serve`) started as a child process on 127.0.0.1 with a
 * free port (--listen 127.0.0.1:0, the port read from its "listening on"
 * line), and HTTP requests through libcurl.
 *
 * Every test executable gets two arguments: the wasmext binary and the
 * directory of the guests built from the .wat files here.
 */
#ifndef WX_TESTS_DAEMON_HARNESS_H
#define WX_TESTS_DAEMON_HARNESS_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct rt_daemon {
    pid_t pid;
    int port;           /* 0 when it listens on a unix socket */
    char sock[108];     /* the unix socket's path, "" for TCP */
    char log_path[512]; /* its stderr */
    /* Set by the test after rt_start: the bearer token requests carry
     * (NULL: none), and for a daemon with --tls-cert the CA file to
     * trust (requests then go to https://localhost:PORT). */
    const char *token;
    const char *cafile;
} rt_daemon;

typedef struct rt_resp {
    long status;  /* 0: no response (connection refused, timeout) */
    char *body;
    size_t len;
    json_t *json; /* the body parsed, or NULL */
    char allow[128];
    char location[256];
    char retry_after[32];
    char content_type[128];
    char www_auth[128];
    char error[256]; /* the transport error when status is 0 */
} rt_resp;

/* Parses the arguments, makes the temporary directory. */
void rt_init(int argc, char **argv);
/* The end of a test: `rc` is CHECK_DONE()'s; on failure the daemons'
 * logs are printed. Removes the temporary directory; returns rc. */
int rt_finish(int rc);

/* "<tmp>/<name>" and "<guests>/<name>", in rings of static buffers. */
const char *rt_tmp(const char *name);
const char *rt_guest(const char *name);
void rt_write(const char *path, const char *text);
void rt_copy(const char *from, const char *to);

/* Starts the daemon on a fresh port with `--db db`, `--allow-dir` for
 * the guest and temporary directories (the configs of the tests name
 * files there) and the extra arguments (NULL-terminated). False if it
 * did not say it listens within 20 s. */
bool rt_start(rt_daemon *d, const char *db, ...)
    __attribute__((sentinel));
/* The same with only `--db db` and the extra arguments: no --allow-dir,
 * and no --listen when the extra arguments have one. */
bool rt_start_bare(rt_daemon *d, const char *db, ...)
    __attribute__((sentinel));
/* The directory of the guests (resolved). */
const char *rt_guest_dir(void);
const char *rt_tmp_dir(void);
/* Sends `sig` and waits up to timeout_ms for the exit; returns the exit
 * code, 128+N if killed by signal N, -1 if it did not exit (it is then
 * killed). */
int rt_stop(rt_daemon *d, int sig, int timeout_ms);
/* The daemon's stderr so far (malloc'd). */
char *rt_log(const rt_daemon *d);
/* The bytes of the file at `path` (malloc'd, *len of them); exits 2 if it
 * cannot be read. */
uint8_t *rt_slurp(const char *path, size_t *len);

/* A request with a JSON body (NULL: none). */
rt_resp rt_req(const rt_daemon *d, const char *method, const char *path,
               const char *body);
/* The same with a content type, a body of `len` bytes and, if `chunked`,
 * chunked transfer encoding instead of Content-Length. */
rt_resp rt_req_raw(const rt_daemon *d, const char *method, const char *path,
                   const char *ctype, const char *body, size_t len,
                   bool chunked);
void rt_free(rt_resp *r);
/* Sends `len` bytes as they are on a new TCP connection to the daemon
 * and returns what came back until the daemon closed it or 10 s passed
 * (malloc'd, NUL-terminated), for requests libcurl would normalise. The
 * status of the first response line in *status (0 if none). */
char *rt_raw(const rt_daemon *d, const char *request, size_t len,
             long *status);
/* The calling thread's requests give up after `ms` (default 60000): for
 * probes that must not wait for a stuck daemon. */
void rt_set_timeout_ms(long ms);
/* A new TCP connection to the daemon (blocking, -1 on failure), for
 * clients that send by hand and stay connected. */
int rt_connect(const rt_daemon *d);
/* The value of the series `name` (with its labels, exactly as the
 * daemon writes them, e.g. wasmext_http_connections or
 * wasmext_plugin_instances{plugin="calc",state="busy"}) in GET /metrics;
 * -1 if absent or the scrape failed. */
double rt_metric(const rt_daemon *d, const char *name);
/* The same in a scrape already taken (`text`, a /metrics body). */
double rt_series(const char *text, const char *name);
/* Frees the calling thread's connection: its next request opens a new
 * one. (A new connection goes to an idle worker of the daemon, while a
 * kept-alive one waits for its worker.) */
void rt_thread_done(void);

/* The argument n of a one-argument function at `path` (calc.wasm's
 * slow) for which a call takes about target_ms, measured over HTTP. */
long long rt_slow_n(const rt_daemon *d, const char *path, int target_ms);
/* Milliseconds of a monotonic clock. */
long rt_now_ms(void);

/* The response's error.code, or "" */
const char *rt_code(const rt_resp *r);
/* A plugin config: name, the guest file, the functions (JSON text of the
 * array) and more top-level keys (JSON text without braces, or NULL). */
char *rt_config(const char *name, const char *wasm, const char *functions,
                const char *more);

/* A CHECK on a response's status that prints the body when it fails
 * (the test includes check.h). */
#define CHECK_STATUS(r, want)                                                 \
    CHECK_MSG((r).status == (want), "status %ld, want %d: %.*s", (r).status, \
              (want), (int)((r).len > 400 ? 400 : (r).len),                   \
              (r).body ? (r).body : (r).error)

#endif
