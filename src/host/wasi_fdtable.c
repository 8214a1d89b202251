/*
 * The fd table of a context: stdin, stdout, stderr as fds 0-2, the
 * preopened directories from 3 on, then what the guest opens, always at
 * the lowest free number (as POSIX does, which guests' libcs expect).
 *
 * The rights of an entry are the WASI capabilities: each fd_* and path_*
 * function checks the rights it needs, and a descriptor opened through a
 * directory gets at most that directory's inheriting rights.
 */
#include "wasi_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

uint8_t wxw_filetype(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return WXW_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WXW_FILETYPE_DIRECTORY;
    case S_IFCHR: return WXW_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WXW_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WXW_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WXW_FILETYPE_SOCKET_STREAM;
    default: return WXW_FILETYPE_UNKNOWN;
    }
}

wxw_fd *wxw_fd_get(wxw_ctx *ctx, int32_t fd)
{
    if (fd < 0 || (uint32_t)fd >= ctx->nfds ||
        ctx->fds[fd].kind == WXW_FD_FREE)
        return NULL;
    return &ctx->fds[fd];
}

wxw_fd *wxw_fd_check(wxw_ctx *ctx, int32_t fd, uint64_t rights, uint32_t *e)
{
    wxw_fd *f = wxw_fd_get(ctx, fd);
    if (!f) {
        *e = WXW_EBADF;
        return NULL;
    }
    if ((f->rights & rights) != rights) {
        *e = WXW_ENOTCAPABLE;
        return NULL;
    }
    return f;
}

int32_t wxw_fd_alloc(wxw_ctx *ctx, wxw_fd **slot, uint32_t *e)
{
    uint32_t i = 0;
    while (i < ctx->nfds && ctx->fds[i].kind != WXW_FD_FREE)
        i++;
    if (i >= ctx->max_fds) {
        *e = WXW_EMFILE;
        return -1;
    }
    if (i == ctx->nfds) {
        uint32_t n = ctx->nfds ? ctx->nfds * 2 : 8;
        if (n > ctx->max_fds)
            n = ctx->max_fds;
        wxw_fd *fds = realloc(ctx->fds, n * sizeof *fds);
        if (!fds) {
            *e = WXW_ENOMEM;
            return -1;
        }
        memset(fds + ctx->nfds, 0, (n - ctx->nfds) * sizeof *fds);
        for (uint32_t k = ctx->nfds; k < n; k++)
            fds[k].host = -1;
        ctx->fds = fds;
        ctx->nfds = n;
    }
    wxw_fd *f = &ctx->fds[i];
    memset(f, 0, sizeof *f);
    f->host = -1;
    *slot = f;
    return (int32_t)i;
}

void wxw_fd_close(wxw_ctx *ctx, int32_t fd)
{
    wxw_fd *f = wxw_fd_get(ctx, fd);
    if (!f)
        return;
    if (f->dir)
        closedir(f->dir);
    /* Stdio entries hold no fd of their own: the process's 0, 1 and 2
     * stay open whatever the guest closes. */
    if (f->kind != WXW_FD_STDIO && f->host >= 0)
        close(f->host);
    free(f->preopen);
    memset(f, 0, sizeof *f);
    f->host = -1;
}

static uint32_t add_stdio(wxw_ctx *ctx, int stream)
{
    wxw_fd *f;
    uint32_t e;
    if (wxw_fd_alloc(ctx, &f, &e) < 0)
        return e;
    f->kind = WXW_FD_STDIO;
    f->stream = (uint8_t)stream;
    /* Guests' libcs take a character device without seek rights for a
     * terminal, and buffer output by line: right for logs. */
    f->filetype = WXW_FILETYPE_CHARACTER_DEVICE;
    f->rights = WXW_RIGHT_FD_FDSTAT_SET_FLAGS | WXW_RIGHT_FD_FILESTAT_GET |
                WXW_RIGHT_POLL_FD_READWRITE | WXW_RIGHT_FD_SYNC |
                WXW_RIGHT_FD_DATASYNC |
                (stream == 0 ? WXW_RIGHT_FD_READ : WXW_RIGHT_FD_WRITE);
    f->inheriting = 0;
    return WXW_ESUCCESS;
}

static wx_status add_preopen(wxw_ctx *ctx, const wxw_kv *p, wx_error *err)
{
    if (!p->key || !p->value || !p->key[0] || !p->value[0])
        return wx_error_set(err, WX_EARG,
                            "wasi.preopens: empty guest or host path");
    int host = open(p->value, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (host < 0)
        return wx_error_set(err, WX_EARG,
                            "wasi.preopens: \"%s\" -> \"%s\": %s", p->key,
                            p->value, strerror(errno));
    wxw_fd *f;
    uint32_t e;
    if (wxw_fd_alloc(ctx, &f, &e) < 0) {
        close(host);
        return e == WXW_EMFILE
                   ? wx_error_set(err, WX_EARG,
                                  "wasi.preopens: more than max_fds (%u)",
                                  ctx->max_fds)
                   : wx_error_set(err, WX_ENOMEM, "out of host memory");
    }
    f->kind = WXW_FD_DIR;
    f->filetype = WXW_FILETYPE_DIRECTORY;
    f->host = host;
    f->rights = WXW_RIGHTS_DIR;
    f->inheriting = WXW_RIGHTS_DIR | WXW_RIGHTS_FILE;
    f->preopen = strdup(p->key);
    if (!f->preopen)
        return wx_error_set(err, WX_ENOMEM, "out of host memory");
    return WX_OK;
}

wx_status wxw_fd_table_init(wxw_ctx *ctx, const wxw_opts *opts, wx_error *err)
{
    if (ctx->max_fds < 3 + opts->npreopens)
        return wx_error_set(err, WX_EARG,
                            "WASI: max_fds %u leaves no room for stdio and "
                            "%zu preopens",
                            ctx->max_fds, opts->npreopens);
    for (int s = 0; s < 3; s++)
        if (add_stdio(ctx, s) != WXW_ESUCCESS)
            return wx_error_set(err, WX_ENOMEM, "out of host memory");
    for (size_t i = 0; i < opts->npreopens; i++) {
        wx_status st = add_preopen(ctx, &opts->preopens[i], err);
        if (st != WX_OK)
            return st;
    }
    return WX_OK;
}

void wxw_fd_table_free(wxw_ctx *ctx)
{
    for (uint32_t i = 0; i < ctx->nfds; i++)
        wxw_fd_close(ctx, (int32_t)i);
    free(ctx->fds);
    ctx->fds = NULL;
    ctx->nfds = 0;
}
