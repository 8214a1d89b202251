/*
 * libcurl, loaded on first need (dl.h): include this instead of
 * <curl/curl.h> and call wxdl_curl_load() before the first use. An
 * Extism plugin's HTTP request to an allowed host needs it
 * (src/abi/extism_http.c), and `wasmext replay --from` (src/cli/replay.c).
 * The list is every libcurl function wasmext calls; keep it sorted.
 */
#ifndef WX_DL_CURL_H
#define WX_DL_CURL_H

#include "dl.h"

/* curl.h turns curl_easy_setopt and curl_easy_getinfo into macros (a
 * type checker with gcc, a plain self-reference otherwise); ours replace
 * them below, so the checker, which would call the real symbols, is off. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#define WXDL_CURL_FUNCS(X) \
    X(CURL, curl_easy_cleanup) \
    X(CURL, curl_easy_getinfo) \
    X(CURL, curl_easy_init) \
    X(CURL, curl_easy_perform) \
    X(CURL, curl_easy_setopt) \
    X(CURL, curl_easy_strerror) \
    X(CURL, curl_free) \
    X(CURL, curl_global_init) \
    X(CURL, curl_multi_add_handle) \
    X(CURL, curl_multi_cleanup) \
    X(CURL, curl_multi_info_read) \
    X(CURL, curl_multi_init) \
    X(CURL, curl_multi_perform) \
    X(CURL, curl_multi_poll) \
    X(CURL, curl_multi_remove_handle) \
    X(CURL, curl_slist_append) \
    X(CURL, curl_slist_free_all) \
    X(CURL, curl_url) \
    X(CURL, curl_url_cleanup) \
    X(CURL, curl_url_get) \
    X(CURL, curl_url_set)

WXDL_DECLARE(curl, CURL)

#ifndef WXDL_IMPL_
#undef curl_easy_getinfo
#undef curl_easy_setopt
#define curl_easy_cleanup WXDL_CALL_(curl, CURL, curl_easy_cleanup)
#define curl_easy_getinfo WXDL_CALL_(curl, CURL, curl_easy_getinfo)
#define curl_easy_init WXDL_CALL_(curl, CURL, curl_easy_init)
#define curl_easy_perform WXDL_CALL_(curl, CURL, curl_easy_perform)
#define curl_easy_setopt WXDL_CALL_(curl, CURL, curl_easy_setopt)
#define curl_easy_strerror WXDL_CALL_(curl, CURL, curl_easy_strerror)
#define curl_free WXDL_CALL_(curl, CURL, curl_free)
#define curl_global_init WXDL_CALL_(curl, CURL, curl_global_init)
#define curl_multi_add_handle WXDL_CALL_(curl, CURL, curl_multi_add_handle)
#define curl_multi_cleanup WXDL_CALL_(curl, CURL, curl_multi_cleanup)
#define curl_multi_info_read WXDL_CALL_(curl, CURL, curl_multi_info_read)
#define curl_multi_init WXDL_CALL_(curl, CURL, curl_multi_init)
#define curl_multi_perform WXDL_CALL_(curl, CURL, curl_multi_perform)
#define curl_multi_poll WXDL_CALL_(curl, CURL, curl_multi_poll)
#define curl_multi_remove_handle WXDL_CALL_(curl, CURL, curl_multi_remove_handle)
#define curl_slist_append WXDL_CALL_(curl, CURL, curl_slist_append)
#define curl_slist_free_all WXDL_CALL_(curl, CURL, curl_slist_free_all)
#define curl_url WXDL_CALL_(curl, CURL, curl_url)
#define curl_url_cleanup WXDL_CALL_(curl, CURL, curl_url_cleanup)
#define curl_url_get WXDL_CALL_(curl, CURL, curl_url_get)
#define curl_url_set WXDL_CALL_(curl, CURL, curl_url_set)
#endif

#endif
