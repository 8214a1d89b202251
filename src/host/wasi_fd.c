/*
 * The fd_* functions: reading, writing, seeking, stat and flags of open
 * descriptors, directory listing, and the preopen queries. Each checks the
 * rights it needs, every guest buffer before any transfer (so that a bad
 * pointer is EFAULT with nothing done), and never passes a guest value to
 * the host unchecked.
 */
#include "wasi_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

uint32_t wxw_iovecs(const wxw_call *c, uint32_t iovs, uint32_t n,
                    wxw_iovs *out)
{
    out->v = out->small;
    out->n = 0;
    out->total = 0;
    const uint8_t *v = wxw_mem(c, iovs, 8 * (uint64_t)n);
    if (!v)
        return WXW_EFAULT;
    uint32_t room = n < WXW_IOV_MAX ? n : WXW_IOV_MAX;
    if (room > WXW_IOV_SMALL && !(out->v = malloc(room * sizeof *out->v))) {
        out->v = out->small;
        return WXW_ENOMEM;
    }
    int used = 0;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++, v += 8) {
        uint32_t ptr = wxw_get32(v), len = wxw_get32(v + 4);
        if (!wxw_mem_ok(c, ptr, len))
            return WXW_EFAULT;
        if ((uint32_t)used == room || sum == WXW_IO_MAX)
            continue;
        if (len > WXW_IO_MAX - sum)
            len = (uint32_t)(WXW_IO_MAX - sum);
        out->v[used].iov_base = c->mem + ptr;
        out->v[used].iov_len = len;
        used++;
        sum += len;
    }
    out->n = used;
    out->total = (size_t)sum;
    return WXW_ESUCCESS;
}

void wxw_iovs_free(wxw_iovs *v)
{
    if (v->v != v->small)
        free(v->v);
    v->v = v->small;
}

/* Descriptors of directories read as directories do: EISDIR. */
static uint32_t check_io(wxw_call *c, int32_t fd, uint64_t right, wxw_fd **out)
{
    uint32_t e;
    wxw_fd *f = wxw_fd_get(c->ctx, fd);
    if (f && f->kind == WXW_FD_DIR)
        return WXW_EISDIR;
    if (!(f = wxw_fd_check(c->ctx, fd, right, &e)))
        return e;
    *out = f;
    return WXW_ESUCCESS;
}

/* ------------------------------------------------------ read and write */

static size_t stdin_read(wxw_ctx *ctx, const struct iovec *iov, int n)
{
    size_t done = 0;
    for (int i = 0; i < n && ctx->stdin_pos < ctx->stdin_len; i++) {
        size_t k = ctx->stdin_len - ctx->stdin_pos;
        if (k > iov[i].iov_len)
            k = iov[i].iov_len;
        memcpy(iov[i].iov_base, ctx->stdin_data + ctx->stdin_pos, k);
        ctx->stdin_pos += k;
        done += k;
    }
    return done;
}

/* do_read's transfer, into the checked buffers. */
static uint32_t read_into(wxw_call *c, wxw_fd *f, struct iovec *iov, int n,
                          int64_t offset, uint32_t out_ptr)
{
    uint32_t e;
    if (!wxw_mem_ok(c, out_ptr, 4))
        return WXW_EFAULT;
    ssize_t got;
    if (f->kind == WXW_FD_STDIO) {
        if (offset >= 0)
            return WXW_ESPIPE;
        if (c->ctx->in == WXW_INPUT_INHERIT) {
            /* A terminal or pipe may wait for ever: wait where a timeout
             * can end it. */
            if ((e = wxw_wait_readable(c, 0)) == WXW_INTERRUPTED)
                return e;
            got = readv(0, iov, n);
        } else
            got = (ssize_t)stdin_read(c->ctx, iov, n);
    } else {
        if (offset < 0 && f->filetype != WXW_FILETYPE_REGULAR_FILE &&
            (e = wxw_wait_readable(c, f->host)) == WXW_INTERRUPTED)
            return e;
        got = offset >= 0 ? preadv(f->host, iov, n, offset)
                          : readv(f->host, iov, n);
    }
    if (got < 0)
        return wxw_errno(errno);
    return wxw_store32(c, out_ptr, (uint32_t)got);
}

