/*
 * Host errno -> WASI errno. WASI numbers its errors in alphabetical order,
 * not as Linux does, so every value goes through this table; anything
 * without a WASI counterpart becomes EIO rather than a wrong meaning.
 */
#include "wasi_internal.h"

#include <errno.h>

uint32_t wxw_errno(int e)
{
    switch (e) {
    case 0: return WXW_ESUCCESS;
    case E2BIG: return WXW_E2BIG;
    case EACCES: return WXW_EACCES;
    case EAGAIN: return WXW_EAGAIN;
    case EBADF: return WXW_EBADF;
    case EBUSY: return WXW_EBUSY;
    case EEXIST: return WXW_EEXIST;
    case EFAULT: return WXW_EFAULT;
    case EFBIG: return WXW_EFBIG;
    case EILSEQ: return WXW_EILSEQ;
    case EINTR: return WXW_EINTR;
    case EINVAL: return WXW_EINVAL;
    case EIO: return WXW_EIO;
    case EISDIR: return WXW_EISDIR;
    case ELOOP: return WXW_ELOOP;
    case EMFILE: return WXW_EMFILE;
    case EMLINK: return WXW_EMLINK;
    case ENAMETOOLONG: return WXW_ENAMETOOLONG;
    case ENFILE: return WXW_ENFILE;
    case ENODEV: return WXW_ENODEV;
    case ENOENT: return WXW_ENOENT;
    case ENOMEM: return WXW_ENOMEM;
    case ENOSPC: return WXW_ENOSPC;
    case EDQUOT: return WXW_ENOSPC;
    case ENOSYS: return WXW_ENOSYS;
    case ENOTDIR: return WXW_ENOTDIR;
    case ENOTEMPTY: return WXW_ENOTEMPTY;
    case EOPNOTSUPP: return WXW_ENOTSUP;
    case ENOTTY: return WXW_ENOTTY;
    case ENXIO: return WXW_ENXIO;
    case EOVERFLOW: return WXW_EOVERFLOW;
    case EPERM: return WXW_EPERM;
    case EPIPE: return WXW_EPIPE;
    case ERANGE: return WXW_ERANGE;
    case EROFS: return WXW_EROFS;
    case ESPIPE: return WXW_ESPIPE;
    case ETXTBSY: return WXW_ETXTBSY;
    case EXDEV: return WXW_EXDEV;
    default: return WXW_EIO;
    }
}
