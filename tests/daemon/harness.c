/*
 * The daemon tests' harness (harness.h): child process, temporary
 * directory, libcurl requests. Every wait is bounded.
 */
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The wasmext binary; the daemon is its `serve` command. */
static const char *wasmext_bin = "wasmext";
static char guest_dir[4096] = ".";
static char tmp_dir[256];

#define MAX_DAEMONS 16
static char daemon_logs[MAX_DAEMONS][512];
static int ndaemons;

static __thread CURL *thread_curl;
static __thread long thread_timeout_ms = 60000;

void rt_init(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s WASMEXT GUEST-DIR\n", argv[0]);
        exit(2);
    }
    wasmext_bin = argv[1];
    /* Configs need absolute paths. */
    if (!realpath(argv[2], guest_dir)) {
        perror(argv[2]);
        exit(2);
    }
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/wxd-test.XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        exit(2);
    }
    /* The registry must come from --db, never from the environment. */
    unsetenv("WASMEXT_DB");
    setenv("XDG_DATA_HOME", tmp_dir, 1);
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int rt_finish(int rc)
{
    for (int i = 0; rc && i < ndaemons; i++) {
        FILE *f = fopen(daemon_logs[i], "r");
        if (!f)
            continue;
        fprintf(stderr, "---- daemon log %s\n", daemon_logs[i]);
        char line[1024];
        for (int n = 0; n < 400 && fgets(line, sizeof line, f); n++)
            fputs(line, stderr);
        fclose(f);
    }
    rt_thread_done();
    curl_global_cleanup();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_dir);
    return rc;
}

static const char *ring(const char *dir, const char *name)
{
    static __thread char bufs[8][PATH_MAX + 256];
    static __thread int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

const char *rt_tmp(const char *name)
{
    return ring(tmp_dir, name);
}

const char *rt_guest(const char *name)
{
    return ring(guest_dir, name);
}

void rt_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

void rt_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out) {
        perror(in ? to : from);
        exit(2);
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            perror(to);
            exit(2);
        }
    fclose(in);
    if (fclose(out) != 0) {
        perror(to);
        exit(2);
    }
}

/* ------------------------------------------------------------ daemon */

long rt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Reads the "listening on HOST:PORT" (or "listening on unix:PATH") line
 * from `fd` within timeout_ms into d. */
static bool read_address(rt_daemon *d, int fd, int timeout_ms)
{
    char line[256];
    size_t n = 0;
    long end = rt_now_ms() + timeout_ms;
    while (n + 1 < sizeof line) {
        long left = end - rt_now_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return false;
        ssize_t k = read(fd, line + n, 1);
        if (k <= 0)
            return false;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    if (strncmp(line, "listening on ", 13) != 0)
        return false;
    if (strncmp(line + 13, "unix:", 5) == 0) {
        snprintf(d->sock, sizeof d->sock, "%.107s", line + 18);
        return true;
    }
    const char *colon = strrchr(line, ':');
    d->port = colon ? atoi(colon + 1) : 0;
    return d->port > 0;
}

const char *rt_guest_dir(void)
{
    return guest_dir;
}

const char *rt_tmp_dir(void)
{
    return tmp_dir;
}

static bool start_v(rt_daemon *d, const char *db, bool defaults, va_list ap)
{
    const char *argv[48];
    const char *extra[36];
    int argc = 0, nextra = 0;
    bool listen = false;
    for (const char *a; nextra < 36 && (a = va_arg(ap, const char *));) {
        extra[nextra++] = a;
        listen = listen || strcmp(a, "--listen") == 0;
    }
    argv[argc++] = wasmext_bin;
    argv[argc++] = "serve";
    if (!listen) {
        argv[argc++] = "--listen";
        argv[argc++] = "127.0.0.1:0";
    }
    argv[argc++] = "--db";
    argv[argc++] = db;
    if (defaults) {
        argv[argc++] = "--allow-dir";
        argv[argc++] = guest_dir;
        argv[argc++] = "--allow-dir";
        argv[argc++] = tmp_dir;
    }
    for (int i = 0; i < nextra; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;

    memset(d, 0, sizeof *d);
    snprintf(d->log_path, sizeof d->log_path, "%s/daemon-%d.log", tmp_dir,
             ndaemons);
    if (ndaemons < MAX_DAEMONS)
        snprintf(daemon_logs[ndaemons++], sizeof daemon_logs[0], "%s",
                 d->log_path);
    int out[2];
    if (pipe(out) != 0)
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        int log = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(out[1], 1);
        if (log >= 0)
            dup2(log, 2);
        close(out[0]);
        close(out[1]);
        execv(wasmext_bin, (char *const *)argv);
        perror(wasmext_bin);
        _exit(127);
    }
    close(out[1]);
    d->pid = pid;
    bool ok = read_address(d, out[0], 20000);
    close(out[0]);
    if (!ok) {
        rt_stop(d, SIGKILL, 5000);
        return false;
    }
    return true;
}

bool rt_start(rt_daemon *d, const char *db, ...)
{
    va_list ap;
    va_start(ap, db);
    bool ok = start_v(d, db, true, ap);
    va_end(ap);
    return ok;
}

bool rt_start_bare(rt_daemon *d, const char *db, ...)
{
    va_list ap;
    va_start(ap, db);
    bool ok = start_v(d, db, false, ap);
    va_end(ap);
    return ok;
}

int rt_stop(rt_daemon *d, int sig, int timeout_ms)
{
    if (d->pid <= 0)
        return -1;
    kill(d->pid, sig);
    long end = rt_now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid(d->pid, &status, WNOHANG);
        if (r == d->pid)
            break;
        if (r < 0 || rt_now_ms() >= end) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &status, 0);
            d->pid = 0;
            return -1;
        }
        usleep(5000);
    }
    d->pid = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

