/*
 * The daemon's command line: help, usage errors (exit 2) and the ways it
 * cannot start (exit 1, with the reason on stderr): a bad or busy
 * address, a registry that cannot be opened.
 */
#include "check.h"
#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The wasmext binary: the daemon is its `serve` command. */
static const char *wasmext;

/* Runs the daemon with `args` (NULL-terminated); its exit code and
 * stdout+stderr (malloc'd) in *out. Killed after 20 s. */
static int run(char **out, const char *const *args)
{
    const char *log = rt_tmp("run.out");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        const char *argv[16] = {wasmext, "serve"};
        for (int i = 0; args[i] && i < 13; i++)
            argv[i + 2] = args[i];
        execv(wasmext, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    long end = rt_now_ms() + 20000;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (rt_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(10000);
    }
    FILE *f = fopen(log, "r");
    char *buf = calloc(1, 8192);
    if (f) {
        size_t n = fread(buf, 1, 8191, f);
        buf[n] = '\0';
        fclose(f);
    }
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define RUN_IS(code, text, ...)                                               \
    do {                                                                      \
        const char *const args_[] = {__VA_ARGS__, NULL};                      \
        char *out_;                                                           \
        int rc_ = run(&out_, args_);                                          \
        CHECK_MSG(rc_ == (code), "exit %d, want %d: %s", rc_, (code), out_);  \
        CHECK_MSG(strstr(out_, text), "output lacks \"%s\": %s", text, out_); \
        free(out_);                                                           \
    } while (0)

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    wasmext = argv[1];
    char db[600], junk[600];
    snprintf(db, sizeof db, "%s", rt_tmp("registry.db"));
    snprintf(junk, sizeof junk, "%s", rt_tmp("junk.db"));
    rt_write(junk, "not a database, but long enough to be read as one by "
                   "SQLite, which then refuses it for what it is...\n");

    /* `wasmext serve --help` is the command's help (src/cli/main.c). */
    RUN_IS(0, "serve [OPTIONS]", "--help");
    RUN_IS(0, "--listen HOST:PORT", "-h");
    RUN_IS(2, "unknown option --bogus", "--bogus");
    RUN_IS(2, "unexpected argument", "extra");
    RUN_IS(2, "--threads: \"many\" is not a number", "--threads", "many");
    RUN_IS(2, "--threads needs a value", "--threads");
    RUN_IS(2, "unknown level \"loud\"", "--log-level", "loud");
    RUN_IS(2, "--max-body: must be at least 1", "--max-body=0");
    RUN_IS(2, "--max-inflight-body: must be at least --max-body",
           "--max-body=1000", "--max-inflight-body=999");
    RUN_IS(2, "--request-timeout: must be at least 1",
           "--request-timeout=0");
    RUN_IS(2, "--max-connections: must be at least 1",
           "--max-connections=0");
    RUN_IS(2, "--memory-budget: memory budget \"abc\"", "--memory-budget",
           "abc");
    RUN_IS(1, "expected HOST:PORT", "--db", db, "--listen", "nonsense");
    RUN_IS(1, "cannot open the registry", "--db", junk, "--listen",
           "127.0.0.1:0");

    /* A port in use. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(listen(fd, 1) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sa.sin_port));
    RUN_IS(1, "cannot listen on", "--db", db, "--listen", addr);
    close(fd);

    /* --listen=ADDR and the log level: info has the start and stop. */
    rt_daemon d;
    CHECK(rt_start(&d, db, "--log-level=info", "--threads=1", (char *)NULL));
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    char *log = rt_log(&d);
    CHECK(strstr(log, " info listening on 127.0.0.1:"));
    CHECK(strstr(log, "1 HTTP thread, "));
    CHECK(strstr(log, "info bounds: "));
    CHECK(strstr(log, " info stopped"));
    CHECK(!strstr(log, " debug "));
    free(log);

    /* --memory-budget reaches the manager: /metrics shows it. */
    CHECK(rt_start(&d, db, "--memory-budget", "3M", (char *)NULL));
    CHECK(rt_metric(&d, "wasmext_memory_budget_bytes") == 3.0 * 1048576);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
