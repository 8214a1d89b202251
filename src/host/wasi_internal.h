/*
 * The inside of src/host: the context, the fd table, guest memory access
 * and the WASI ABI's numbers. Every host function is written as
 *
 *     uint32_t wxw_fn_NAME(wxw_call *c, const wx_wasm_val *a);
 *
 * returning a WASI errno; wasi.c turns it into the host function the
 * engine calls (finding the context, the memory, and storing the errno).
 */
#ifndef WASMEXT_HOST_WASI_INTERNAL_H
#define WASMEXT_HOST_WASI_INTERNAL_H

#include "wasi.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

/* ------------------------------------------------------------- errnos */

/* WASI errno values (witx `errno`), those this host returns. */
enum {
    WXW_ESUCCESS = 0,
    WXW_E2BIG = 1,
    WXW_EACCES = 2,
    WXW_EAGAIN = 6,
    WXW_EBADF = 8,
    WXW_EBUSY = 10,
    WXW_EEXIST = 20,
    WXW_EFAULT = 21,
    WXW_EFBIG = 22,
    WXW_EILSEQ = 25,
    WXW_EINTR = 27,
    WXW_EINVAL = 28,
    WXW_EIO = 29,
    WXW_EISDIR = 31,
    WXW_ELOOP = 32,
    WXW_EMFILE = 33,
    WXW_EMLINK = 34,
    WXW_ENAMETOOLONG = 37,
    WXW_ENFILE = 41,
    WXW_ENODEV = 43,
    WXW_ENOENT = 44,
    WXW_ENOMEM = 48,
    WXW_ENOSPC = 51,
    WXW_ENOSYS = 52,
    WXW_ENOTDIR = 54,
    WXW_ENOTEMPTY = 55,
    WXW_ENOTSOCK = 57,
    WXW_ENOTSUP = 58,
    WXW_ENOTTY = 59,
    WXW_ENXIO = 60,
    WXW_EOVERFLOW = 61,
    WXW_EPERM = 63,
    WXW_EPIPE = 64,
    WXW_ERANGE = 68,
    WXW_EROFS = 69,
    WXW_ESPIPE = 70,
    WXW_ETXTBSY = 74,
    WXW_EXDEV = 75,
    WXW_ENOTCAPABLE = 76,
};

/* Not an errno: proc_exit asks the dispatcher to end the call. */
#define WXW_EXIT 0x10000u
/* Not an errno: a wait saw its caller's instance interrupted (a timeout),
 * and the dispatcher ends the call with WX_EINTERRUPTED. */
#define WXW_INTERRUPTED 0x20000u

/* The longest a waiting host function sleeps before it looks at the
 * interrupt flag again: how late past its deadline a call that waits in
 * poll_oneoff may end. */
#define WXW_WAIT_SLICE_NS 10000000u

/* Waits until host descriptor `host_fd` (a pipe, a terminal) has
 * something to read, in slices that read the interrupt flag: 0, or
 * WXW_INTERRUPTED when the call is to end (wasi_poll.c). */
struct wxw_call;
uint32_t wxw_wait_readable(const struct wxw_call *c, int host_fd);

/* The WASI errno for a host errno value. */
uint32_t wxw_errno(int host_errno);

/* ---------------------------------------------------- other ABI numbers */

enum {
    WXW_FILETYPE_UNKNOWN = 0,
    WXW_FILETYPE_BLOCK_DEVICE = 1,
    WXW_FILETYPE_CHARACTER_DEVICE = 2,
    WXW_FILETYPE_DIRECTORY = 3,
    WXW_FILETYPE_REGULAR_FILE = 4,
    WXW_FILETYPE_SOCKET_DGRAM = 5,
    WXW_FILETYPE_SOCKET_STREAM = 6,
    WXW_FILETYPE_SYMBOLIC_LINK = 7,
};

/* fdflags */
enum {
    WXW_FDFLAG_APPEND = 1,
    WXW_FDFLAG_DSYNC = 2,
    WXW_FDFLAG_NONBLOCK = 4,
    WXW_FDFLAG_RSYNC = 8,
    WXW_FDFLAG_SYNC = 16,
};

