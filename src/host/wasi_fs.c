/*
 * The path_* functions. Each one checks the directory's rights, resolves
 * its path(s) with wxw_path_resolve() (wasi_path.c: the sandbox), then
 * makes one *at() call on the directory fd and the single name it got,
 * with O_NOFOLLOW or AT_SYMLINK_NOFOLLOW: links were already followed by
 * the resolver where asked, inside the sandbox.
 */
#include "wasi_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* The directory fd of a path function, with the rights it needs. A
 * file is not a directory before it lacks rights. */
static wxw_fd *dir_of(wxw_call *c, int32_t fd, uint64_t rights, uint32_t *e)
{
    wxw_fd *f = wxw_fd_get(c->ctx, fd);
    if (f && f->kind != WXW_FD_DIR) {
        *e = WXW_ENOTDIR;
        return NULL;
    }
    return wxw_fd_check(c->ctx, fd, rights, e);
}

/* A path that ended in '/' must name a directory. */
static uint32_t check_must_dir(const wxw_path *p)
{
    struct stat st;
    if (!p->must_dir)
        return WXW_ESUCCESS;
    if (fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode))
        return WXW_ENOTDIR;
    return WXW_ESUCCESS;
}

/* ------------------------------------------------------------ path_open */

/* Rights that need the file open for writing, or for reading (as
 * wasi-libc asks for them). */
#define WXW_WRITE_RIGHTS                                                      \
    (WXW_RIGHT_FD_WRITE | WXW_RIGHT_FD_DATASYNC | WXW_RIGHT_FD_ALLOCATE |     \
     WXW_RIGHT_FD_FILESTAT_SET_SIZE)
#define WXW_READ_RIGHTS (WXW_RIGHT_FD_READ | WXW_RIGHT_FD_READDIR)

static int open_flags(uint32_t oflags, uint32_t fdflags, uint64_t base,
                      bool dir)
{
    int fl = O_CLOEXEC | O_NOFOLLOW;
    if (oflags & WXW_O_CREAT)
        fl |= O_CREAT;
    if (oflags & WXW_O_EXCL)
        fl |= O_EXCL;
    if (oflags & WXW_O_TRUNC)
        fl |= O_TRUNC;
    if (fdflags & WXW_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (fdflags & WXW_FDFLAG_NONBLOCK)
        fl |= O_NONBLOCK;
    if (fdflags & WXW_FDFLAG_SYNC)
        fl |= O_SYNC;
    else if (fdflags & WXW_FDFLAG_DSYNC)
        fl |= O_DSYNC;
    if (fdflags & WXW_FDFLAG_RSYNC)
        fl |= O_RSYNC;
    bool w = base & WXW_WRITE_RIGHTS, r = base & WXW_READ_RIGHTS;
    if (dir) {
        /* A directory is read, whatever else the rights ask (fd_datasync
         * on a directory is how a guest makes a rename durable), but
         * fd_write it can never honour: asked for, the host refuses the
         * open with EISDIR, as open(2) does for a directory opened for
         * writing, and as wasmtime decides, by FD_WRITE alone. wasi-libc's
         * opendir and Rust's read_dir leave FD_WRITE out. */
        fl |= O_DIRECTORY;
        w = base & WXW_RIGHT_FD_WRITE;
    }
    return fl | (w && r ? O_RDWR : w ? O_WRONLY : O_RDONLY);
}

uint32_t wxw_fn_path_open(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t oflags = WXW_U32(a[4]), fdflags = WXW_U32(a[7]), e;
    uint32_t out_ptr = WXW_U32(a[8]);
    uint64_t need = WXW_RIGHT_PATH_OPEN;
    if (oflags & WXW_O_CREAT)
        need |= WXW_RIGHT_PATH_CREATE_FILE;
    if (oflags & WXW_O_TRUNC)
        need |= WXW_RIGHT_PATH_FILESTAT_SET_SIZE;
    wxw_fd *dir = dir_of(c, a[0].of.i32, need, &e);
    if (!dir)
        return e;
    if ((oflags & ~0xfu) || (fdflags & ~0x1fu))
        return WXW_EINVAL;
    if (!wxw_mem_ok(c, out_ptr, 4))
        return WXW_EFAULT;
    /* A new descriptor has at most what its directory hands down. */
    uint64_t base = WXW_U64(a[5]) & dir->inheriting;
    uint64_t inh = WXW_U64(a[6]) & dir->inheriting;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[2]), WXW_U32(a[3]),
                         WXW_U32(a[1]) & WXW_LOOKUP_SYMLINK_FOLLOW, &p);
    if (e)
        return e;
    bool want_dir = (oflags & WXW_O_DIRECTORY) || p.must_dir;
    int hfd = openat(p.dirfd, p.name,
                     open_flags(oflags, fdflags, base, want_dir), 0666);
    e = hfd < 0 ? wxw_errno(errno) : WXW_ESUCCESS;
    wxw_path_done(&p);
    if (e)
        return e;
    struct stat st;
    wxw_fd *f;
    int32_t num;
    if (fstat(hfd, &st) != 0) {
        e = wxw_errno(errno);
        close(hfd);
        return e;
    }
    if ((num = wxw_fd_alloc(c->ctx, &f, &e)) < 0) {
        close(hfd);
        return e;
    }
    f->host = hfd;
    f->filetype = wxw_filetype(st.st_mode);
    if (S_ISDIR(st.st_mode)) {
        f->kind = WXW_FD_DIR;
        f->rights = base & WXW_RIGHTS_DIR;
        f->inheriting = inh;
    } else {
        f->kind = WXW_FD_FILE;
        f->rights = base & WXW_RIGHTS_FILE;
        f->inheriting = 0;
    }
    return wxw_store32(c, out_ptr, (uint32_t)num);
}