/* fd_read and fd_pread; offset < 0 for the current position. */
static uint32_t do_read(wxw_call *c, const wx_wasm_val *a, int64_t offset,
                        uint32_t out_ptr)
{
    int32_t fd = a[0].of.i32;
    wxw_fd *f = NULL; /* set by check_io whenever it returns 0 */
    uint32_t e = check_io(
        c, fd, WXW_RIGHT_FD_READ | (offset >= 0 ? WXW_RIGHT_FD_SEEK : 0), &f);
    if (e)
        return e;
    wxw_iovs io;
    if ((e = wxw_iovecs(c, WXW_U32(a[1]), WXW_U32(a[2]), &io)) == 0)
        e = read_into(c, f, io.v, io.n, offset, out_ptr);
    wxw_iovs_free(&io);
    return e;
}

uint32_t wxw_fn_fd_read(wxw_call *c, const wx_wasm_val *a)
{
    return do_read(c, a, -1, WXW_U32(a[3]));
}

uint32_t wxw_fn_fd_pread(wxw_call *c, const wx_wasm_val *a)
{
    if (a[3].of.i64 < 0)
        return WXW_EINVAL;
    return do_read(c, a, a[3].of.i64, WXW_U32(a[4]));
}

/* do_write's transfer, from the checked buffers (which it may consume). */
static uint32_t write_from(wxw_call *c, wxw_fd *f, struct iovec *iov, int n,
                           size_t total, int64_t offset, uint32_t out_ptr)
{
    uint32_t e;
    if (!wxw_mem_ok(c, out_ptr, 4))
        return WXW_EFAULT;
    size_t done = 0;
    if (f->kind == WXW_FD_STDIO) {
        if (offset >= 0)
            return WXW_ESPIPE;
        e = wxw_output_write(c->ctx, f->stream, iov, n, total, &done);
        if (e)
            return e;
    } else {
        ssize_t w = offset >= 0 ? pwritev(f->host, iov, n, offset)
                                : writev(f->host, iov, n);
        if (w < 0)
            return wxw_errno(errno);
        done = (size_t)w;
    }
    return wxw_store32(c, out_ptr, (uint32_t)done);
}

static uint32_t do_write(wxw_call *c, const wx_wasm_val *a, int64_t offset,
                         uint32_t out_ptr)
{
    int32_t fd = a[0].of.i32;
    wxw_fd *f = NULL; /* set by check_io whenever it returns 0 */
    uint32_t e = check_io(
        c, fd, WXW_RIGHT_FD_WRITE | (offset >= 0 ? WXW_RIGHT_FD_SEEK : 0), &f);
    if (e)
        return e;
    wxw_iovs io;
    if ((e = wxw_iovecs(c, WXW_U32(a[1]), WXW_U32(a[2]), &io)) == 0)
        e = write_from(c, f, io.v, io.n, io.total, offset, out_ptr);
    wxw_iovs_free(&io);
    return e;
}

uint32_t wxw_fn_fd_write(wxw_call *c, const wx_wasm_val *a)
{
    return do_write(c, a, -1, WXW_U32(a[3]));
}

uint32_t wxw_fn_fd_pwrite(wxw_call *c, const wx_wasm_val *a)
{
    if (a[3].of.i64 < 0)
        return WXW_EINVAL;
    return do_write(c, a, a[3].of.i64, WXW_U32(a[4]));
}

/* ------------------------------------------------------------ position */

uint32_t wxw_fn_fd_seek(wxw_call *c, const wx_wasm_val *a)
{
    int64_t off = a[1].of.i64;
    uint32_t whence = WXW_U32(a[2]), e;
    /* Asking where we are needs only the tell right. */
    uint64_t right =
        off == 0 && whence == 1 ? WXW_RIGHT_FD_TELL : WXW_RIGHT_FD_SEEK;
    wxw_fd *f = wxw_fd_check(c->ctx, a[0].of.i32, right, &e);
    if (!f)
        return e;
    static const int whences[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    if (whence > 2)
        return WXW_EINVAL;
    if (!wxw_mem_ok(c, WXW_U32(a[3]), 8))
        return WXW_EFAULT;
    if (f->kind == WXW_FD_STDIO)
        return WXW_ESPIPE;
    off_t pos = lseek(f->host, (off_t)off, whences[whence]);
    if (pos < 0)
        return wxw_errno(errno);
    return wxw_store64(c, WXW_U32(a[3]), (uint64_t)pos);
}

uint32_t wxw_fn_fd_tell(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *f = wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_TELL, &e);
    if (!f)
        return e;
    if (!wxw_mem_ok(c, WXW_U32(a[1]), 8))
        return WXW_EFAULT;
    if (f->kind == WXW_FD_STDIO)
        return WXW_ESPIPE;
    off_t pos = lseek(f->host, 0, SEEK_CUR);
    if (pos < 0)
        return wxw_errno(errno);
    return wxw_store64(c, WXW_U32(a[1]), (uint64_t)pos);
}

