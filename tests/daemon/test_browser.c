/*
 * What a web page on the same machine could send a daemon without
 * tokens on loopback (docs/security.md): DNS-rebinding requests (a Host
 * that is not loopback), cross-site requests (an Origin or
 * Sec-Fetch-Site of another site), and configs in bodies a form can send
 * without a CORS preflight (text/plain). Requests go over raw sockets,
 * so that the headers are exactly the hostile ones (libcurl would set
 * Host itself).
 */
#include "check.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rt_daemon d;

/* A raw request with `extra` header lines ("Name: value\r\n"...) and a
 * body; returns the status. */
static long raw(const char *method, const char *path, const char *host,
                const char *extra, const char *body, char **out)
{
    char req[4096];
    char hostline[256] = "";
    if (host)
        snprintf(hostline, sizeof hostline, "Host: %s\r\n", host);
    snprintf(req, sizeof req,
             "%s %s HTTP/1.1\r\n%s%sContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s",
             method, path, hostline, extra ? extra : "",
             body ? strlen(body) : 0, body ? body : "");
    long status;
    char *resp = rt_raw(&d, req, strlen(req), &status);
    if (out)
        *out = resp;
    else
        free(resp);
    return status;
}

static char self[64];      /* 127.0.0.1:PORT */
static char self_name[64]; /* localhost:PORT */

static void test_host(void)
{
    char other[64], v6[64];
    snprintf(other, sizeof other, "127.0.0.1:%d", d.port + 1);
    snprintf(v6, sizeof v6, "[::1]:%d", d.port);
    char evil[64];
    snprintf(evil, sizeof evil, "evil.example:%d", d.port);
    struct {
        const char *host;
        long want;
    } cases[] = {
        {self, 200},
        {self_name, 200},
        {v6, 200},
        {"LOCALHOST:0", 403}, /* another port */
        {other, 403},         /* another port */
        {evil, 403},          /* DNS rebinding */
        {"evil.example", 403},
        {"localhost", 403}, /* no port: not ours */
        {"127.0.0.1.evil.example:1", 403},
        {"10.0.0.1:80", 403},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *resp;
        long st = raw("GET", "/plugins", cases[i].host, NULL, NULL, &resp);
        CHECK_MSG(st == cases[i].want, "Host %s: %ld, want %ld: %.300s",
                  cases[i].host, st, cases[i].want, resp);
        if (cases[i].want == 403)
            CHECK_MSG(strstr(resp, "\"forbidden\"") &&
                          strstr(resp, "DNS-rebinding"),
                      "Host %s: %.300s", cases[i].host, resp);
        free(resp);
    }
    /* HTTP/1.0 has no Host: refused, the daemon cannot tell who it is. */
    const char *req = "GET /plugins HTTP/1.0\r\n\r\n";
    long st;
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 403, "HTTP/1.0 without Host: %ld", st);
}

static void test_origin(void)
{
    char same[96], same_name[96];
    snprintf(same, sizeof same, "Origin: http://%s\r\n", self);
    snprintf(same_name, sizeof same_name, "Origin: http://%s\r\n", self_name);
    char other_port[96];
    snprintf(other_port, sizeof other_port, "Origin: http://127.0.0.1:%d\r\n",
             d.port + 1);
    struct {
        const char *host, *headers;
        long want;
    } cases[] = {
        {self, same, 200},
        {self_name, same_name, 200},
        {self, same_name, 403}, /* another origin, even if loopback */
        {self, other_port, 403},
        {self, "Origin: http://evil.example\r\n", 403},
        {self, "Origin: null\r\n", 403},
        {self, "Origin: https://127.0.0.1\r\n", 403},
        {self, "Sec-Fetch-Site: cross-site\r\n", 403},
        {self, "Sec-Fetch-Site: same-site\r\n", 403},
        {self, "Sec-Fetch-Site: same-origin\r\n", 200},
        {self, "Sec-Fetch-Site: none\r\n", 200},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *resp;
        long st = raw("GET", "/plugins", cases[i].host, cases[i].headers, NULL,
                      &resp);
        CHECK_MSG(st == cases[i].want, "case %zu (%s): %ld, want %ld: %.300s",
                  i, cases[i].headers, st, cases[i].want, resp);
        free(resp);
    }
}

