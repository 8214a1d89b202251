/*
 * GET /plugins/{p}/recordings and POST /plugins/{p}/replay (docs/rest.md):
 * the failed calls a plugin recorded (record.failed_calls) and their
 * replay in this daemon, which holds them in its memory
 * (wx_manager_recordings, wx_manager_replay). Both answer with the
 * converters' JSON (wx_recording_list_to_json, wx_replay_result_to_json).
 * GET /plugins/{p}/logs, the other thing a plugin's calls leave in this
 * daemon's memory, is here too: its last guest log lines, each with the
 * function that wrote it (wx_manager_guest_log, wx_guest_log_to_json).
 */
#include "wxd.h"

#include "dl_jansson.h"
#include <stdlib.h>
#include <string.h>

/* Takes `text` (the converter's JSON) into a 200 reply, or replies why it
 * could not be made. */
static void reply_text(wxd_response *rs, char *text, const wx_error *err)
{
    if (!text) {
        wxd_reply_failure(rs, err->status, err);
        return;
    }
    wxd_reply(rs, 200, "application/json", text, strlen(text));
}

void wxd_recordings(wxd_server *s, const char *plugin, wxd_response *rs)
{
    wx_error err;
    wx_recording_list l;
    wx_status st = wx_manager_recordings(s->mgr, plugin, &l, &err);
    if (st != WX_OK) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    char *text = wx_recording_list_to_json(&l, &err);
    wx_recording_list_free(&l);
    reply_text(rs, text, &err);
}

void wxd_guest_log(wxd_server *s, const char *plugin, wxd_response *rs)
{
    wx_error err;
    wx_guest_log l;
    wx_status st = wx_manager_guest_log(s->mgr, plugin, &l, &err);
    if (st != WX_OK) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    char *text = wx_guest_log_to_json(&l, &err);
    wx_guest_log_free(&l);
    reply_text(rs, text, &err);
}

/* The body's options: {"function": "f", "last": N, "against":
 * "recorded"|"current"}, all optional. False when refused (replied). */
static bool replay_options(const wxd_request *rq, wxd_response *rs,
                           json_t **root, const char **func, size_t *last,
                           unsigned *flags)
{
    *root = NULL;
    size_t i = 0;
    while (i < rq->len && strchr(" \t\r\n", rq->body[i]))
        i++;
    if (i == rq->len)
        return true;
    json_error_t je;
    json_t *doc = json_loadb(rq->body, rq->len, 0, &je);
    if (!doc || !json_is_object(doc)) {
        json_decref(doc);
        wxd_reply_error(rs, 400, "arg",
                        "body: must be a JSON object {\"function\", "
                        "\"last\", \"against\"}");
        return false;
    }
    *root = doc;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (strcmp(key, "function") == 0 && json_is_string(v)) {
            *func = json_string_value(v);
        } else if (strcmp(key, "last") == 0 && json_is_integer(v) &&
                   json_integer_value(v) >= 0) {
            *last = (size_t)json_integer_value(v);
        } else if (strcmp(key, "against") == 0 && json_is_string(v) &&
                   (strcmp(json_string_value(v), "recorded") == 0 ||
                    strcmp(json_string_value(v), "current") == 0)) {
            *flags = strcmp(json_string_value(v), "current") == 0
                         ? WX_REPLAY_CURRENT
                         : WX_REPLAY_RECORDED;
        } else {
            wxd_reply_error(rs, 400, "arg",
                            "body: %s: expected \"function\" (a string), "
                            "\"last\" (a count) or \"against\" "
                            "(\"recorded\" or \"current\")",
                            key);
            return false;
        }
    }
    return true;
}

void wxd_replay(wxd_server *s, const char *plugin, const wxd_request *rq,
                wxd_response *rs)
{
    json_t *root;
    const char *func = NULL;
    size_t last = 0;
    unsigned flags = WX_REPLAY_RECORDED;
    if (!replay_options(rq, rs, &root, &func, &last, &flags)) {
        json_decref(root);
        return;
    }
    wx_error err;
    wx_replay_result r;
    wx_status st =
        wx_manager_replay(s->mgr, plugin, func, last, flags, &r, &err);
    json_decref(root);
    if (st != WX_OK) {
        wxd_reply_failure(rs, st, &err);
        return;
    }
    char *text = wx_replay_result_to_json(&r, &err);
    wx_replay_result_free(&r);
    reply_text(rs, text, &err);
}