/* ------------------------------------------------------------ filestat */

uint32_t wxw_fn_path_filestat_get(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *dir = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_FILESTAT_GET, &e);
    if (!dir)
        return e;
    uint8_t *buf = wxw_mem(c, WXW_U32(a[4]), 64);
    if (!buf)
        return WXW_EFAULT;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[2]), WXW_U32(a[3]),
                         WXW_U32(a[1]) & WXW_LOOKUP_SYMLINK_FOLLOW, &p);
    if (e)
        return e;
    struct stat st;
    if (fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        e = wxw_errno(errno);
    else if (p.must_dir && !S_ISDIR(st.st_mode))
        e = WXW_ENOTDIR;
    wxw_path_done(&p);
    if (e)
        return e;
    wxw_put_filestat(buf, &st);
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_path_filestat_set_times(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *dir =
        dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_FILESTAT_SET_TIMES, &e);
    if (!dir)
        return e;
    struct timespec ts[2];
    if ((e = wxw_times(WXW_U64(a[4]), WXW_U64(a[5]), WXW_U32(a[6]), ts)))
        return e;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[2]), WXW_U32(a[3]),
                         WXW_U32(a[1]) & WXW_LOOKUP_SYMLINK_FOLLOW, &p);
    if (e)
        return e;
    if (!(e = check_must_dir(&p)) &&
        utimensat(p.dirfd, p.name, ts, AT_SYMLINK_NOFOLLOW) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    return e;
}

/* ---------------------------------------------- create, remove, rename */

uint32_t wxw_fn_path_create_directory(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *dir = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_CREATE_DIRECTORY, &e);
    if (!dir)
        return e;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[1]), WXW_U32(a[2]), false, &p);
    if (e)
        return e;
    if (mkdirat(p.dirfd, p.name, 0777) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    return e;
}

uint32_t wxw_fn_path_remove_directory(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *dir = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_REMOVE_DIRECTORY, &e);
    if (!dir)
        return e;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[1]), WXW_U32(a[2]), false, &p);
    if (e)
        return e;
    if (unlinkat(p.dirfd, p.name, AT_REMOVEDIR) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    return e;
}

uint32_t wxw_fn_path_unlink_file(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *dir = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_UNLINK_FILE, &e);
    if (!dir)
        return e;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[1]), WXW_U32(a[2]), false, &p);
    if (e)
        return e;
    struct stat st;
    if (p.must_dir)
        /* "name/" is a directory, or not what unlink takes. */
        e = fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) != 0
                ? wxw_errno(errno)
            : S_ISDIR(st.st_mode) ? WXW_EISDIR
                                  : WXW_ENOTDIR;
    else if (unlinkat(p.dirfd, p.name, 0) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    return e;
}

/* A new name that ended in '/' (`new/`) asks for a directory: only a
 * directory may move there (renameat(2) gets the name without its slash,
 * so it would move a file too). ENOTDIR otherwise, as rename(2) says. */
