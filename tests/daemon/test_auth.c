/*
 * The access model's doors (docs/security.md): bearer tokens with admin
 * and call rights, the refusal to serve a non-loopback address without
 * them, unix sockets, and TLS.
 */
#define _GNU_SOURCE
#include "check.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The wasmext binary: the daemon is its `serve` command. */
static const char *wasmext;
static rt_daemon d;

#define ADMIN_TOKEN "adm1n-t0ken-0123456789abcdef"
#define CALL_TOKEN "ca11-t0ken-fedcba9876543210"
#define NEAR_TOKEN "adm1n-t0ken-0123456789abcdeX" /* one character off */

static const char *token_file(const char *name, const char *text, mode_t m)
{
    const char *path = rt_tmp(name);
    rt_write(path, text);
    chmod(path, m);
    return path;
}

static void test_tokens(void)
{
    const char *tf = token_file("tokens",
                                "# role name token\n"
                                "admin ops " ADMIN_TOKEN "\n"
                                "\n"
                                "call  kuiper\t" CALL_TOKEN "\n",
                                0600);
    CHECK(rt_start(&d, rt_tmp("tok.db"), "--token-file", tf, "--log-level",
                   "debug", NULL));
    char *cfg = rt_config("calc", rt_guest("calc.wasm"), "[\"add\"]", NULL);

    /* No token: 401 with a JSON error and WWW-Authenticate, for known
     * and unknown routes alike. */
    const char *paths[] = {"/plugins", "/metrics", "/nothing/here"};
    for (size_t i = 0; i < 3; i++) {
        rt_resp r = rt_req(&d, "GET", paths[i], NULL);
        CHECK_STATUS(r, 401);
        CHECK(strcmp(rt_code(&r), "unauthorized") == 0);
        CHECK(strncmp(r.www_auth, "Bearer", 6) == 0);
        CHECK(strstr(r.content_type, "application/json") != NULL);
        rt_free(&r);
    }
    rt_resp r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 401);
    rt_free(&r);
    /* /healthz stays open, for probes. */
    r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);

    /* A wrong token, or a right one in another scheme: 401. */
    d.token = NEAR_TOKEN;
    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 401);
    CHECK(strstr(r.www_auth, "invalid_token") != NULL);
    rt_free(&r);
    char req[512];
    snprintf(req, sizeof req,
             "GET /plugins HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Authorization: Basic %s\r\nConnection: close\r\n\r\n",
             d.port, ADMIN_TOKEN);
    long st;
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 401, "Basic: %ld", st);
    /* The scheme is case-insensitive (RFC 9110). */
    snprintf(req, sizeof req,
             "GET /plugins HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Authorization: bearer %s\r\nConnection: close\r\n\r\n",
             d.port, CALL_TOKEN);
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 200, "bearer: %ld", st);

    /* Refused from the headers alone: a client that announces 10 MB
     * and sends none of it gets its 401 (it would wait forever for an
     * answer that came after the body). */
    snprintf(req, sizeof req,
             "POST /plugins HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Content-Type: application/json\r\n"
             "Content-Length: 10000000\r\n\r\n",
             d.port);
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 401, "before the body: %ld", st);
    snprintf(req, sizeof req,
             "POST /plugins HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Authorization: Bearer %s\r\n"
             "Content-Type: application/json\r\n"
             "Content-Length: 10000000\r\n\r\n",
             d.port, CALL_TOKEN);
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 403, "before the body: %ld", st);

    /* A call token: calls and reads, not changes (403). */
    d.token = CALL_TOKEN;
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 403);
    CHECK(strcmp(rt_code(&r), "forbidden") == 0);
    CHECK(strstr(r.body, "admin token") != NULL);
    rt_free(&r);

    /* An admin token: changes. */
    d.token = ADMIN_TOKEN;
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);

    d.token = CALL_TOKEN;
    r = rt_req(&d, "POST", "/functions/add", "{\"args\":[2,3]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "GET", "/plugins/calc", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "GET", "/metrics", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "POST", "/check", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "PUT", "/plugins/calc", cfg);
    CHECK_STATUS(r, 403);
    rt_free(&r);
    r = rt_req(&d, "DELETE", "/plugins/calc", NULL);
    CHECK_STATUS(r, 403);
    rt_free(&r);
    /* Unknown routes are 404 once authenticated. */
    r = rt_req(&d, "GET", "/nothing/here", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);

    /* With tokens, Host and Origin are not what decides: a browser
     * cannot send the token cross-site without a preflight. */
    snprintf(req, sizeof req,
             "GET /plugins HTTP/1.1\r\nHost: wasmext.example:443\r\n"
             "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
             CALL_TOKEN);
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 200, "named host with a token: %ld", st);

    d.token = ADMIN_TOKEN;
    r = rt_req(&d, "DELETE", "/plugins/calc", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);

    /* No token in the log, even at debug; the name of who changed. */
    char *log = rt_log(&d);
    CHECK(strstr(log, ADMIN_TOKEN) == NULL);
    CHECK(strstr(log, CALL_TOKEN) == NULL);
    CHECK(strstr(log, NEAR_TOKEN) == NULL);
    CHECK(strstr(log, "plugin calc added by ops") != NULL);
    CHECK(strstr(log, "plugin calc deleted by ops") != NULL);
    free(log);
    free(cfg);
}