/* oflags, lookupflags, fstflags */
enum {
    WXW_O_CREAT = 1,
    WXW_O_DIRECTORY = 2,
    WXW_O_EXCL = 4,
    WXW_O_TRUNC = 8,
    WXW_LOOKUP_SYMLINK_FOLLOW = 1,
    WXW_FST_ATIM = 1,
    WXW_FST_ATIM_NOW = 2,
    WXW_FST_MTIM = 4,
    WXW_FST_MTIM_NOW = 8,
};

/* Rights: bit n of witx `rights`. */
#define WXW_R(n) ((uint64_t)1 << (n))
#define WXW_RIGHT_FD_DATASYNC WXW_R(0)
#define WXW_RIGHT_FD_READ WXW_R(1)
#define WXW_RIGHT_FD_SEEK WXW_R(2)
#define WXW_RIGHT_FD_FDSTAT_SET_FLAGS WXW_R(3)
#define WXW_RIGHT_FD_SYNC WXW_R(4)
#define WXW_RIGHT_FD_TELL WXW_R(5)
#define WXW_RIGHT_FD_WRITE WXW_R(6)
#define WXW_RIGHT_FD_ADVISE WXW_R(7)
#define WXW_RIGHT_FD_ALLOCATE WXW_R(8)
#define WXW_RIGHT_PATH_CREATE_DIRECTORY WXW_R(9)
#define WXW_RIGHT_PATH_CREATE_FILE WXW_R(10)
#define WXW_RIGHT_PATH_LINK_SOURCE WXW_R(11)
#define WXW_RIGHT_PATH_LINK_TARGET WXW_R(12)
#define WXW_RIGHT_PATH_OPEN WXW_R(13)
#define WXW_RIGHT_FD_READDIR WXW_R(14)
#define WXW_RIGHT_PATH_READLINK WXW_R(15)
#define WXW_RIGHT_PATH_RENAME_SOURCE WXW_R(16)
#define WXW_RIGHT_PATH_RENAME_TARGET WXW_R(17)
#define WXW_RIGHT_PATH_FILESTAT_GET WXW_R(18)
#define WXW_RIGHT_PATH_FILESTAT_SET_SIZE WXW_R(19)
#define WXW_RIGHT_PATH_FILESTAT_SET_TIMES WXW_R(20)
#define WXW_RIGHT_FD_FILESTAT_GET WXW_R(21)
#define WXW_RIGHT_FD_FILESTAT_SET_SIZE WXW_R(22)
#define WXW_RIGHT_FD_FILESTAT_SET_TIMES WXW_R(23)
#define WXW_RIGHT_PATH_SYMLINK WXW_R(24)
#define WXW_RIGHT_PATH_REMOVE_DIRECTORY WXW_R(25)
#define WXW_RIGHT_PATH_UNLINK_FILE WXW_R(26)
#define WXW_RIGHT_POLL_FD_READWRITE WXW_R(27)

/* What each kind of descriptor can ever have. */
#define WXW_RIGHTS_FILE                                                       \
    (WXW_RIGHT_FD_DATASYNC | WXW_RIGHT_FD_READ | WXW_RIGHT_FD_SEEK |          \
     WXW_RIGHT_FD_FDSTAT_SET_FLAGS | WXW_RIGHT_FD_SYNC | WXW_RIGHT_FD_TELL |  \
     WXW_RIGHT_FD_WRITE | WXW_RIGHT_FD_ADVISE | WXW_RIGHT_FD_ALLOCATE |       \
     WXW_RIGHT_FD_FILESTAT_GET | WXW_RIGHT_FD_FILESTAT_SET_SIZE |             \
     WXW_RIGHT_FD_FILESTAT_SET_TIMES | WXW_RIGHT_POLL_FD_READWRITE)
