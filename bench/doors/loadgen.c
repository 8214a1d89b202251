/*
 * A fixed-concurrency HTTP/1.1 load generator for bench/doors.sh: CONNS
 * keep-alive connections, one thread each, every one sending the same POST
 * and waiting for its answer before the next (closed loop), for SECONDS
 * after a warm-up. Every answer is checked: status 200 and exactly the
 * expected body, else the call counts as an error and the exit status is 1
 * (a benchmark that gets wrong answers has failed).
 *
 *   loadgen [--pid PID] [--warmup S] HOST:PORT PATH BODY EXPECT CONNS SECONDS
 *
 * With --pid, the daemon's user and system CPU time (from /proc/PID/stat,
 * all its threads) is read at the two ends of the timed window, so that
 * CPU per call covers exactly the calls counted. Output, one line:
 *
 *   loadgen calls=N seconds=S calls_per_s=R p50_us=.. p99_us=.. errors=E
 *           daemon_user_s=U daemon_sys_s=Y daemon_cs=X client_cpu_s=C
 *
 * daemon_cs: the context switches of all the daemon's threads in the
 * window (voluntary and not, from /proc/PID/task/T/status), which tell
 * how many thread hand-offs and waits a call costs.
 *
 * Why not curl or Python: both cost more CPU per call than the daemon, so
 * on a two-CPU machine they would measure themselves.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64
#define BUF_SIZE 65536

typedef struct worker {
    _Alignas(64) pthread_t thread;
    int fd;
    atomic_long calls;  /* answered, right or wrong, since the start */
    atomic_long errors; /* wrong answers and broken connections */
    uint32_t *lat_us;   /* latencies of the calls in the timed window */
    size_t nlat, caplat;
    char why[200];      /* the first error, for the report */
} worker;

static struct sockaddr_in addr;
static char host_header[64];
static char *request, *expect_body;
static size_t request_len, expect_len;
static atomic_int phase; /* 0 warm-up, 1 timed, 2 stop */
static worker workers[MAX_CONNS];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int connect_once(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    /* Small requests: without it, Nagle holds each one for an ACK. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Reads one response into buf; its status, body and whether the server
 * asked to close. False when the connection broke or the answer cannot be
 * framed (no Content-Length: the daemon always sends one). */
static bool read_response(int fd, char *buf, int *status, const char **body,
                          size_t *body_len, bool *close_after)
{
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have == BUF_SIZE - 1)
            return false;
        ssize_t k = recv(fd, buf + have, BUF_SIZE - 1 - have, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        have += (size_t)k;
        buf[have] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    *end = '\0';
    const char *cl = strcasestr(buf, "\r\ncontent-length:");
    if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 || !cl)
        return false;
    size_t want = strtoul(cl + 17, NULL, 10);
    *close_after = strcasestr(buf, "\r\nconnection: close") != NULL;
    size_t head = (size_t)(end + 4 - buf);
    if (head + want > BUF_SIZE - 1)
        return false;
    while (have < head + want) {
        ssize_t k = recv(fd, buf + have, head + want - have, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        have += (size_t)k;
    }
    *body = buf + head;
    *body_len = want;
    return true;
}

static void fail(worker *w, const char *what, const char *detail, size_t n)
{
    atomic_fetch_add_explicit(&w->errors, 1, memory_order_relaxed);
    if (!w->why[0])
        snprintf(w->why, sizeof w->why, "%s%.*s", what,
                 (int)(n > 120 ? 120 : n), detail);
}

static void record(worker *w, int64_t ns)
{
    if (w->nlat == w->caplat) {
        size_t cap = w->caplat ? 2 * w->caplat : 65536;
        uint32_t *p = realloc(w->lat_us, cap * sizeof *p);
        if (!p)
            return;
        w->lat_us = p;
        w->caplat = cap;
    }
    w->lat_us[w->nlat++] = (uint32_t)(ns / 1000);
}

/* One call: send, read, check. Reconnects when the server closed. */
static void call_once(worker *w, char *buf)
{
    if (w->fd < 0 && (w->fd = connect_once()) < 0) {
        fail(w, "connect: ", strerror(errno), strlen(strerror(errno)));
        usleep(10000);
        return;
    }
    int status = 0;
    const char *body = NULL;
    size_t body_len = 0;
    bool close_after = false;
    int64_t t0 = now_ns();
    if (!send_all(w->fd, request, request_len) ||
        !read_response(w->fd, buf, &status, &body, &body_len, &close_after)) {
        fail(w, "connection broken or unframed answer", "", 0);
        close(w->fd);
        w->fd = -1;
        return;
    }
    int64_t t1 = now_ns();
    if (status != 200 || body_len != expect_len ||
        memcmp(body, expect_body, expect_len) != 0)
        fail(w, status != 200 ? "status not 200: " : "unexpected body: ",
             body, body_len);
    else if (atomic_load_explicit(&phase, memory_order_relaxed) == 1)
        record(w, t1 - t0);
    atomic_fetch_add_explicit(&w->calls, 1, memory_order_relaxed);
    if (close_after) {
        close(w->fd);
        w->fd = -1;
    }
}

static void *run(void *arg)
{
    worker *w = arg;
    char *buf = malloc(BUF_SIZE);
    if (!buf)
        return NULL;
    w->fd = -1;
    while (atomic_load_explicit(&phase, memory_order_relaxed) != 2)
        call_once(w, buf);
    if (w->fd >= 0)
        close(w->fd);
    free(buf);
    return NULL;
}

/* User and system CPU seconds of process `pid`, all threads. */
static bool proc_cpu(long pid, double *user, double *sys)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    /* The command name may hold spaces: the fields start after its ')'. */
    char *p = strrchr(line, ')');
    unsigned long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                             "%lu %lu",
                     &ut, &st) != 2)
        return false;
    double hz = (double)sysconf(_SC_CLK_TCK);
    *user = (double)ut / hz;
    *sys = (double)st / hz;
    return true;
}