/* Runs the daemon with `args`, in a network namespace of its own when
 * `netns` (so that an address on every interface reaches nothing but
 * the namespace's loopback). Returns its exit code, or 0 if it said it
 * listens (it is then stopped); stdout+stderr in *out. -2: no
 * namespace could be made. */
static int run(const char *const *args, bool netns, char **out)
{
    const char *log = rt_tmp("run.out");
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (netns && unshare(CLONE_NEWNET) != 0)
            _exit(99);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(pipefd[1], 1);
        dup2(fd, 2);
        close(pipefd[0]);
        const char *argv[24] = {wasmext, "serve"};
        for (int i = 0; args[i] && i < 21; i++)
            argv[i + 2] = args[i];
        execv(wasmext, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    char line[256] = "";
    size_t n = 0;
    long end = rt_now_ms() + 20000;
    while (n + 1 < sizeof line && rt_now_ms() < end) {
        struct pollfd p = {pipefd[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        if (read(pipefd[0], line + n, 1) != 1)
            break;
        if (line[n++] == '\n')
            break;
    }
    line[n] = '\0';
    close(pipefd[0]);
    bool listening = strncmp(line, "listening on ", 13) == 0;
    if (listening)
        kill(pid, SIGTERM);
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (rt_now_ms() > end + 20000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        usleep(5000);
    }
    FILE *f = fopen(log, "r");
    *out = calloc(1, 65536);
    if (f) {
        size_t k = fread(*out, 1, 65535, f);
        (*out)[k] = '\0';
        fclose(f);
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (code == 99)
        return -2;
    return listening ? 0 : code;
}

static void test_exposure(void)
{
    char *out;
    const char *tf =
        token_file("tokens2", "admin ops " ADMIN_TOKEN "\n", 0640);
    /* Every interface, no tokens: refused. */
    const char *a1[] = {"--listen", "0.0.0.0:0", "--db", rt_tmp("e.db"), NULL};
    int rc = run(a1, true, &out);
    if (rc == -2) {
        /* Without CAP_SYS_ADMIN there is no namespace to bind 0.0.0.0
         * in without exposing it: these three cases are not run. */
        fprintf(stderr, "note: unshare(CLONE_NEWNET) failed (no "
                        "CAP_SYS_ADMIN?): the non-loopback cases are not "
                        "run\n");
        free(out);
    } else {
        CHECK_MSG(rc == 1 && strstr(out, "refusing to serve") &&
                      strstr(out, "--insecure-no-auth"),
                  "rc %d: %s", rc, out);
        free(out);
        /* ...unless the operator says so, loudly. */
        const char *a2[] = {"--listen",     "0.0.0.0:0",          "--db",
                            rt_tmp("e.db"), "--insecure-no-auth", NULL};
        rc = run(a2, true, &out);
        CHECK_MSG(rc == 0 && strstr(out, "INSECURE"), "rc %d: %s", rc, out);
        free(out);
        /* ...or gives tokens. */
        const char *a3[] = {
            "--listen",     "0.0.0.0:0", "--db", rt_tmp("e.db"),
            "--token-file", tf,          NULL};
        rc = run(a3, true, &out);
        CHECK_MSG(rc == 0 && !strstr(out, "INSECURE"), "rc %d: %s", rc, out);
        free(out);
    }
    /* Token files that must stop the start (and never show a token). */
    struct {
        const char *text;
        mode_t mode;
        const char *why;
    } bad[] = {
        {"admin ops " ADMIN_TOKEN "\n", 0644, "readable or writable by "},
        {"admin ops " ADMIN_TOKEN "\n", 0602, "readable or writable by "},
        {"admin ops short\n", 0600, "must be 16 to"},
        {"root ops " ADMIN_TOKEN "\n", 0600, "is not admin or call"},
        {"admin " ADMIN_TOKEN "\n", 0600, "three words"},
        {"admin a " ADMIN_TOKEN "\ncall b " ADMIN_TOKEN "\n", 0600,
         "the same token"},
        {"# nothing\n", 0600, "no token"},
        {"admin ops " ADMIN_TOKEN "\"\n", 0600, "must be 16 to"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = token_file("bad-tokens", bad[i].text, bad[i].mode);
        const char *a[] = {
            "--listen", "127.0.0.1:0", "--db", rt_tmp("e.db"), "--token-file",
            p,          NULL};
        rc = run(a, false, &out);
        CHECK_MSG(rc == 1 && strstr(out, bad[i].why) &&
                      !strstr(out, ADMIN_TOKEN),
                  "case %zu: rc %d: %s", i, rc, out);
        free(out);
    }
    const char *a4[] = {"--listen",     "127.0.0.1:0",  "--db", rt_tmp("e.db"),
                        "--token-file", rt_tmp("none"), NULL};
    rc = run(a4, false, &out);
    CHECK_MSG(rc == 1 && strstr(out, "No such file"), "rc %d: %s", rc, out);
    free(out);
    const char *a5[] = {"--tls-cert", rt_tmp("c.pem"), NULL};
    rc = run(a5, false, &out);
    CHECK_MSG(rc == 2 && strstr(out, "--tls-key"), "rc %d: %s", rc, out);
    free(out);
}

static void test_unix_socket(void)
{
    char arg[200];
    const char *sock = rt_tmp("wx.sock");
    snprintf(arg, sizeof arg, "unix:%s", sock);
    mode_t old = umask(0); /* the mode must not come from the umask */
    CHECK(rt_start(&d, rt_tmp("unix.db"), "--listen", arg, NULL));
    umask(old);
    CHECK(strcmp(d.sock, sock) == 0);
    struct stat st;
    CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
          (st.st_mode & 07777) == 0660);
    rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    char *cfg = rt_config("calc", rt_guest("calc.wasm"), "[\"add\"]", NULL);
    r = rt_req(&d, "POST", "/plugins", cfg);
    CHECK_STATUS(r, 201);
    rt_free(&r);
    free(cfg);
    r = rt_req(&d, "POST", "/functions/add", "{\"args\":[2,3]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    /* A second daemon on the same socket: refused, the first untouched. */
    rt_daemon d2;
    CHECK(!rt_start(&d2, rt_tmp("unix2.db"), "--listen", arg, NULL));
    r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    /* kill -9 leaves the file: the next start replaces it, with the
     * same mode under a narrower umask. */
    rt_stop(&d, SIGKILL, 20000);
    CHECK(stat(sock, &st) == 0);
    old = umask(077);
    CHECK(rt_start(&d, rt_tmp("unix.db"), "--listen", arg, NULL));
    umask(old);
    CHECK(stat(sock, &st) == 0 && (st.st_mode & 07777) == 0660);
    r = rt_req(&d, "POST", "/functions/add", "{\"args\":[2,3]}");
    CHECK_STATUS(r, 200);
    rt_free(&r);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    /* A clean stop removes it. */
    CHECK(stat(sock, &st) != 0 && errno == ENOENT);
    /* A file that is not a socket is never replaced. */
    rt_write(sock, "precious\n");
    CHECK(!rt_start(&d, rt_tmp("unix.db"), "--listen", arg, NULL));
    char *log = rt_log(&d);
    CHECK(strstr(log, "not a socket") != NULL);
    free(log);
    CHECK(stat(sock, &st) == 0 && S_ISREG(st.st_mode));
}

/* A self-signed certificate for "localhost" and 127.0.0.1, valid until
 * 2126, made for this test (openssl req -x509 -newkey ec ...). */
static const char test_cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBmzCCAUGgAwIBAgIUOmfP14Hi5mMBxzZPg7fFth5p/bYwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNzA1MDcwOFoYDzIxMjYxMTEz\n"
    "MDUwNzA4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQuKgtKRupMCGxbeTeiDjeD403VAHqe4TDcfBHR+r2Lnt7lTciqrtys\n"
    "A9c2lMIkCY7FyJUybdH3iSj3W2f7BCT/o28wbTAdBgNVHQ4EFgQU5s8YATGDlZ2z\n"
    "lyy+1PGb81a5nt8wHwYDVR0jBBgwFoAU5s8YATGDlZ2zlyy+1PGb81a5nt8wDwYD\n"
    "VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI\n"
    "zj0EAwIDSAAwRQIhAJ0PfZ7Ub2DBlKaKi1RfD9xaJBEguTCsJJMBVBBKEk1/AiAa\n"
    "REBf/vBhuAk1jtvPK9+/LhjuZL4WCZEi50+9DGKCWw==\n"
    "-----END CERTIFICATE-----\n";
static const char test_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgT6OY8MdjP6T+vIms\n"
    "erMuSos03zSikcZ6Db4cIrK4tl+hRANCAAQuKgtKRupMCGxbeTeiDjeD403VAHqe\n"
    "4TDcfBHR+r2Lnt7lTciqrtysA9c2lMIkCY7FyJUybdH3iSj3W2f7BCT/\n"
    "-----END PRIVATE KEY-----\n";

static void test_tls(void)
{
    const char *cert = rt_tmp("cert.pem"), *key = rt_tmp("key.pem");
    rt_write(cert, test_cert);
    rt_write(key, test_key);
    const char *tf = token_file("tokens3", "call c " CALL_TOKEN "\n", 0600);
    CHECK(rt_start(&d, rt_tmp("tls.db"), "--tls-cert", cert, "--tls-key", key,
                   "--token-file", tf, NULL));
    d.cafile = cert;
    rt_resp r = rt_req(&d, "GET", "/healthz", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 401);
    rt_free(&r);
    d.token = CALL_TOKEN;
    r = rt_req(&d, "GET", "/plugins", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    /* Plain HTTP to the TLS port gets no HTTP answer. */
    const char *plain = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    long st;
    free(rt_raw(&d, plain, strlen(plain), &st));
    CHECK_MSG(st == 0, "plain HTTP on TLS: %ld", st);
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    /* A key that is not the certificate's stops the start. */
    rt_write(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                  "-----END PRIVATE KEY-----\n");
    CHECK(!rt_start(&d, rt_tmp("tls.db"), "--tls-cert", cert, "--tls-key", key,
                    NULL));
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    wasmext = argv[1];
    test_tokens();
    test_exposure();
    test_unix_socket();
    test_tls();
    return rt_finish(CHECK_DONE());
}