#define WXW_RIGHTS_DIR                                                        \
    (WXW_RIGHT_FD_FDSTAT_SET_FLAGS | WXW_RIGHT_FD_SYNC |                      \
     WXW_RIGHT_FD_DATASYNC | WXW_RIGHT_PATH_CREATE_DIRECTORY |                \
     WXW_RIGHT_PATH_CREATE_FILE | WXW_RIGHT_PATH_LINK_SOURCE |                \
     WXW_RIGHT_PATH_LINK_TARGET | WXW_RIGHT_PATH_OPEN |                       \
     WXW_RIGHT_FD_READDIR | WXW_RIGHT_PATH_READLINK |                         \
     WXW_RIGHT_PATH_RENAME_SOURCE | WXW_RIGHT_PATH_RENAME_TARGET |            \
     WXW_RIGHT_PATH_FILESTAT_GET | WXW_RIGHT_PATH_FILESTAT_SET_SIZE |         \
     WXW_RIGHT_PATH_FILESTAT_SET_TIMES | WXW_RIGHT_FD_FILESTAT_GET |          \
     WXW_RIGHT_FD_FILESTAT_SET_TIMES | WXW_RIGHT_PATH_SYMLINK |               \
     WXW_RIGHT_PATH_REMOVE_DIRECTORY | WXW_RIGHT_PATH_UNLINK_FILE)
#define WXW_RIGHTS_ALL (WXW_R(30) - 1)

/* ------------------------------------------------------------ bindings */

/*
 * What the host functions carry as their env: either a context (one per
 * instance, wxw_define) or a binder to look the caller's context up in
 * (wxw_define_shared). Contexts and binders each embed one.
 */
typedef struct wxw_binding {
    wxw_ctx *ctx;       /* fixed context, or NULL */
    wxw_binder *binder; /* or the map to search */
} wxw_binding;

/* wasi_binder.c, for the dispatcher. */
wxw_ctx *wxw_binder_find_(wxw_binder *b, const wx_instance *inst);
wxw_binding *wxw_binder_binding_(wxw_binder *b);

/* ------------------------------------------------------------ fd table */

typedef enum wxw_fdkind {
    WXW_FD_FREE = 0,
    WXW_FD_STDIO, /* 0, 1, 2 as the options say; no host fd of our own */
    WXW_FD_FILE,  /* a host fd: regular file, device, ... */
    WXW_FD_DIR,   /* a host directory fd (a preopen, or opened) */
} wxw_fdkind;

typedef struct wxw_fd {
    wxw_fdkind kind;
    uint8_t filetype; /* WXW_FILETYPE_* */
    uint8_t stream;   /* WXW_FD_STDIO: 0, 1 or 2 */
    uint16_t fdflags; /* WXW_FD_STDIO: as the guest set them */
    int host;         /* WXW_FD_FILE, WXW_FD_DIR; -1 otherwise */
    uint64_t rights, inheriting;
    char *preopen; /* guest name of a preopened directory, or NULL */
    DIR *dir;      /* fd_readdir's stream, opened on first use */
} wxw_fd;

/* One captured stream (WXW_OUTPUT_LOG), or the line being written
 * (WXW_OUTPUT_LINES: limit is line_max, dropped the bytes cut from it). */
typedef struct wxw_log {
    uint8_t *buf;
    size_t len, limit;
    uint64_t dropped;
} wxw_log;

struct wxw_ctx {
    /* args and environment: the strings back to back, NUL-terminated,
     * as args_get/environ_get copy them out. */
    uint32_t nargs, nenv;
    char *args;
    size_t args_size;
    char *env;
    size_t env_size;
    wxw_input in;
    uint8_t *stdin_data;
    size_t stdin_len, stdin_pos;
    wxw_output out[3]; /* by fd; [0] unused */
    wxw_log log[3];
    wxw_output_fn on_output;
    wxw_line_fn on_line;
    void *ud;
    uint32_t flags;
    uint32_t max_fds;
    uint32_t nfds; /* entries in fds (some free) */
    wxw_fd *fds;
    /* The path walk's stack of directory identities (see wasi_path.c). */
    struct wxw_dirid *walk;
    size_t walk_cap;
};

/* Entry `fd`, or NULL if it is not open. */
wxw_fd *wxw_fd_get(wxw_ctx *ctx, int32_t fd);
/* Entry `fd` if open and granted every right in `rights`; else NULL with
 * *e set (EBADF, ENOTCAPABLE). */
wxw_fd *wxw_fd_check(wxw_ctx *ctx, int32_t fd, uint64_t rights, uint32_t *e);
/* The lowest free number for a new entry, growing the table as needed:
 * returns its index with *slot pointing at it (zeroed, host -1), or -1
 * with *e set (EMFILE, ENOMEM). */
