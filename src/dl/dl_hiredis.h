/*
 * hiredis (the Redis client), loaded on first need (dl.h): include this
 * instead of <hiredis.h> and call wxdl_hiredis_load() before the first
 * use. Only a registry on Redis (redis://...) needs it. The list is every
 * hiredis function wasmext calls; keep it sorted.
 */
#ifndef WX_DL_HIREDIS_H
#define WX_DL_HIREDIS_H

#include "dl.h"

#include <hiredis.h>

#define WXDL_HIREDIS_FUNCS(X) \
    X(HIREDIS, freeReplyObject) \
    X(HIREDIS, redisBufferRead) \
    X(HIREDIS, redisCommandArgv) \
    X(HIREDIS, redisConnectWithTimeout) \
    X(HIREDIS, redisFree) \
    X(HIREDIS, redisReaderGetReply) \
    X(HIREDIS, redisSetTimeout)

WXDL_DECLARE(hiredis, HIREDIS)

#ifndef WXDL_IMPL_
#define freeReplyObject WXDL_CALL_(hiredis, HIREDIS, freeReplyObject)
#define redisBufferRead WXDL_CALL_(hiredis, HIREDIS, redisBufferRead)
#define redisCommandArgv WXDL_CALL_(hiredis, HIREDIS, redisCommandArgv)
#define redisConnectWithTimeout WXDL_CALL_(hiredis, HIREDIS, redisConnectWithTimeout)
#define redisFree WXDL_CALL_(hiredis, HIREDIS, redisFree)
#define redisReaderGetReply WXDL_CALL_(hiredis, HIREDIS, redisReaderGetReply)
#define redisSetTimeout WXDL_CALL_(hiredis, HIREDIS, redisSetTimeout)
#endif

#endif