uint8_t *rt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    *len = (size_t)n;
    return b;
}

char *rt_log(const rt_daemon *d)
{
    FILE *f = fopen(d->log_path, "r");
    if (!f)
        return strdup("");
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 1024) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                break;
            buf = b;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* ------------------------------------------------------------- HTTP */

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
    rt_resp *r = cls;
    size_t k = size * n;
    char *b = realloc(r->body, r->len + k + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, data, k);
    r->body = b;
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

/* Copies the value of header `name` from `line` into `out`. */
static void header_value(const char *line, size_t n, const char *name,
                         char *out, size_t size)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    const char *v = line + k + 1;
    while (v < line + n && *v == ' ')
        v++;
    size_t len = (size_t)(line + n - v);
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n'))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *cls)
{
    rt_resp *r = cls;
    size_t k = size * n;
    header_value(line, k, "Allow", r->allow, sizeof r->allow);
    header_value(line, k, "Location", r->location, sizeof r->location);
    header_value(line, k, "Retry-After", r->retry_after,
                 sizeof r->retry_after);
    header_value(line, k, "Content-Type", r->content_type,
                 sizeof r->content_type);
    header_value(line, k, "WWW-Authenticate", r->www_auth,
                 sizeof r->www_auth);
    return k;
}

typedef struct upload {
    const char *data;
    size_t len, at;
} upload;

static size_t on_read(char *buf, size_t size, size_t n, void *cls)
{
    upload *u = cls;
    size_t k = size * n;
    if (k > u->len - u->at)
        k = u->len - u->at;
    memcpy(buf, u->data + u->at, k);
    u->at += k;
    return k;
}

void rt_thread_done(void)
{
    if (thread_curl)
        curl_easy_cleanup(thread_curl);
    thread_curl = NULL;
}