/* The attack of the task: a page posts a config that preopens / as
 * text/plain (no preflight), from another origin; and the same without
 * Origin (an old browser, a proxy that strips it). */
static void test_csrf_config(void)
{
    char *cfg = rt_config("evil", rt_guest("calc.wasm"), "[\"add\"]",
                          "\"wasi\": {\"preopens\": {\"/host\": \"/\"}}");
    char *resp;
    long st = raw("POST", "/plugins", self,
                  "Origin: http://evil.example\r\n"
                  "Content-Type: text/plain\r\n",
                  cfg, &resp);
    CHECK_MSG(st == 403, "%ld %.300s", st, resp);
    free(resp);
    st = raw("POST", "/plugins", self, "Content-Type: text/plain\r\n", cfg,
             &resp);
    CHECK_MSG(st == 415 && strstr(resp, "\"media_type\""), "%ld %.300s", st,
              resp);
    free(resp);
    /* And with the right type, from the same host: still refused, for
     * its host paths (no --allow-dir; test_hostpaths has the rest). */
    st = raw("POST", "/plugins", self, "Content-Type: application/json\r\n",
             cfg, &resp);
    CHECK_MSG(st == 403 && strstr(resp, "\"forbidden\""), "%ld %.300s", st,
              resp);
    free(resp);
    rt_resp r = rt_req(&d, "GET", "/plugins/evil", NULL);
    CHECK_STATUS(r, 404);
    rt_free(&r);
    free(cfg);
}

/* Adds and updates take application/json or application/zip only;
 * calls and deletes do not care (curl -d sends form-urlencoded). */
static void test_content_type(void)
{
    char *cfg = rt_config("ct", rt_guest("calc.wasm"), "[\"add\"]", NULL);
    struct {
        const char *ctype; /* NULL: no header */
        long want;
    } cases[] = {
        {NULL, 415},
        {"text/plain", 415},
        {"application/x-www-form-urlencoded", 415},
        {"multipart/form-data; boundary=x", 415},
        {"application/jsonx", 415},
        {"application/json-patch+json", 415},
        {"application/octet-stream", 415},
        {"Application/JSON; charset=utf-8", 201},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_resp r = rt_req_raw(&d, "POST", "/plugins", cases[i].ctype, cfg,
                               strlen(cfg), false);
        CHECK_MSG(r.status == cases[i].want, "%s: %ld, want %ld: %s",
                  cases[i].ctype ? cases[i].ctype : "(none)", r.status,
                  cases[i].want, r.body ? r.body : r.error);
        rt_free(&r);
    }
    /* Refused from the headers: 415 comes before the announced body. */
    char req[256];
    snprintf(req, sizeof req,
             "POST /plugins HTTP/1.1\r\nHost: %s\r\n"
             "Content-Type: text/plain\r\nContent-Length: 10000000\r\n\r\n",
             self);
    long st;
    free(rt_raw(&d, req, strlen(req), &st));
    CHECK_MSG(st == 415, "before the body: %ld", st);
    rt_resp r = rt_req_raw(&d, "PUT", "/plugins/ct", "text/plain", cfg,
                           strlen(cfg), false);
    CHECK_STATUS(r, 415);
    rt_free(&r);
    r = rt_req_raw(&d, "POST", "/plugins/ct/functions/add",
                   "application/x-www-form-urlencoded", "{\"args\":[2,3]}", 14,
                   false);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    r = rt_req(&d, "DELETE", "/plugins/ct", NULL);
    CHECK_STATUS(r, 200);
    rt_free(&r);
    free(cfg);
}

int main(int argc, char **argv)
{
    rt_init(argc, argv);
    CHECK(rt_start(&d, rt_tmp("reg.db"), NULL));
    snprintf(self, sizeof self, "127.0.0.1:%d", d.port);
    snprintf(self_name, sizeof self_name, "localhost:%d", d.port);
    test_host();
    test_origin();
    test_content_type();
    rt_stop(&d, SIGTERM, 20000);
    /* The preopen attack against a daemon started as `make run` starts
     * it: no --allow-dir. */
    CHECK(rt_start_bare(&d, rt_tmp("reg2.db"), NULL));
    snprintf(self, sizeof self, "127.0.0.1:%d", d.port);
    test_csrf_config();
    CHECK(rt_stop(&d, SIGTERM, 20000) == 0);
    return rt_finish(CHECK_DONE());
}
