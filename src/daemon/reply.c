/*
 * Responses: JSON bodies, the error shape every failure uses,
 *
 *   {"error": {"code": "trap", "message": "...", "trap": "div_by_zero"}}
 *
 * where `code` is wx_status_name() of the status (or an HTTP-level code
 * such as "not_found_route"), and the one table that maps a status to an
 * HTTP status code (docs/rest.md lists it).
 */
#include "wxd.h"

#include "dl_jansson.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wxd_http_status(wx_status s)
{
    switch (s) {
    case WX_OK:
        return 200;
    case WX_EARG:         /* bad arguments, bad config */
    case WX_ENOEXPORT:    /* the config lists what the module lacks */
    case WX_EMALFORMED:   /* the module given to add or update */
    case WX_EINVALID:
    case WX_EUNLINKABLE:
        return 400;
    case WX_ENOPLUGIN:    /* no such plugin or function registered */
        return 404;
    case WX_EEXIST:
        return 409;
    case WX_ETRAP:        /* the guest failed: the request was fine */
    case WX_EGUEST:
    case WX_EABI:
    case WX_EEXIT:
    case WX_EHOST:
    case WX_ELIMIT:
        return 422;
    case WX_EBUSY:        /* every instance busy: retry later */
    case WX_EINTERRUPTED:
        return 503;
    case WX_ETIMEOUT:
        return 504;
    case WX_ENOMEM:
    case WX_EIO:
    default:
        return 500;
    }
}

void wxd_reply(wxd_response *rs, int status, const char *ctype, char *body,
               size_t len)
{
    free(rs->body);
    rs->status = status;
    rs->content_type = ctype;
    rs->body = body;
    rs->len = len;
}

/* The last resort when even an error body cannot be made. */
static void reply_nomem(wxd_response *rs)
{
    static const char text[] =
        "{\"error\":{\"code\":\"nomem\",\"message\":\"out of host memory\"}}";
    char *b = malloc(sizeof text);
    if (b)
        memcpy(b, text, sizeof text);
    wxd_reply(rs, 500, "application/json", b, b ? sizeof text - 1 : 0);
}

/* Dumps and takes `j`; `flags` say how numbers are written. */
static void reply_dump(wxd_response *rs, int status, json_t *j, size_t flags)
{
    char *text = j ? json_dumps(j, flags) : NULL;
    json_decref(j);
    if (!text) {
        reply_nomem(rs);
        return;
    }
    wxd_reply(rs, status, "application/json", text, strlen(text));
}

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

void wxd_reply_json(wxd_response *rs, int status, void *j)
{
    reply_dump(rs, status, j, DUMP_FLAGS | JSON_REAL_PRECISION(12));
}

void wxd_reply_data(wxd_response *rs, int status, void *j)
{
    /* jansson's default precision (17 digits): every double reads back
     * as itself, as wx_values_to_json writes them. */
    reply_dump(rs, status, j, DUMP_FLAGS);
}

/* A JSON string of `text`, which may quote guest bytes that are not
 * UTF-8: those bytes become '?' rather than losing the whole message. */
static json_t *lenient_string(const char *text)
{
    json_t *j = json_string(text);
    if (j)
        return j;
    char clean[512];
    size_t i = 0;
    for (; text[i] && i < sizeof clean - 1; i++)
        clean[i] = (unsigned char)text[i] < 0x80 ? text[i] : '?';
    clean[i] = '\0';
    return json_string(clean);
}

/* The error body; `extra` (may be NULL) adds keys to the error object. */
static void reply_error_with(wxd_response *rs, int status, const char *code,
                             const char *message, json_t *extra)
{
    json_t *e = json_pack("{s:s,s:o}", "code", code, "message",
                          lenient_string(message));
    if (e && extra)
        json_object_update(e, extra);
    json_decref(extra);
    json_t *root = e ? json_pack("{s:o}", "error", e) : NULL;
    if (!root) {
        reply_nomem(rs);
        return;
    }
    wxd_reply_json(rs, status, root);
}

void wxd_reply_error(wxd_response *rs, int status, const char *code,
                     const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply_error_with(rs, status, code, msg, NULL);
}

/* The keys a failure adds to its error object: the trap kind of a trap,
 * the exit code of an exit; NULL if none. */
static json_t *failure_extra(wx_status st, const wx_error *err)
{
    if (st == WX_ETRAP && err && err->trap != WX_TRAP_NONE)
        return json_pack("{s:s}", "trap", wx_trap_name(err->trap));
    if (st == WX_EEXIT && err)
        return json_pack("{s:i}", "exit_code", err->exit_code);
    return NULL;
}

void wxd_reply_failure(wxd_response *rs, wx_status st, const wx_error *err)
{
    const char *msg = err && err->message[0] ? err->message
                                             : wx_status_message(st);
    reply_error_with(rs, wxd_http_status(st), wx_status_name(st), msg,
                     failure_extra(st, err));
    if (st == WX_EBUSY)
        rs->retry_after = 1;
}

void *wxd_failure_json(wx_status st, const wx_error *err, const char *prefix)
{
    const char *msg = err && err->message[0] ? err->message
                                             : wx_status_message(st);
    char text[sizeof err->message + 64];
    snprintf(text, sizeof text, "%s%s", prefix ? prefix : "", msg);
    json_t *e = json_pack("{s:s,s:o}", "code", wx_status_name(st), "message",
                          lenient_string(text));
    json_t *extra = failure_extra(st, err);
    if (e && extra)
        json_object_update(e, extra);
    json_decref(extra);
    return e ? json_pack("{s:o}", "error", e) : NULL;
}

void wxd_reply_change_failure(wxd_server *s, wxd_response *rs, wx_status st,
                              const wx_error *err)
{
    /* The manager marks the registry down when a change's registry step
     * failed and a revision read failed too, before the change returns:
     * so the health read here is this change's verdict, not a stale one. */
    wx_registry_health h;
    wx_manager_registry_health(s->mgr, &h);
    if (st != WX_EIO || h.up) {
        wxd_reply_failure(rs, st, err);
        return;
    }
    wxd_reply_error(rs, 503, "registry_unavailable",
                    "%s (nothing was changed; the plugins loaded keep "
                    "serving; retry when the registry is back)",
                    err->message);
    rs->retry_after = 1;
}