rt_resp rt_req_raw(const rt_daemon *d, const char *method, const char *path,
                   const char *ctype, const char *body, size_t len,
                   bool chunked)
{
    rt_resp r;
    memset(&r, 0, sizeof r);
    if (!thread_curl && !(thread_curl = curl_easy_init())) {
        snprintf(r.error, sizeof r.error, "curl_easy_init failed");
        return r;
    }
    CURL *c = thread_curl;
    curl_easy_reset(c);
    char url[600], pin[64];
    struct curl_slist *resolve = NULL;
    if (d->sock[0]) {
        snprintf(url, sizeof url, "http://localhost%s", path);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->sock);
    } else if (d->cafile) {
        /* The test certificate is for "localhost". */
        snprintf(url, sizeof url, "https://localhost:%d%s", d->port, path);
        curl_easy_setopt(c, CURLOPT_CAINFO, d->cafile);
        snprintf(pin, sizeof pin, "localhost:%d:127.0.0.1", d->port);
        resolve = curl_slist_append(NULL, pin);
        curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    } else {
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", d->port, path);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, thread_timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    struct curl_slist *h = NULL;
    char ct[160];
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
    /* No "Expect: 100-continue" pause: the daemon answers at once. */
    h = curl_slist_append(h, "Expect:");
    char auth[600];
    if (d->token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", d->token);
        h = curl_slist_append(h, auth);
    }
    upload u = {body ? body : "", body ? len : 0, 0};
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0 || body) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body || strcmp(method, "DELETE") != 0) {
            curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c, CURLOPT_READDATA, &u);
            if (chunked)
                h = curl_slist_append(h, "Transfer-Encoding: chunked");
            else
                curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                                 (curl_off_t)u.len);
        }
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        if (r.body)
            r.json = json_loadb(r.body, r.len, 0, NULL);
    } else {
        /* A response that came before the upload finished (413) still
         * counts. */
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        if (r.status && r.body)
            r.json = json_loadb(r.body, r.len, 0, NULL);
        snprintf(r.error, sizeof r.error, "%s", curl_easy_strerror(rc));
    }
    curl_slist_free_all(h);
    curl_slist_free_all(resolve);
    return r;
}

rt_resp rt_req(const rt_daemon *d, const char *method, const char *path,
               const char *body)
{
    return rt_req_raw(d, method, path, body ? "application/json" : NULL,
                      body, body ? strlen(body) : 0, false);
}

char *rt_raw(const rt_daemon *d, const char *request, size_t len,
             long *status)
{
    *status = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)d->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return strdup("");
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (size_t at = 0; at < len;) {
        ssize_t k = send(fd, request + at, len - at, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        at += (size_t)k;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    long end = rt_now_ms() + 10000;
    while (buf && rt_now_ms() < end) {
        if (cap - n < 1024) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                break;
            buf = b;
        }
        ssize_t k = recv(fd, buf + n, cap - n - 1, 0);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    close(fd);
    if (!buf)
        return strdup("");
    buf[n] = '\0';
    if (strncmp(buf, "HTTP/1.", 7) == 0 && n > 12)
        *status = strtol(buf + 9, NULL, 10);
    return buf;
}

void rt_free(rt_resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

const char *rt_code(const rt_resp *r)
{
    const char *c = json_string_value(
        json_object_get(json_object_get(r->json, "error"), "code"));
    return c ? c : "";
}

long long rt_slow_n(const rt_daemon *d, const char *path, int target_ms)
{
    long long n = 1000000;
    for (int i = 0; i < 30; i++, n *= 2) {
        char body[64];
        snprintf(body, sizeof body, "{\"args\": [%lld]}", n);
        long t0 = rt_now_ms();
        rt_resp r = rt_req(d, "POST", path, body);
        long ms = rt_now_ms() - t0;
        long status = r.status;
        rt_free(&r);
        if (status != 200)
            return n;
        if (ms >= 50)
            return n * target_ms / ms;
    }
    return n;
}

char *rt_config(const char *name, const char *wasm, const char *functions,
                const char *more)
{
    size_t n = strlen(name) + strlen(wasm) + strlen(functions) +
               (more ? strlen(more) : 0) + 128;
    char *t = malloc(n);
    if (!t)
        exit(2);
    snprintf(t, n,
             "{\"name\": \"%s\", \"vm_config\": {\"path\": \"%s\"}, "
             "\"functions\": %s%s%s}",
             name, wasm, functions, more ? ", " : "", more ? more : "");
    return t;
}

void rt_set_timeout_ms(long ms)
{
    thread_timeout_ms = ms;
}

int rt_connect(const rt_daemon *d)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)d->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

double rt_series(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

double rt_metric(const rt_daemon *d, const char *name)
{
    rt_resp r = rt_req(d, "GET", "/metrics", NULL);
    double v = rt_series(r.status == 200 ? r.body : NULL, name);
    rt_free(&r);
    return v;
}