int32_t wxw_fd_alloc(wxw_ctx *ctx, wxw_fd **slot, uint32_t *e);
/* Closes what the entry holds and frees the slot. */
void wxw_fd_close(wxw_ctx *ctx, int32_t fd);
/* Sets up stdio and the preopens (wxw_ctx_new). */
wx_status wxw_fd_table_init(wxw_ctx *ctx, const wxw_opts *opts, wx_error *err);
void wxw_fd_table_free(wxw_ctx *ctx);
/* The WASI filetype of a host stat. */
uint8_t wxw_filetype(mode_t mode);

/* --------------------------------------------------------- guest memory */

/* One host call: the context and a view of the caller's memory, stable
 * for the whole call (host functions never grow memory). */
typedef struct wxw_call {
    wxw_ctx *ctx;
    wx_host_ctx *host;
    uint8_t *mem;
    uint64_t size;
    int32_t exit_code; /* proc_exit */
} wxw_call;

/* [ptr, ptr + len) inside memory? 64-bit sums cannot wrap. */
static inline bool wxw_mem_ok(const wxw_call *c, uint32_t ptr, uint64_t len)
{
    return (uint64_t)ptr + len <= c->size;
}

/* The host address of guest range [ptr, ptr + len), or NULL (always
 * for a module without memory, even for empty ranges). */
static inline uint8_t *wxw_mem(const wxw_call *c, uint32_t ptr, uint64_t len)
{
    return c->mem && wxw_mem_ok(c, ptr, len) ? c->mem + ptr : NULL;
}

static inline uint32_t wxw_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t wxw_get64(const uint8_t *p)
{
    return (uint64_t)wxw_get32(p) | (uint64_t)wxw_get32(p + 4) << 32;
}

static inline void wxw_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void wxw_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void wxw_put64(uint8_t *p, uint64_t v)
{
    wxw_put32(p, (uint32_t)v);
    wxw_put32(p + 4, (uint32_t)(v >> 32));
}

/* Stores a u32 / u64 result at guest `ptr`; EFAULT if outside. */
static inline uint32_t wxw_store32(const wxw_call *c, uint32_t ptr, uint32_t v)
{
    uint8_t *p = wxw_mem(c, ptr, 4);
    if (!p)
        return WXW_EFAULT;
    wxw_put32(p, v);
    return WXW_ESUCCESS;
}

static inline uint32_t wxw_store64(const wxw_call *c, uint32_t ptr, uint64_t v)
{
    uint8_t *p = wxw_mem(c, ptr, 8);
    if (!p)
        return WXW_EFAULT;
    wxw_put64(p, v);
    return WXW_ESUCCESS;
}

/* Arguments as the unsigned values the ABI means. */
#define WXW_U32(a) ((uint32_t)(a).of.i32)
#define WXW_U64(a) ((uint64_t)(a).of.i64)

/* ---------------------------------------------------------- iovecs */

/* At most this many buffers per readv/writev (Linux's IOV_MAX), and at
 * most this many bytes (Linux's own cap on one transfer): a guest passing
 * more gets a short transfer, which WASI allows. */
#define WXW_IOV_MAX 1024u
#define WXW_IO_MAX 0x7ffff000u

/* Buffers an fd_read/fd_write holds on the C stack; a guest passing more
 * gets room from the heap. Not WXW_IOV_MAX there: 16 KB of stack for the
 * one or two buffers guests pass cost every call of `wasmext run` three
 * pages of stack it touched once each. */
#define WXW_IOV_SMALL 8u

/* The host iovecs of one transfer: `v` is `small`, or from the heap. */
typedef struct wxw_iovs {
    struct iovec small[WXW_IOV_SMALL];
    struct iovec *v;
    int n;        /* buffers in v */
    size_t total; /* bytes */
} wxw_iovs;
/*
 * Checks the guest's iovec array (iovs, n) and every buffer in it, and
 * fills `out` with host addresses, trimmed to WXW_IOV_MAX buffers and
 * WXW_IO_MAX bytes. Returns 0, or the errno: EFAULT, ENOMEM. Every buffer
 * is checked, even those beyond the trim, so that a bad vector fails
 * whole, before any transfer. wxw_iovs_free releases it (also after an
 * error).
 */
uint32_t wxw_iovecs(const wxw_call *c, uint32_t iovs, uint32_t n,
                    wxw_iovs *out);
void wxw_iovs_free(wxw_iovs *v);