/* ------------------------------------------------------ open and close */

uint32_t wxw_fn_fd_close(wxw_call *c, const wx_wasm_val *a)
{
    if (!wxw_fd_get(c->ctx, a[0].of.i32))
        return WXW_EBADF;
    wxw_fd_close(c->ctx, a[0].of.i32);
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_fd_renumber(wxw_call *c, const wx_wasm_val *a)
{
    int32_t from = a[0].of.i32, to = a[1].of.i32;
    wxw_fd *f = wxw_fd_get(c->ctx, from);
    if (!f || !wxw_fd_get(c->ctx, to))
        return WXW_EBADF;
    if (from == to)
        return WXW_ESUCCESS;
    wxw_fd_close(c->ctx, to);
    c->ctx->fds[to] = *f;
    memset(f, 0, sizeof *f);
    f->host = -1;
    return WXW_ESUCCESS;
}

/* -------------------------------------------------------------- fdstat */

static uint16_t host_fdflags(int host)
{
    int fl = fcntl(host, F_GETFL);
    uint16_t out = 0;
    if (fl < 0)
        return 0;
    if (fl & O_APPEND)
        out |= WXW_FDFLAG_APPEND;
    if (fl & O_NONBLOCK)
        out |= WXW_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        out |= WXW_FDFLAG_SYNC;
    else if (fl & O_DSYNC)
        out |= WXW_FDFLAG_DSYNC;
    return out;
}

uint32_t wxw_fn_fd_fdstat_get(wxw_call *c, const wx_wasm_val *a)
{
    wxw_fd *f = wxw_fd_get(c->ctx, a[0].of.i32);
    if (!f)
        return WXW_EBADF;
    uint8_t *p = wxw_mem(c, WXW_U32(a[1]), 24);
    if (!p)
        return WXW_EFAULT;
    memset(p, 0, 24);
    p[0] = f->filetype;
    wxw_put16(p + 2,
              f->kind == WXW_FD_STDIO ? f->fdflags : host_fdflags(f->host));
    wxw_put64(p + 8, f->rights);
    wxw_put64(p + 16, f->inheriting);
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_fd_fdstat_set_flags(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t flags = WXW_U32(a[1]), e;
    wxw_fd *f =
        wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_FDSTAT_SET_FLAGS, &e);
    if (!f)
        return e;
    if (flags & ~0x1fu)
        return WXW_EINVAL;
    /* Linux cannot switch the sync modes of an open file. */
    if (flags & (WXW_FDFLAG_DSYNC | WXW_FDFLAG_RSYNC | WXW_FDFLAG_SYNC))
        return WXW_ENOTSUP;
    if (f->kind == WXW_FD_STDIO) {
        /* Kept for fdstat only: the process's own stdio is not the
         * guest's to change. */
        f->fdflags = (uint16_t)flags;
        return WXW_ESUCCESS;
    }
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0)
        return wxw_errno(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WXW_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (flags & WXW_FDFLAG_NONBLOCK)
        fl |= O_NONBLOCK;
    if (fcntl(f->host, F_SETFL, fl) != 0)
        return wxw_errno(errno);
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_fd_fdstat_set_rights(wxw_call *c, const wx_wasm_val *a)
{
    wxw_fd *f = wxw_fd_get(c->ctx, a[0].of.i32);
    uint64_t base = WXW_U64(a[1]), inh = WXW_U64(a[2]);
    if (!f)
        return WXW_EBADF;
    /* Rights only ever shrink. */
    if ((base & ~f->rights) || (inh & ~f->inheriting))
        return WXW_ENOTCAPABLE;
    f->rights = base;
    f->inheriting = inh;
    return WXW_ESUCCESS;
}

/* ------------------------------------------------------------ filestat */

static uint64_t ns_of(const struct timespec *ts)
{
    if (ts->tv_sec < 0)
        return 0;
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

void wxw_put_filestat(uint8_t *p, const struct stat *st)
{
    memset(p, 0, 64);
    wxw_put64(p, (uint64_t)st->st_dev);
    wxw_put64(p + 8, (uint64_t)st->st_ino);
    p[16] = wxw_filetype(st->st_mode);
    wxw_put64(p + 24, (uint64_t)st->st_nlink);
    wxw_put64(p + 32, (uint64_t)st->st_size);
    wxw_put64(p + 40, ns_of(&st->st_atim));
    wxw_put64(p + 48, ns_of(&st->st_mtim));
    wxw_put64(p + 56, ns_of(&st->st_ctim));
}

uint32_t wxw_fn_fd_filestat_get(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *f =
        wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_FILESTAT_GET, &e);
    if (!f)
        return e;
    uint8_t *p = wxw_mem(c, WXW_U32(a[1]), 64);
    if (!p)
        return WXW_EFAULT;
    struct stat st;
    if (f->kind == WXW_FD_STDIO) {
        /* Nothing of the host's own stdio shows through. */
        memset(&st, 0, sizeof st);
        st.st_mode = S_IFCHR;
        st.st_nlink = 1;
    } else if (fstat(f->host, &st) != 0) {
        return wxw_errno(errno);
    }
    wxw_put_filestat(p, &st);
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_fd_filestat_set_size(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *f =
        wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_FILESTAT_SET_SIZE, &e);
    if (!f)
        return e;
    if (a[1].of.i64 < 0)
        return WXW_EINVAL;
    if (f->kind == WXW_FD_STDIO)
        return WXW_EINVAL;
    if (ftruncate(f->host, (off_t)a[1].of.i64) != 0)
        return wxw_errno(errno);
    return WXW_ESUCCESS;
}

uint32_t wxw_times(uint64_t atim, uint64_t mtim, uint32_t fst,
                   struct timespec ts[2])
{
    if ((fst & ~0xfu) || ((fst & WXW_FST_ATIM) && (fst & WXW_FST_ATIM_NOW)) ||
        ((fst & WXW_FST_MTIM) && (fst & WXW_FST_MTIM_NOW)))
        return WXW_EINVAL;
    const uint64_t t[2] = {atim, mtim};
    const uint32_t set[2] = {WXW_FST_ATIM, WXW_FST_MTIM};
    const uint32_t now[2] = {WXW_FST_ATIM_NOW, WXW_FST_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        ts[i].tv_sec = 0;
        if (fst & now[i]) {
            ts[i].tv_nsec = UTIME_NOW;
        } else if (fst & set[i]) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
            ts[i].tv_nsec = (long)(t[i] % 1000000000u);
        } else {
            ts[i].tv_nsec = UTIME_OMIT;
        }
    }
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_fd_filestat_set_times(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *f =
        wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_FILESTAT_SET_TIMES, &e);
    if (!f)
        return e;
    struct timespec ts[2];
    if ((e = wxw_times(WXW_U64(a[1]), WXW_U64(a[2]), WXW_U32(a[3]), ts)))
        return e;
    if (f->kind == WXW_FD_STDIO)
        return WXW_EINVAL;
    if (futimens(f->host, ts) != 0)
        return wxw_errno(errno);
    return WXW_ESUCCESS;
}

/* ------------------------------------------ sync, advise, allocate */

static uint32_t do_sync(wxw_call *c, const wx_wasm_val *a, uint64_t right,
                        int (*fn)(int))
{
    uint32_t e;
    wxw_fd *f = wxw_fd_check(c->ctx, a[0].of.i32, right, &e);
    if (!f)
        return e;
    if (f->kind == WXW_FD_STDIO)
        return WXW_ESUCCESS;
    return fn(f->host) == 0 ? WXW_ESUCCESS : wxw_errno(errno);
}

uint32_t wxw_fn_fd_sync(wxw_call *c, const wx_wasm_val *a)
{
    return do_sync(c, a, WXW_RIGHT_FD_SYNC, fsync);
}

uint32_t wxw_fn_fd_datasync(wxw_call *c, const wx_wasm_val *a)
{
    return do_sync(c, a, WXW_RIGHT_FD_DATASYNC, fdatasync);
}

uint32_t wxw_fn_fd_advise(wxw_call *c, const wx_wasm_val *a)
{
    static const int advice[] = {
        POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
        POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE,
    };
    uint32_t e, adv = WXW_U32(a[3]);
    wxw_fd *f = wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_ADVISE, &e);
    if (!f)
        return e;
    if (adv > 5 || a[1].of.i64 < 0 || a[2].of.i64 < 0)
        return WXW_EINVAL;
    if (f->kind != WXW_FD_FILE)
        return WXW_EBADF;
    int r = posix_fadvise(f->host, (off_t)a[1].of.i64, (off_t)a[2].of.i64,
                          advice[adv]);
    return wxw_errno(r);
}