static uint32_t check_rename_to(const wxw_path *from, const wxw_path *to)
{
    struct stat st;
    if (!to->must_dir)
        return WXW_ESUCCESS;
    if (fstatat(from->dirfd, from->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return wxw_errno(errno);
    return S_ISDIR(st.st_mode) ? WXW_ESUCCESS : WXW_ENOTDIR;
}

uint32_t wxw_fn_path_rename(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *from = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_RENAME_SOURCE, &e);
    if (!from)
        return e;
    wxw_fd *to = dir_of(c, a[3].of.i32, WXW_RIGHT_PATH_RENAME_TARGET, &e);
    if (!to)
        return e;
    wxw_path p, q;
    e = wxw_path_resolve(c, from, WXW_U32(a[1]), WXW_U32(a[2]), false, &p);
    if (e)
        return e;
    e = wxw_path_resolve(c, to, WXW_U32(a[4]), WXW_U32(a[5]), false, &q);
    if (e) {
        wxw_path_done(&p);
        return e;
    }
    if (!(e = check_must_dir(&p)) && !(e = check_rename_to(&p, &q)) &&
        renameat(p.dirfd, p.name, q.dirfd, q.name) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    wxw_path_done(&q);
    return e;
}

/* ---------------------------------------------------------------- links */

/* A name to make a link at that ended in '/' (`link/`) asks for a
 * directory, which no link is. The answer is the host's (Linux link(2)
 * and symlink(2)): EEXIST when the name is taken, else ENOENT. */
static uint32_t check_new_link(const wxw_path *q)
{
    struct stat st;
    if (!q->must_dir)
        return WXW_ESUCCESS;
    if (fstatat(q->dirfd, q->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return WXW_EEXIST;
    return errno == ENOENT ? WXW_ENOENT : wxw_errno(errno);
}

uint32_t wxw_fn_path_link(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *from = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_LINK_SOURCE, &e);
    if (!from)
        return e;
    wxw_fd *to = dir_of(c, a[4].of.i32, WXW_RIGHT_PATH_LINK_TARGET, &e);
    if (!to)
        return e;
    wxw_path p, q;
    e = wxw_path_resolve(c, from, WXW_U32(a[2]), WXW_U32(a[3]),
                         WXW_U32(a[1]) & WXW_LOOKUP_SYMLINK_FOLLOW, &p);
    if (e)
        return e;
    e = wxw_path_resolve(c, to, WXW_U32(a[5]), WXW_U32(a[6]), false, &q);
    if (e) {
        wxw_path_done(&p);
        return e;
    }
    /* Never AT_SYMLINK_FOLLOW: the resolver followed the link, inside. */
    if (!(e = check_must_dir(&p)) && !(e = check_new_link(&q)) &&
        linkat(p.dirfd, p.name, q.dirfd, q.name, 0) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    wxw_path_done(&q);
    return e;
}

uint32_t wxw_fn_path_readlink(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e, len = WXW_U32(a[4]), used_ptr = WXW_U32(a[5]);
    wxw_fd *dir = dir_of(c, a[0].of.i32, WXW_RIGHT_PATH_READLINK, &e);
    if (!dir)
        return e;
    uint8_t *buf = wxw_mem(c, WXW_U32(a[3]), len);
    if (!buf || !wxw_mem_ok(c, used_ptr, 4))
        return WXW_EFAULT;
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[1]), WXW_U32(a[2]), false, &p);
    if (e)
        return e;
    char target[WXW_PATH_MAX];
    ssize_t n = readlinkat(p.dirfd, p.name, target, sizeof target);
    if (n < 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    if (e)
        return e;
    /* Cut to the guest's buffer, as readlink(2) does. */
    uint32_t k = (size_t)n < len ? (uint32_t)n : len;
    memcpy(buf, target, k);
    return wxw_store32(c, used_ptr, k);
}

uint32_t wxw_fn_path_symlink(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e, olen = WXW_U32(a[1]);
    wxw_fd *dir = dir_of(c, a[2].of.i32, WXW_RIGHT_PATH_SYMLINK, &e);
    if (!dir)
        return e;
    const uint8_t *old = wxw_mem(c, WXW_U32(a[0]), olen);
    if (!old)
        return WXW_EFAULT;
    if (olen == 0)
        return WXW_ENOENT;
    if (olen > WXW_PATH_MAX)
        return WXW_ENAMETOOLONG;
    if (memchr(old, '\0', olen))
        return WXW_EINVAL;
    /* A guest may only make links it could follow itself: an absolute
     * target would point the host's own tools outside the sandbox. */
    if (old[0] == '/')
        return WXW_ENOTCAPABLE;
    char target[WXW_PATH_MAX + 1];
    memcpy(target, old, olen);
    target[olen] = '\0';
    wxw_path p;
    e = wxw_path_resolve(c, dir, WXW_U32(a[3]), WXW_U32(a[4]), false, &p);
    if (e)
        return e;
    if (!(e = check_new_link(&p)) && symlinkat(target, p.dirfd, p.name) != 0)
        e = wxw_errno(errno);
    wxw_path_done(&p);
    return e;
}