/* ------------------------------------------------------------- output */

/* fd_write on stdout/stderr: `total` bytes in `niov` buffers, which it
 * may consume (a short write to the host's stream advances them). */
uint32_t wxw_output_write(wxw_ctx *ctx, int stream, struct iovec *iov,
                          int niov, size_t total, size_t *written);
void wxw_output_free(wxw_ctx *ctx);

/* -------------------------------------------------------------- paths */

/*
 * A guest path resolved inside the directory it was given against: a
 * host directory fd and a last component (no '/', never ".."; "." when
 * the path names the directory itself). `must_dir`: the path ended in
 * '/', so it must name a directory.
 */
typedef struct wxw_path {
    int dirfd;
    bool owned; /* dirfd is ours to close */
    bool must_dir;
    char name[256];
} wxw_path;

/*
 * Resolves guest path (ptr, len) against directory entry `dir`, following
 * a symbolic link in the last component when `follow`. Intermediate links
 * are always followed, and refused when they leave `dir`. Errors:
 * EFAULT, EINVAL (NUL in the path), ENOENT (empty path), ENAMETOOLONG,
 * ENOTCAPABLE (escape), ELOOP, ENOTDIR, and what the host says.
 */
uint32_t wxw_path_resolve(wxw_call *c, const wxw_fd *dir, uint32_t ptr,
                          uint32_t len, bool follow, wxw_path *out);
void wxw_path_done(wxw_path *p);

/* ------------------------------------------------------ host functions */

#define WXW_DECLARE_(name)                                                    \
    uint32_t wxw_fn_##name(wxw_call *c, const wx_wasm_val *a);
/* wasi_proc.c */
WXW_DECLARE_(args_get)
WXW_DECLARE_(args_sizes_get)
WXW_DECLARE_(environ_get)
WXW_DECLARE_(environ_sizes_get)
WXW_DECLARE_(clock_res_get)
WXW_DECLARE_(clock_time_get)
WXW_DECLARE_(random_get)
WXW_DECLARE_(sched_yield)
WXW_DECLARE_(proc_exit)
WXW_DECLARE_(enosys)
WXW_DECLARE_(notsock)
/* wasi_poll.c */
WXW_DECLARE_(poll_oneoff)
/* wasi_fd.c */
WXW_DECLARE_(fd_advise)
WXW_DECLARE_(fd_allocate)
WXW_DECLARE_(fd_close)
WXW_DECLARE_(fd_datasync)
WXW_DECLARE_(fd_fdstat_get)
WXW_DECLARE_(fd_fdstat_set_flags)
WXW_DECLARE_(fd_fdstat_set_rights)
WXW_DECLARE_(fd_filestat_get)
WXW_DECLARE_(fd_filestat_set_size)
WXW_DECLARE_(fd_filestat_set_times)
WXW_DECLARE_(fd_pread)
WXW_DECLARE_(fd_prestat_get)
WXW_DECLARE_(fd_prestat_dir_name)
WXW_DECLARE_(fd_pwrite)
WXW_DECLARE_(fd_read)
WXW_DECLARE_(fd_readdir)
WXW_DECLARE_(fd_renumber)
WXW_DECLARE_(fd_seek)
WXW_DECLARE_(fd_sync)
WXW_DECLARE_(fd_tell)
WXW_DECLARE_(fd_write)
/* wasi_fs.c */
WXW_DECLARE_(path_create_directory)
WXW_DECLARE_(path_filestat_get)
WXW_DECLARE_(path_filestat_set_times)
WXW_DECLARE_(path_link)
WXW_DECLARE_(path_open)
WXW_DECLARE_(path_readlink)
WXW_DECLARE_(path_remove_directory)
WXW_DECLARE_(path_rename)
WXW_DECLARE_(path_symlink)
WXW_DECLARE_(path_unlink_file)
#undef WXW_DECLARE_

/* Shared by fd_filestat_get and path_filestat_get: writes a filestat. */
void wxw_put_filestat(uint8_t *p, const struct stat *st);
/* futimens/utimensat times from WASI (atim, mtim, fstflags); EINVAL for
 * contradictory flags. */
struct timespec;
uint32_t wxw_times(uint64_t atim, uint64_t mtim, uint32_t fst,
                   struct timespec ts[2]);

#endif