uint32_t wxw_fn_fd_allocate(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e;
    wxw_fd *f = wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_ALLOCATE, &e);
    if (!f)
        return e;
    int64_t off = a[1].of.i64, len = a[2].of.i64;
    if (off < 0 || len <= 0 || len > INT64_MAX - off)
        return WXW_EINVAL;
    if (f->kind != WXW_FD_FILE)
        return WXW_EBADF;
    return wxw_errno(posix_fallocate(f->host, (off_t)off, (off_t)len));
}

/* ------------------------------------------------------------ preopens */

uint32_t wxw_fn_fd_prestat_get(wxw_call *c, const wx_wasm_val *a)
{
    wxw_fd *f = wxw_fd_get(c->ctx, a[0].of.i32);
    /* libc walks fds from 3 until EBADF: every fd that is not a preopen
     * must say EBADF. */
    if (!f || !f->preopen)
        return WXW_EBADF;
    uint8_t *p = wxw_mem(c, WXW_U32(a[1]), 8);
    if (!p)
        return WXW_EFAULT;
    memset(p, 0, 8);
    wxw_put32(p + 4, (uint32_t)strlen(f->preopen));
    return WXW_ESUCCESS;
}

uint32_t wxw_fn_fd_prestat_dir_name(wxw_call *c, const wx_wasm_val *a)
{
    wxw_fd *f = wxw_fd_get(c->ctx, a[0].of.i32);
    if (!f || !f->preopen)
        return WXW_EBADF;
    size_t n = strlen(f->preopen);
    uint32_t len = WXW_U32(a[2]);
    uint8_t *p = wxw_mem(c, WXW_U32(a[1]), len);
    if (!p)
        return WXW_EFAULT;
    if (len < n)
        return WXW_ENAMETOOLONG;
    memcpy(p, f->preopen, n);
    return WXW_ESUCCESS;
}

