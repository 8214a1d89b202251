/*
 * The call handlers:
 *
 *   POST /plugins/{plugin}/functions/{func}   {"args": [...]}
 *   POST /functions/{func}                    the same, by function name
 *
 * answer {"results": [...]} with typed values as wx_call_json gives them
 * (numbers, strings, bytes as base64, json parsed). An empty body means
 * no arguments. The time spent in wx_call_json is recorded, with the
 * outcome, in the function's metrics.
 */
#include "wxd.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* The arguments array of the body as JSON text, or NULL with the error
 * response made. */
static char *args_text(const wxd_request *rq, wxd_response *rs)
{
    if (blank(rq->body, rq->len)) {
        char *t = strdup("[]");
        if (!t)
            wxd_reply_error(rs, 500, "nomem", "out of host memory");
        return t;
    }
    json_error_t je;
    json_t *root = json_loadb(rq->body, rq->len, 0, &je);
    if (!root) {
        wxd_reply_error(rs, 400, "arg",
                        "body: invalid JSON at line %d, column %d: %s",
                        je.line, je.column, je.text);
        return NULL;
    }
    json_t *args = json_object_get(root, "args");
    char *text = NULL;
    if (!json_is_object(root)) {
        wxd_reply_error(rs, 400, "arg",
                        "body: must be an object, {\"args\": [...]}");
    } else if (json_object_size(root) != (args ? 1u : 0u)) {
        wxd_reply_error(rs, 400, "arg",
                        "body: unknown key (the only key is \"args\")");
    } else if (args && !json_is_array(args)) {
        wxd_reply_error(rs, 400, "arg", "args: must be an array, e.g. [1, 2]");
    } else if (!(text = args ? json_dumps(args, JSON_COMPACT)
                             : strdup("[]"))) {
        wxd_reply_error(rs, 500, "nomem", "out of host memory");
    }
    json_decref(root);
    return text;
}

void wxd_call(wxd_server *s, const char *plugin, const char *func,
              const wxd_request *rq, wxd_response *rs)
{
    char *args = args_text(rq, rs);
    if (!args)
        return;
    wxd_fnstat *st = wxd_catalog_find(s->catalog, plugin, func);
    wx_error err;
    char *results = NULL;
    uint64_t t0 = wxd_now_ns();
    wx_status status = wx_call_json(s->mgr, plugin, func, args, &results,
                                    &err);
    uint64_t ns = wxd_now_ns() - t0;
    free(args);
    if (st)
        wxd_fnstat_record(st, status, ns);
    if (status != WX_OK) {
        wxd_reply_failure(rs, status, &err);
        return;
    }
    wxd_reply_wrapped(rs, 200, "{\"results\":", results, "}");
    wx_free(results);
}
