/*
 * nettle, loaded on first need (dl.h): include this instead of nettle's
 * headers and call wxdl_nettle_load() before the first use. nettle's
 * start-up detects the CPU's features with `cpuid`, which traps to the
 * hypervisor in a virtual machine: linked, it cost every process about
 * 0.08 ms before main, `wasmext run` included, which hashes nothing.
 *
 * nettle's headers name its functions by macros (sha256_init is
 * nettle_sha256_init); the list has the real names, so a call written
 * as nettle documents it expands to nettle's name and then to the table.
 * Keep it sorted.
 */
#ifndef WX_DL_NETTLE_H
#define WX_DL_NETTLE_H

#include "dl.h"

#include <nettle/memops.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#define WXDL_NETTLE_FUNCS(X) \
    X(NETTLE, nettle_memeql_sec) \
    X(NETTLE, nettle_sha1_digest) \
    X(NETTLE, nettle_sha1_init) \
    X(NETTLE, nettle_sha1_update) \
    X(NETTLE, nettle_sha256_digest) \
    X(NETTLE, nettle_sha256_init) \
    X(NETTLE, nettle_sha256_update)

WXDL_DECLARE(nettle, NETTLE)

#ifndef WXDL_IMPL_
#define nettle_memeql_sec WXDL_CALL_(nettle, NETTLE, nettle_memeql_sec)
#define nettle_sha1_digest WXDL_CALL_(nettle, NETTLE, nettle_sha1_digest)
#define nettle_sha1_init WXDL_CALL_(nettle, NETTLE, nettle_sha1_init)
#define nettle_sha1_update WXDL_CALL_(nettle, NETTLE, nettle_sha1_update)
#define nettle_sha256_digest WXDL_CALL_(nettle, NETTLE, nettle_sha256_digest)
#define nettle_sha256_init WXDL_CALL_(nettle, NETTLE, nettle_sha256_init)
#define nettle_sha256_update WXDL_CALL_(nettle, NETTLE, nettle_sha256_update)
#endif

#endif