/* ------------------------------------------------------------- readdir */

static uint8_t dirent_type(DIR *d, const struct dirent *de)
{
    switch (de->d_type) {
    case DT_REG: return WXW_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WXW_FILETYPE_DIRECTORY;
    case DT_LNK: return WXW_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WXW_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WXW_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WXW_FILETYPE_SOCKET_STREAM;
    case DT_UNKNOWN: {
        /* Some file systems do not say: ask. */
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return wxw_filetype(st.st_mode);
        return WXW_FILETYPE_UNKNOWN;
    }
    default: return WXW_FILETYPE_UNKNOWN;
    }
}

/* The listing stream of a directory entry, independent of its fd's own
 * offset. */
static DIR *dir_stream(wxw_fd *f)
{
    if (!f->dir) {
        int fd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return NULL;
        f->dir = fdopendir(fd);
        if (!f->dir) {
            int e = errno;
            close(fd);
            errno = e;
        }
    }
    return f->dir;
}

/*
 * Fills the buffer with entries from `cookie` on: a 24-byte header
 * (d_next, d_ino, d_namlen, d_type) then the name, the last entry cut
 * where the buffer ends, as WASI specifies (a full buffer tells libc to
 * ask again from the last whole entry). Cookies are the host's directory
 * offsets (d_off), so that seekdir() resumes anywhere.
 */
uint32_t wxw_fn_fd_readdir(wxw_call *c, const wx_wasm_val *a)
{
    uint32_t e, len = WXW_U32(a[2]), used_ptr = WXW_U32(a[4]);
    uint64_t cookie = WXW_U64(a[3]);
    wxw_fd *f = wxw_fd_get(c->ctx, a[0].of.i32);
    if (f && f->kind != WXW_FD_DIR)
        return WXW_ENOTDIR;
    if (!(f = wxw_fd_check(c->ctx, a[0].of.i32, WXW_RIGHT_FD_READDIR, &e)))
        return e;
    uint8_t *buf = wxw_mem(c, WXW_U32(a[1]), len);
    if (!buf || !wxw_mem_ok(c, used_ptr, 4))
        return WXW_EFAULT;
    DIR *d = dir_stream(f);
    if (!d)
        return wxw_errno(errno);
    if (cookie == 0)
        rewinddir(d);
    else
        seekdir(d, (long)cookie);
    uint32_t used = 0;
    while (used < len) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno)
                return wxw_errno(errno);
            break;
        }
        size_t nlen = strlen(de->d_name);
        uint8_t hdr[24];
        memset(hdr, 0, sizeof hdr);
        wxw_put64(hdr, (uint64_t)de->d_off);
        wxw_put64(hdr + 8, (uint64_t)de->d_ino);
        wxw_put32(hdr + 16, (uint32_t)nlen);
        hdr[20] = dirent_type(d, de);
        uint32_t k = len - used < 24 ? len - used : 24;
        memcpy(buf + used, hdr, k);
        used += k;
        k = len - used < nlen ? len - used : (uint32_t)nlen;
        memcpy(buf + used, de->d_name, k);
        used += k;
    }
    return wxw_store32(c, used_ptr, used);
}