/* Context switches of every thread of process `pid`, voluntary or not;
 * -1 if they cannot be read. Threads that ended are not counted. */
static long proc_switches(long pid)
{
    char path[300], line[256];
    snprintf(path, sizeof path, "/proc/%ld/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long sum = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%ld/task/%.32s/status", pid,
                 e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        long v;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1 ||
                sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
                sum += v;
        fclose(f);
    }
    closedir(d);
    return sum;
}

static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static long sum_calls(int n)
{
    long s = 0;
    for (int i = 0; i < n; i++)
        s += atomic_load_explicit(&workers[i].calls, memory_order_relaxed);
    return s;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int usage(void)
{
    fprintf(stderr, "usage: loadgen [--pid PID] [--warmup S] HOST:PORT PATH "
                    "BODY EXPECT CONNS SECONDS\n");
    return 2;
}

static bool parse_addr(const char *hostport)
{
    char host[64];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host)
        return false;
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(colon + 1));
    snprintf(host_header, sizeof host_header, "%s", hostport);
    return inet_pton(AF_INET, host, &addr.sin_addr) == 1;
}

static bool build_request(const char *path, const char *body)
{
    size_t n = strlen(body);
    request_len = (size_t)snprintf(NULL, 0,
                                   "POST %s HTTP/1.1\r\nHost: %s\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: %zu\r\n\r\n%s",
                                   path, host_header, n, body);
    request = malloc(request_len + 1);
    if (!request)
        return false;
    snprintf(request, request_len + 1,
             "POST %s HTTP/1.1\r\nHost: %s\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             path, host_header, n, body);
    return true;
}

static void report(int conns, long calls, double secs, double du, double ds,
                   long cs, double client)
{
    uint32_t *all = NULL;
    size_t n = 0, errors = 0;
    for (int i = 0; i < conns; i++) {
        errors += (size_t)atomic_load(&workers[i].errors);
        uint32_t *p = realloc(all, (n + workers[i].nlat + 1) * sizeof *p);
        if (!p)
            break;
        all = p;
        memcpy(all + n, workers[i].lat_us, workers[i].nlat * sizeof *p);
        n += workers[i].nlat;
    }
    qsort(all, n, sizeof *all, cmp_u32);
    double p50 = n ? all[n / 2] : 0, p99 = n ? all[n * 99 / 100] : 0;
    printf("loadgen calls=%ld seconds=%.3f calls_per_s=%.0f p50_us=%.0f "
           "p99_us=%.0f errors=%zu daemon_user_s=%.2f daemon_sys_s=%.2f "
           "daemon_cs=%ld client_cpu_s=%.2f\n",
           calls, secs, (double)calls / secs, p50, p99, errors, du, ds, cs,
           client);
    for (int i = 0; i < conns; i++)
        if (workers[i].why[0])
            fprintf(stderr, "loadgen: connection %d: %s\n", i, workers[i].why);
    free(all);
}

int main(int argc, char **argv)
{
    long pid = 0;
    double warmup = 0.5;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--pid") == 0)
            pid = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--warmup") == 0)
            warmup = atof(argv[i + 1]);
        else
            return usage();
    }
    if (argc - i != 6)
        return usage();
    int conns = atoi(argv[i + 4]);
    double seconds = atof(argv[i + 5]);
    if (conns < 1 || conns > MAX_CONNS || seconds <= 0) {
        fprintf(stderr, "loadgen: CONNS must be 1..%d and SECONDS > 0\n",
                MAX_CONNS);
        return 2;
    }
    if (!parse_addr(argv[i])) {
        fprintf(stderr, "loadgen: %s: not an IPv4 HOST:PORT\n", argv[i]);
        return 2;
    }
    if (!build_request(argv[i + 1], argv[i + 2]))
        return 1;
    expect_body = argv[i + 3];
    expect_len = strlen(expect_body);
    for (int c = 0; c < conns; c++)
        if (pthread_create(&workers[c].thread, NULL, run, &workers[c]) != 0) {
            fprintf(stderr, "loadgen: cannot start thread %d\n", c);
            return 1;
        }
    sleep_s(warmup);

    /* The timed window: counts and CPU read together at both ends. */
    double u0 = 0, s0 = 0, u1 = 0, s1 = 0;
    if (pid && !proc_cpu(pid, &u0, &s0)) {
        fprintf(stderr, "loadgen: cannot read /proc/%ld/stat\n", pid);
        return 1;
    }
    long cs0 = pid ? proc_switches(pid) : 0;
    double c0 = self_cpu();
    long n0 = sum_calls(conns);
    int64_t t0 = now_ns();
    atomic_store(&phase, 1);
    sleep_s(seconds);
    long n1 = sum_calls(conns);
    int64_t t1 = now_ns();
    double c1 = self_cpu();
    long cs1 = pid ? proc_switches(pid) : 0;
    if (pid && !proc_cpu(pid, &u1, &s1)) {
        fprintf(stderr, "loadgen: cannot read /proc/%ld/stat\n", pid);
        return 1;
    }
    atomic_store(&phase, 2);
    for (int c = 0; c < conns; c++)
        pthread_join(workers[c].thread, NULL);

    report(conns, n1 - n0, (double)(t1 - t0) / 1e9, u1 - u0, s1 - s0,
           cs0 < 0 || cs1 < 0 ? -1 : cs1 - cs0, c1 - c0);
    long errors = 0;
    for (int c = 0; c < conns; c++)
        errors += atomic_load(&workers[c].errors);
    return errors || n1 == n0 ? 1 : 0;
}
