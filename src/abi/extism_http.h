/*
 * The HTTP client behind an Extism guest's http_request
 * (src/abi/extism_http.c): one request to a host that the plugin's
 * extism.allowed_hosts names, with libcurl loaded on first need
 * (src/dl/dl_curl.h). Internal to src/abi.
 */
#ifndef WASMEXT_ABI_EXTISM_HTTP_H
#define WASMEXT_ABI_EXTISM_HTTP_H

#include "wasmext/engine.h"

#include "dl_jansson.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Redirects followed before a request fails, as Extism's client (ureq). */
#define WXAI_HTTP_MAX_REDIRECTS 5
/* How long a connection may take to open (the call's own timeout still
 * cuts it sooner). */
#define WXAI_HTTP_CONNECT_MS 10000

typedef struct wxai_http_req {
    const char *url;
    const char *method; /* "GET", "POST"...: checked to be a token */
    json_t *headers;    /* an object of strings, or NULL */
    const uint8_t *body;
    size_t body_len;
    bool has_body;
    /* The hosts it may reach, at the start and after every redirect. */
    size_t nhosts;
    const char *const *hosts;
    /* The most bytes of response body (and, apart, of headers). */
    uint64_t max_bytes;
} wxai_http_req;

typedef struct wxai_http_resp {
    int status;
    uint8_t *body; /* malloc'd, len bytes (NULL when empty) */
    size_t len;
    json_t *headers; /* the last response's, names in lower case */
} wxai_http_resp;

/* Whether `host` matches one of the patterns (fnmatch globs). */
bool wxai_http_host_allowed(size_t nhosts, const char *const *hosts,
                            const char *host);

/*
 * Makes the request and fills `out` (its body and headers are the
 * caller's to free with wxai_http_resp_free). Any status the server
 * answers, 404 or 500 included, is a response, as in Extism. Redirects
 * are followed only to allowed hosts. Waits in slices between which it
 * reads `inst`'s interrupt flag, so the call's timeout ends it.
 *
 * Errors (messages name the host, never the URL's userinfo, path or
 * query): WX_EHOST for a denied host (also after a redirect), too many
 * redirects or a failed transfer; WX_ELIMIT for a body over max_bytes;
 * WX_EABI for a request curl cannot send (a bad URL, method or header);
 * WX_EINTERRUPTED when the call was interrupted; WX_EIO when libcurl
 * cannot be loaded.
 */
wx_status wxai_http_fetch(const wxai_http_req *req, wx_instance *inst,
                          wxai_http_resp *out, wx_error *err);
void wxai_http_resp_free(wxai_http_resp *r);

#endif
