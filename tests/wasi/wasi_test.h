/*
 * Helpers for the WASI tests: loading the guests built into the build
 * tree, running a command with its output captured, and a scratch
 * directory tree with a sandbox to grant and an "outside" the guest must
 * not reach (with the symbolic links that try).
 */
#ifndef WX_TEST_WASI_H
#define WX_TEST_WASI_H

#define _GNU_SOURCE
#include "check.h"
#include "wasi.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *guest_dir = ".";

static inline uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, k;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        k = fread(buf + n, 1, cap - n, f);
        n += k;
    } while (k > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* A guest from the build tree, or NULL with a failed check. */
static inline wx_module *load_guest(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", guest_dir, name);
    size_t len;
    uint8_t *bytes = read_whole(path, &len);
    CHECK_MSG(bytes != NULL, "cannot read %s", path);
    if (!bytes)
        return NULL;
    wx_error err;
    wx_module *m = wx_module_load(bytes, len, NULL, &err);
    free(bytes);
    CHECK_MSG(m != NULL, "%s: %s", path, err.message);
    return m;
}

/* -------------------------------------------------------------- capture */

typedef struct capture {
    char *data[3]; /* [1] stdout, [2] stderr; NUL-terminated */
    size_t len[3];
    uint64_t dropped[3];
} capture;

static inline void capture_drain(void *ud, int fd, const uint8_t *data,
                                 size_t len, uint64_t dropped)
{
    capture *c = ud;
    char *nb = realloc(c->data[fd], c->len[fd] + len + 1);
    if (!nb)
        abort();
    if (len)
        memcpy(nb + c->len[fd], data, len);
    c->len[fd] += len;
    nb[c->len[fd]] = '\0';
    c->data[fd] = nb;
    c->dropped[fd] += dropped;
}

static inline void capture_free(capture *c)
{
    free(c->data[1]);
    free(c->data[2]);
    memset(c, 0, sizeof *c);
}

static inline const char *captured(const capture *c, int fd)
{
    return c->data[fd] ? c->data[fd] : "";
}

/*
 * Runs a WASI command with `o` (output in log mode, drained into `cap`)
 * through the per-instance API: context, linker, instance, _start.
 */
static inline wx_status run_guest(const wx_module *m, const wxw_opts *o,
                                  int *code, capture *cap, wx_error *err)
{
    wxw_ctx *ctx = wxw_ctx_new(o, err);
    if (!ctx)
        return err->status;
    wx_linker *l = wx_linker_new(err);
    wx_status s = l ? wxw_define(l, m, ctx, err) : err->status;
    wx_instance *inst = s == WX_OK ? wx_instantiate(m, l, NULL, err) : NULL;
    if (inst)
        s = wxw_start(inst, code, err);
    else if (s == WX_OK)
        s = err->status;
    wxw_ctx_drain(ctx, capture_drain, cap);
    wx_instance_free(inst);
    wx_linker_free(l);
    wxw_ctx_free(ctx);
    return s;
}

/* Runs and checks for exit code 0, showing the guest's stderr if not. */
static inline void run_ok(const char *what, const wx_module *m,
                          const wxw_opts *o, capture *cap)
{
    wx_error err;
    int code = -1;
    wx_status s = run_guest(m, o, &code, cap, &err);
    CHECK_MSG(s == WX_OK && code == 0, "%s: status %s, exit %d: %s\n%s", what,
              wx_status_name(s), code, s == WX_OK ? "" : err.message,
              captured(cap, 2));
}

/* ------------------------------------------------------- scratch trees */

typedef struct tree {
    char root[256];
    char sandbox[300];
    char outside[300];
} tree;

static inline void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "create %s", path);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static inline char *slurp(const char *path)
{
    size_t len;
    char *s = (char *)read_whole(path, &len);
    if (!s)
        return NULL;
    char *z = realloc(s, len + 1);
    if (!z) {
        free(s);
        return NULL;
    }
    z[len] = '\0';
    return z;
}

static inline bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/*
 * root/sandbox: granted as /sandbox, with links that try to leave it:
 *   evil -> ../outside, evil_abs -> ROOT/outside/secret.txt,
 *   chain -> chain2 -> ../outside/secret.txt,
 *   evil_new -> ../outside/created.txt (dangling: a create through it);
 * and a.txt ("a\n"), kept.txt ("k") for the fd tests.
 * root/outside/secret.txt: must stay as it is, alone.
 */
static inline void tree_make(tree *t)
{
    snprintf(t->root, sizeof t->root, "/tmp/wxw-test-XXXXXX");
    if (!mkdtemp(t->root)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(t->sandbox, sizeof t->sandbox, "%s/sandbox", t->root);
    snprintf(t->outside, sizeof t->outside, "%s/outside", t->root);
    CHECK(mkdir(t->sandbox, 0755) == 0 && mkdir(t->outside, 0755) == 0);
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/secret.txt", t->outside);
    put_file(p, "secret\n");
    snprintf(p, sizeof p, "%s/a.txt", t->sandbox);
    put_file(p, "a\n");
    snprintf(p, sizeof p, "%s/kept.txt", t->sandbox);
    put_file(p, "k");
    static const char *const links[][2] = {
        {"evil", "../outside"},
        {"chain", "chain2"},
        {"chain2", "../outside/secret.txt"},
        {"evil_new", "../outside/created.txt"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", t->sandbox, links[i][0]);
        CHECK(symlink(links[i][1], p) == 0);
    }
    snprintf(p, sizeof p, "%s/evil_abs", t->sandbox);
    snprintf(q, sizeof q, "%s/secret.txt", t->outside);
    CHECK(symlink(q, p) == 0);
}

/* The outside is as tree_make left it: only secret.txt, unchanged. */
static inline void tree_check_outside(const tree *t, const char *what)
{
    char p[512];
    snprintf(p, sizeof p, "%s/secret.txt", t->outside);
    char *s = slurp(p);
    CHECK_MSG(s && strcmp(s, "secret\n") == 0, "%s: secret.txt changed", what);
    free(s);
    static const char *const never[] = {"created.txt", "stolen", "newdir",
                                        "d"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", t->outside, never[i]);
        CHECK_MSG(!exists(p), "%s: %s appeared outside", what, never[i]);
    }
    snprintf(p, sizeof p, "%s/stolen", t->sandbox);
    CHECK_MSG(!exists(p), "%s: sandbox/stolen appeared", what);
}

static inline int rm_one(const char *path, const struct stat *st, int flag,
                         struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static inline void tree_free(tree *t)
{
    nftw(t->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Options granting t's sandbox as /sandbox. */
static wxw_kv sandbox_kv[1];

static inline wxw_opts tree_opts(const tree *t, size_t nargs,
                                 const char *const *args)
{
    wxw_opts o;
    memset(&o, 0, sizeof o);
    o.nargs = nargs;
    o.args = args;
    sandbox_kv[0].key = "/sandbox";
    sandbox_kv[0].value = t->sandbox;
    o.npreopens = 1;
    o.preopens = sandbox_kv;
    return o;
}

#endif
