/*
 * Guest paths, resolved without ever leaving the directory they are
 * resolved against. This file is the sandbox: every path_* function goes
 * through wxw_path_resolve() and then acts with *at() calls on the
 * directory fd and single name it returns, never on a path string.
 *
 * Two ways give the same answer:
 *
 *   - the walk, which works everywhere: one component at a time with
 *     openat(O_PATH | O_DIRECTORY | O_NOFOLLOW), so that no symbolic link
 *     is followed by the kernel behind our back; a link is read with
 *     readlinkat() and its target spliced into the rest of the path
 *     (absolute targets refused), at most 40 times. `..` never goes above
 *     the starting directory: the walk counts its depth, and when it goes
 *     up it checks that the directory it reached is the one it came
 *     through (device and inode), so that a directory moved away during
 *     the walk cannot lead outside.
 *   - openat2(RESOLVE_BENEATH) (Linux 5.6+), where the kernel does the
 *     same for the directory part in one call. Any failure there falls
 *     back to the walk, which then gives the error: both ways refuse the
 *     same paths with the same errno.
 *
 * The last component is resolved by the caller's operation, relative to
 * the directory found: a link there is followed (by the walk) only when
 * asked, and the operation itself always uses O_NOFOLLOW or its *at flag,
 * so a link swapped in after resolution is refused, not followed.
 */
#include "wasi_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && defined(SYS_openat2)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define WXW_HAVE_OPENAT2 1
#endif
#endif

/* As Linux: at most 40 symbolic links in one resolution. */
#define WXW_MAX_LINKS 40
#define WXW_NAME_MAX 255

struct wxw_dirid {
    dev_t dev;
    ino_t ino;
};

typedef struct walk {
    wxw_ctx *ctx;
    int root;     /* borrowed: the guest's directory fd */
    int cur;      /* root, or an O_PATH fd of ours */
    size_t depth; /* levels below root; ctx->walk[d] names level d */
    unsigned links;
} walk;

static void walk_close(walk *w)
{
    if (w->cur != w->root)
        close(w->cur);
    w->cur = w->root;
}

/* Enters directory `fd` (ours), one level down. */
static uint32_t walk_down(walk *w, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return wxw_errno(e);
    }
    wxw_ctx *ctx = w->ctx;
    if (w->depth + 1 >= ctx->walk_cap) {
        size_t cap = ctx->walk_cap ? ctx->walk_cap * 2 : 32;
        struct wxw_dirid *ids = realloc(ctx->walk, cap * sizeof *ids);
        if (!ids) {
            close(fd);
            return WXW_ENOMEM;
        }
        ctx->walk = ids;
        ctx->walk_cap = cap;
    }
    w->depth++;
    ctx->walk[w->depth].dev = st.st_dev;
    ctx->walk[w->depth].ino = st.st_ino;
    if (w->cur != w->root)
        close(w->cur);
    w->cur = fd;
    return WXW_ESUCCESS;
}

/* `..`: one level up, never above the root. */
static uint32_t walk_up(walk *w)
{
    if (w->depth == 0)
        return WXW_ENOTCAPABLE;
    if (w->depth == 1) {
        walk_close(w);
        w->depth = 0;
        return WXW_ESUCCESS;
    }
    int fd = openat(w->cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wxw_errno(errno);
    struct stat st;
    const struct wxw_dirid *want = &w->ctx->walk[w->depth - 1];
    if (fstat(fd, &st) != 0 || st.st_dev != want->dev ||
        st.st_ino != want->ino) {
        /* The directory we are in was moved: its parent is no longer
         * the one we came through, and may be outside. */
        close(fd);
        return WXW_ENOTCAPABLE;
    }
    close(w->cur);
    w->cur = fd;
    w->depth--;
    return WXW_ESUCCESS;
}

/*
 * If `name` in w->cur is a symbolic link, replaces buf[0, pos) (the path
 * up to and including it) by its target, so that the walk goes on through
 * the target from w->cur. Returns ESUCCESS with *expanded set, or an
 * errno.
 */
static uint32_t expand_link(walk *w, const char *name, char *buf, size_t pos,
                            bool *expanded)
{
    char target[WXW_PATH_MAX + 1];
    *expanded = false;
    ssize_t n = readlinkat(w->cur, name, target, sizeof target);
    if (n < 0) {
        /* EINVAL: not a link; ENOENT: nothing there (yet). Either way
         * the name stands for itself. */
        if (errno == EINVAL || errno == ENOENT)
            return WXW_ESUCCESS;
        return wxw_errno(errno);
    }
    if ((size_t)n >= sizeof target)
        return WXW_ENAMETOOLONG;
    if (n == 0)
        return WXW_ENOENT;
    if (target[0] == '/')
        return WXW_ENOTCAPABLE;
    if (++w->links > WXW_MAX_LINKS)
        return WXW_ELOOP;
    size_t rest = strlen(buf + pos);
    if ((size_t)n + rest > WXW_PATH_MAX)
        return WXW_ENAMETOOLONG;
    memmove(buf + n, buf + pos, rest + 1);
    memcpy(buf, target, (size_t)n);
    *expanded = true;
    return WXW_ESUCCESS;
}

static void set_name(wxw_path *out, const char *name, size_t len)
{
    memcpy(out->name, name, len);
    out->name[len] = '\0';
}

/* The walk over buf (NUL-terminated, relative, at most WXW_PATH_MAX). */
static uint32_t resolve_walk(wxw_ctx *ctx, int root, char *buf, bool follow,
                             wxw_path *out)
{
    walk w = {ctx, root, root, 0, 0};
    size_t pos = 0;
    uint32_t e = WXW_ESUCCESS;
    for (;;) {
        while (buf[pos] == '/')
            pos++;
        if (!buf[pos]) {
            /* Only slashes were left: the path names w.cur itself. */
            set_name(out, ".", 1);
            out->must_dir = true;
            break;
        }
        size_t start = pos;
        while (buf[pos] && buf[pos] != '/')
            pos++;
        size_t len = pos - start;
        if (len > WXW_NAME_MAX) {
            e = WXW_ENAMETOOLONG;
            break;
        }
        char name[WXW_NAME_MAX + 1];
        memcpy(name, buf + start, len);
        name[len] = '\0';
        size_t after = pos;
        while (buf[after] == '/')
            after++;
        bool slash = after != pos, last = !buf[after];
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            if (name[1] && (e = walk_up(&w)) != WXW_ESUCCESS)
                break;
            if (last) {
                set_name(out, ".", 1);
                out->must_dir = true;
                break;
            }
            continue;
        }
        if (last) {
            /* A trailing slash asks for a directory, through links. */
            bool expanded = false;
            if ((follow || slash) &&
                (e = expand_link(&w, name, buf, pos, &expanded)) !=
                    WXW_ESUCCESS)
                break;
            if (expanded) {
                pos = 0;
                continue;
            }
            set_name(out, name, len);
            out->must_dir = slash;
            break;
        }
        int fd =
            openat(w.cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            bool expanded = false;
            if ((err == ENOTDIR || err == ELOOP) &&
                (e = expand_link(&w, name, buf, pos, &expanded)) !=
                    WXW_ESUCCESS)
                break;
            if (expanded) {
                pos = 0;
                continue;
            }
            e = wxw_errno(err);
            break;
        }
        if ((e = walk_down(&w, fd)) != WXW_ESUCCESS)
            break;
        pos = after;
    }
    if (e != WXW_ESUCCESS) {
        walk_close(&w);
        return e;
    }
    out->dirfd = w.cur;
    out->owned = w.cur != root;
    return WXW_ESUCCESS;
}

