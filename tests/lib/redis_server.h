/*
 * A real redis-server for a test: on a free loopback port, in a temporary
 * directory of its own, with nothing saved (--save '' --appendonly no),
 * optionally with a password. The child gets PR_SET_PDEATHSIG, so a test
 * that crashes or is killed by CTest's timeout takes its servers along;
 * redis_server_stop() ends it in the normal case. Header-only: include it
 * in one test file.
 */
#ifndef WX_TEST_REDIS_SERVER_H
#define WX_TEST_REDIS_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct redis_server {
    pid_t pid;            /* 0 when not running */
    int port;             /* chosen at the first start, kept for restarts */
    char dir[64];         /* its working directory */
    char requirepass[64]; /* "" for none */
} redis_server;

/* A port nobody listens on now: bind to 0 and ask (a race with other
 * processes is possible but rare; a failed start says so). */
static int redis_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &n) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Whether the server answers PING (with PONG, or NOAUTH when it has a
 * password: either way it is up). */
static int redis_answers(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char buf[64] = "";
    int ok = 0;
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        write(fd, "PING\r\n", 6) == 6 && read(fd, buf, sizeof buf - 1) > 0)
        ok = strncmp(buf, "+PONG", 5) == 0 || strncmp(buf, "-NOAUTH", 7) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Starts the server (again, on the same port, after a stop); 0 when it
 * answers, -1 after printing why not. */
static int redis_server_start(redis_server *rs)
{
    if (!rs->dir[0]) {
        snprintf(rs->dir, sizeof rs->dir, "/tmp/wx-redis-XXXXXX");
        if (!mkdtemp(rs->dir)) {
            perror("mkdtemp");
            return -1;
        }
    }
    if (!rs->port && (rs->port = redis_free_port()) < 0) {
        fprintf(stderr, "redis_server: no free port\n");
        return -1;
    }
    char port[16];
    snprintf(port, sizeof port, "%d", rs->port);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        char log[96];
        snprintf(log, sizeof log, "%s/redis.log", rs->dir);
        if (!freopen(log, "a", stdout) || !freopen(log, "a", stderr))
            _exit(1);
        const char *argv[16] = {"redis-server",
                                "--port",
                                port,
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--dir",
                                rs->dir,
                                "--daemonize",
                                "no"};
        int n = 13;
        if (rs->requirepass[0]) {
            argv[n++] = "--requirepass";
            argv[n++] = rs->requirepass;
        }
        argv[n] = NULL;
        execvp("redis-server", (char **)argv);
        perror("redis-server");
        _exit(127);
    }
    rs->pid = pid;
    /* Up to 10 s in steps of 20 ms: counted attempts, not a clock. */
    for (int i = 0; i < 500; i++) {
        if (redis_answers(rs->port))
            return 0;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr,
                    "redis_server: redis-server on port %d exited "
                    "(see %s/redis.log)\n",
                    rs->port, rs->dir);
            rs->pid = 0;
            return -1;
        }
        usleep(20 * 1000);
    }
    fprintf(stderr, "redis_server: port %d does not answer\n", rs->port);
    return -1;
}

/* Stops the server and waits for it: its port is closed on return. */
static void redis_server_stop(redis_server *rs)
{
    if (rs->pid <= 0)
        return;
    kill(rs->pid, SIGKILL);
    while (waitpid(rs->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    rs->pid = 0;
}

/* Stops it and removes its directory. */
static void redis_server_destroy(redis_server *rs)
{
    redis_server_stop(rs);
    if (rs->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", rs->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "redis_server: could not remove %s\n", rs->dir);
        rs->dir[0] = '\0';
    }
}

#endif
