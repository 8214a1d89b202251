/*
 * The sandbox property, checked on many random paths against a tree full
 * of links (into, out of and around the sandbox): whatever the path, the
 * resolver either refuses it or returns a directory inside the sandbox and
 * a plain name; and the openat2 way and the walk agree on every path (the
 * same errno, or the same directory and name).
 *
 * White-box: it calls wxw_path_resolve() directly (wasi_internal.h).
 *
 * Usage: test_paths GUEST_DIR (unused)
 */
#include "wasi_test.h"

#include "wasi_internal.h"

#include <limits.h>

static const char *const parts[] = {
    "..",    ".",       "",        "a",    "b",          "f.txt", "up",
    "upup",  "inner",   "abs",     "evil", "dang",       "loop",  "twisty",
    "chain", "selfdir", "nothere", "a/b",  "../sandbox",
};
#define NPARTS (sizeof parts / sizeof parts[0])

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void link_at(const char *dir, const char *name, const char *target)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    CHECK_MSG(symlink(target, p) == 0, "symlink %s", p);
}

/* Where (dirfd, name) is, as an absolute host path of the directory. */
static bool dir_path(int dirfd, char *out, size_t size)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(proc, out, size - 1);
    if (n < 0)
        return false;
    out[n] = '\0';
    return true;
}

typedef struct result {
    uint32_t e;
    char dir[PATH_MAX];
    char name[256];
    bool must_dir;
} result;

static void resolve(wxw_ctx *ctx, const char *path, bool follow,
                    bool walk_only, result *r)
{
    wxw_call c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    c.mem = (uint8_t *)path;
    c.size = strlen(path);
    ctx->flags = walk_only ? WXW_FLAG_NO_OPENAT2 : 0;
    wxw_path p;
    memset(r, 0, sizeof *r);
    r->e = wxw_path_resolve(&c, wxw_fd_get(ctx, 3), 0, (uint32_t)c.size,
                            follow, &p);
    if (r->e)
        return;
    CHECK(dir_path(p.dirfd, r->dir, sizeof r->dir));
    snprintf(r->name, sizeof r->name, "%s", p.name);
    r->must_dir = p.must_dir;
    wxw_path_done(&p);
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    tree t;
    tree_make(&t);
    char p[600], real[PATH_MAX];
    snprintf(p, sizeof p, "%s/a/b", t.sandbox);
    snprintf(real, sizeof real, "%s/a", t.sandbox);
    CHECK(mkdir(real, 0755) == 0 && mkdir(p, 0755) == 0);
    snprintf(p, sizeof p, "%s/f.txt", t.sandbox);
    put_file(p, "f");
    link_at(t.sandbox, "up", "..");
    link_at(t.sandbox, "upup", "../..");
    link_at(t.sandbox, "inner", "a/b");
    link_at(t.sandbox, "abs", "/tmp");
    link_at(t.sandbox, "dang", "nothere/x");
    link_at(t.sandbox, "loop", "loop");
    link_at(t.sandbox, "twisty", "inner/../../f.txt");
    snprintf(p, sizeof p, "%s/a", t.sandbox);
    link_at(p, "up", "..");     /* a/up: the sandbox, fine */
    link_at(p, "selfdir", "."); /* a/selfdir: a */
    snprintf(p, sizeof p, "%s/a/b", t.sandbox);
    link_at(p, "upup", "../..");   /* a/b/upup: the sandbox */
    link_at(p, "out", "../../.."); /* a/b/out: outside */
    CHECK(realpath(t.sandbox, real) != NULL);
    size_t rlen = strlen(real);

    wxw_opts o = tree_opts(&t, 0, NULL);
    wx_error err;
    wxw_ctx *ctx = wxw_ctx_new(&o, &err);
    CHECK_MSG(ctx != NULL, "%s", err.message);
    if (!ctx)
        return CHECK_DONE();
    int refused = 0, resolved = 0, mismatches = 0, escapes = 0;
    for (int i = 0; i < 20000; i++) {
        char path[512] = "";
        int n = 1 + (int)(next() % 7);
        for (int k = 0; k < n; k++) {
            if (k)
                strcat(path, "/");
            strcat(path, parts[next() % NPARTS]);
        }
        if (next() % 8 == 0)
            strcat(path, "/");
        if (!path[0])
            continue;
        bool follow = next() % 2;
        result a, b;
        resolve(ctx, path, follow, false, &a);
        resolve(ctx, path, follow, true, &b);
        if (a.e != b.e || strcmp(a.dir, b.dir) != 0 ||
            strcmp(a.name, b.name) != 0) {
            if (mismatches++ < 10)
                fprintf(stderr,
                        "\"%s\" follow=%d: openat2 %u %s %s, walk %u %s "
                        "%s\n",
                        path, follow, a.e, a.dir, a.name, b.e, b.dir, b.name);
        }
        for (int w = 0; w < 2; w++) {
            const result *r = w ? &b : &a;
            if (r->e) {
                refused++;
                continue;
            }
            resolved++;
            bool inside = strncmp(r->dir, real, rlen) == 0 &&
                          (r->dir[rlen] == '\0' || r->dir[rlen] == '/');
            bool plain =
                !strchr(r->name, '/') && strcmp(r->name, "..") && r->name[0];
            if (!inside || !plain) {
                if (escapes++ < 10)
                    fprintf(stderr, "\"%s\": escaped to %s + %s\n", path,
                            r->dir, r->name);
            }
        }
    }
    CHECK_MSG(mismatches == 0, "%d mismatches", mismatches);
    CHECK_MSG(escapes == 0, "%d escapes", escapes);
    printf("%d resolved, %d refused\n", resolved, refused);
    CHECK(resolved > 1000 && refused > 1000);
    /* Specific answers. */
    static const struct {
        const char *path;
        bool follow;
        uint32_t e;
        const char *name;
    } cases[] = {
        {"up", true, WXW_ENOTCAPABLE, NULL},
        {"up", false, 0, "up"},
        {"a/up", true, 0, "."},
        {"a/b/upup/f.txt", true, 0, "f.txt"},
        {"a/b/out/outside", true, WXW_ENOTCAPABLE, NULL},
        {"abs", true, WXW_ENOTCAPABLE, NULL},
        {"abs/x", false, WXW_ENOTCAPABLE, NULL},
        {"loop", true, WXW_ELOOP, NULL},
        {"loop/x", false, WXW_ELOOP, NULL},
        {"chain", true, WXW_ENOTCAPABLE, NULL},
        {"twisty", true, 0, "f.txt"},
        {"inner/../f.txt", false, 0, "f.txt"},
        {"dang", true, WXW_ENOENT, NULL},
        {"f.txt/x", false, WXW_ENOTDIR, NULL},
        {"nothere/x", false, WXW_ENOENT, NULL},
        {"a/selfdir/selfdir/b", false, 0, "b"},
        {"../sandbox/f.txt", false, WXW_ENOTCAPABLE, NULL},
        {"a//b///", false, 0, "b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int w = 0; w < 2; w++) {
            result r;
            resolve(ctx, cases[i].path, cases[i].follow, w, &r);
            CHECK_MSG(r.e == cases[i].e &&
                          (!cases[i].name || !strcmp(r.name, cases[i].name)),
                      "%s (%s): errno %u name %s", cases[i].path,
                      w ? "walk" : "openat2", r.e, r.name);
        }
    }
    wxw_ctx_free(ctx);
    tree_free(&t);
    return CHECK_DONE();
}