#ifdef WXW_HAVE_OPENAT2
/*
 * The kernel's way, for the common path "dir/.../name" whose last
 * component is a plain name. Returns true when it resolved the path;
 * false sends the caller to the walk (which also finds the errno).
 */
static bool resolve_openat2(wxw_ctx *ctx, int root, const char *buf,
                            size_t len, bool follow, wxw_path *out)
{
    size_t end = len;
    while (end && buf[end - 1] == '/')
        end--;
    if (end != len || end == 0)
        return false; /* trailing slashes: leave them to the walk */
    size_t start = end;
    while (start && buf[start - 1] != '/')
        start--;
    size_t nlen = end - start;
    if (nlen > WXW_NAME_MAX ||
        (buf[start] == '.' &&
         (nlen == 1 || (nlen == 2 && buf[start + 1] == '.'))))
        return false;
    int dirfd = root;
    if (start) {
        char dir[WXW_PATH_MAX + 1];
        memcpy(dir, buf, start);
        dir[start] = '\0';
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        long fd = syscall(SYS_openat2, root, dir, &how, sizeof how);
        if (fd < 0) {
            /* Not in this kernel (or filtered): use the walk from now
             * on in this context. */
            if (errno == ENOSYS || errno == EPERM)
                ctx->flags |= WXW_FLAG_NO_OPENAT2;
            return false;
        }
        dirfd = (int)fd;
    }
    set_name(out, buf + start, nlen);
    if (follow) {
        /* A link in the last place: the walk follows it safely. */
        char t[1];
        if (readlinkat(dirfd, out->name, t, sizeof t) >= 0) {
            if (dirfd != root)
                close(dirfd);
            return false;
        }
    }
    out->dirfd = dirfd;
    out->owned = dirfd != root;
    out->must_dir = false;
    return true;
}
#endif

uint32_t wxw_path_resolve(wxw_call *c, const wxw_fd *dir, uint32_t ptr,
                          uint32_t len, bool follow, wxw_path *out)
{
    out->dirfd = -1;
    out->owned = false;
    out->must_dir = false;
    out->name[0] = '\0';
    const uint8_t *p = wxw_mem(c, ptr, len);
    if (!p)
        return WXW_EFAULT;
    if (dir->kind != WXW_FD_DIR)
        return WXW_ENOTDIR;
    if (len == 0)
        return WXW_ENOENT;
    if (len > WXW_PATH_MAX)
        return WXW_ENAMETOOLONG;
    if (memchr(p, '\0', len))
        return WXW_EINVAL;
    if (p[0] == '/')
        return WXW_ENOTCAPABLE;
    char buf[WXW_PATH_MAX + 1];
    memcpy(buf, p, len);
    buf[len] = '\0';
#ifdef WXW_HAVE_OPENAT2
    if (!(c->ctx->flags & WXW_FLAG_NO_OPENAT2) &&
        resolve_openat2(c->ctx, dir->host, buf, len, follow, out))
        return WXW_ESUCCESS;
#endif
    return resolve_walk(c->ctx, dir->host, buf, follow, out);
}

void wxw_path_done(wxw_path *p)
{
    if (p->owned && p->dirfd >= 0)
        close(p->dirfd);
    p->dirfd = -1;
    p->owned = false;
}
