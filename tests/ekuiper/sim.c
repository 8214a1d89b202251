/*
 * The eKuiper simulator (see sim.h). NNG is not fork-safe: the child of
 * sim_spawn calls only async-signal-safe functions before exec.
 */
#include "sim.h"

#include <nng/protocol/reqrep0/rep.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t sim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int listen_url(sim_chan *c, const char *name, int recv_ms, int send_ms)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "/tmp/%s.ipc", name);
    snprintf(c->url, sizeof c->url, "ipc://%s", c->path);
    c->recv_ms = recv_ms;
    c->send_ms = send_ms;
    int rv = nng_rep0_open(&c->rep);
    if (rv != 0)
        return rv;
    nng_socket_set_size(c->rep, NNG_OPT_RECVMAXSZ, 0);
    nng_socket_set_ms(c->rep, NNG_OPT_RECVTIMEO, recv_ms);
    nng_socket_set_ms(c->rep, NNG_OPT_SENDTIMEO, send_ms);
    /* eKuiper: 5 retries 100 ms apart. */
    for (int i = 0; i < 5; i++) {
        rv = nng_listen(c->rep, c->url, NULL, 0);
        if (rv == 0) {
            c->open = true;
            return 0;
        }
        sleep_ms(100);
    }
    nng_close(c->rep);
    return rv;
}

int sim_listen_control(sim_chan *c, const char *plugin, int recv_ms)
{
    char name[128];
    snprintf(name, sizeof name, "plugin_%s", plugin);
    return listen_url(c, name, recv_ms, 5000);
}

int sim_listen_func(sim_chan *c, const char *symbol, int recv_ms, int send_ms)
{
    char name[128];
    snprintf(name, sizeof name, "func_%s", symbol);
    return listen_url(c, name, recv_ms, send_ms);
}

void sim_chan_close(sim_chan *c)
{
    if (c->open)
        nng_close(c->rep);
    c->open = false;
    if (c->path[0])
        unlink(c->path);
}

int sim_handshake(sim_chan *c, int timeout_ms)
{
    nng_socket_set_ms(c->rep, NNG_OPT_RECVTIMEO, timeout_ms);
    char *buf;
    size_t sz;
    int rv = nng_recv(c->rep, &buf, &sz, NNG_FLAG_ALLOC);
    if (rv == 0)
        nng_free(buf, sz);
    nng_socket_set_ms(c->rep, NNG_OPT_RECVTIMEO, c->recv_ms);
    return rv;
}

int sim_exchange(sim_chan *c, const char *msg, char **answer)
{
    size_t len = strlen(msg);
    /* eKuiper loops for as long as stale answers come; a test must not. */
    int64_t end = sim_now_ms() + SIM_EXCHANGE_MAX_MS;
    for (;;) {
        if (sim_now_ms() > end)
            return NNG_ETIMEDOUT;
        int rv = nng_send(c->rep, (void *)msg, len, 0);
        if (rv == NNG_ESTATE) {
            /* No request to answer: take the plugin's (handshake) first. */
            char *buf;
            size_t sz;
            rv = nng_recv(c->rep, &buf, &sz, NNG_FLAG_ALLOC);
            if (rv != 0)
                return rv;
            nng_free(buf, sz);
            c->estate++;
            rv = nng_send(c->rep, (void *)msg, len, 0);
        }
        if (rv != 0)
            return rv;
        char *buf;
        size_t sz;
        rv = nng_recv(c->rep, &buf, &sz, NNG_FLAG_ALLOC);
        if (rv != 0)
            return rv;
        if (sz > 0 && buf[0] == 'h') {
            nng_free(buf, sz);
            c->stale++;
            continue;
        }
        *answer = malloc(sz + 1);
        if (!*answer) {
            nng_free(buf, sz);
            return NNG_ENOMEM;
        }
        memcpy(*answer, buf, sz);
        (*answer)[sz] = '\0';
        nng_free(buf, sz);
        return 0;
    }
}

void sim_func_cmd(char *buf, size_t size, const char *cmd, const char *symbol)
{
    /* The Control is double-encoded: a JSON string inside the Command. */
    snprintf(buf, size,
             "{\"cmd\":\"%s\",\"arg\":\"{\\\"symbolName\\\":\\\"%s\\\","
             "\\\"meta\\\":{\\\"ruleId\\\":\\\"\\\",\\\"opId\\\":\\\"\\\","
             "\\\"instanceId\\\":0},\\\"pluginType\\\":\\\"func\\\"}\"}",
             cmd, symbol);
}

pid_t sim_spawn(const char *exe, const char *arg, const char *log)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", exe);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        /* A plugin must not outlive a test that died: its keepalive would
         * run forever. (The death signal survives the script's exec.) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (chdir(dir) != 0)
            _exit(126);
        execl(exe, exe, arg, (char *)NULL);
        _exit(127);
    }
    close(fd);
    return pid;
}

bool sim_wait(pid_t pid, int timeout_ms, int *status)
{
    int64_t end = sim_now_ms() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        if (sim_now_ms() >= end)
            return false;
        sleep_ms(10);
    }
}

void sim_kill(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    int st;
    sim_wait(pid, 5000, &st);
}
